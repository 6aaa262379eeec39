//! The resource-server routes (Better Auth's OAuth provider issues the tokens), mounted when
//! `BETTER_AUTH_RESOURCE` is set:
//!
//! - `GET /items`: an access token for this resource with scope `read:items`: 200
//!   `{"sub", "clientId", "scopes"}`; no good token: 401 `invalid_token`; without the scope:
//!   403 `insufficient_scope`;
//! - `POST /items`: the same with `write:items` (201);
//! - `GET /.well-known/oauth-protected-resource`: the RFC 9728 metadata.

use better_auth_poem::{AuthRejection, OAuthToken, core::resource_server::ResourceServer};
use poem::{
    Endpoint, EndpointExt, IntoResponse, Response, Route, get, handler, http::StatusCode, web::Json,
};
use serde_json::{Value, json};

fn describe(token: &OAuthToken) -> Json<Value> {
    Json(json!({"sub": token.sub(), "clientId": token.client_id, "scopes": token.scopes}))
}

#[handler]
fn list_items(token: OAuthToken) -> Result<Json<Value>, AuthRejection> {
    token.require_scopes(["read:items"])?;
    Ok(describe(&token))
}

#[handler]
fn create_item(token: OAuthToken) -> Result<impl IntoResponse, AuthRejection> {
    token.require_scopes(["write:items"])?;
    Ok(describe(&token).with_status(StatusCode::CREATED))
}

/// The routes on `server`, in front of `app` (every other path).
pub(crate) fn routes(
    server: ResourceServer,
    app: impl Endpoint + 'static,
) -> impl Endpoint<Output = Response> {
    Route::new()
        .at("/items", get(list_items).post(create_item))
        .at(
            server.metadata_path(),
            better_auth_poem::protected_resource_metadata(&server),
        )
        .nest("/", app)
        .data(server)
}

//! The resource-server routes (Better Auth's OAuth provider issues the tokens), mounted when
//! `BETTER_AUTH_RESOURCE` is set:
//!
//! - `GET /items`: an access token for this resource with scope `read:items`: 200
//!   `{"sub", "clientId", "scopes"}`; no good token: 401 `invalid_token`; without the scope:
//!   403 `insufficient_scope`;
//! - `POST /items`: the same with `write:items` (201);
//! - `GET /.well-known/oauth-protected-resource`: the RFC 9728 metadata.

use axum::{Json, Router, http::StatusCode, routing::get};
use better_auth_axum::{AuthRejection, OAuthToken, core::resource_server::ResourceServer};
use serde_json::{Value, json};

fn describe(token: &OAuthToken) -> Json<Value> {
    Json(json!({"sub": token.sub(), "clientId": token.client_id, "scopes": token.scopes}))
}

async fn list_items(token: OAuthToken) -> Result<Json<Value>, AuthRejection> {
    token.require_scopes(["read:items"])?;
    Ok(describe(&token))
}

async fn create_item(token: OAuthToken) -> Result<(StatusCode, Json<Value>), AuthRejection> {
    token.require_scopes(["write:items"])?;
    Ok((StatusCode::CREATED, describe(&token)))
}

/// The routes on `server`.
pub(crate) fn routes(server: ResourceServer) -> Router {
    Router::new()
        .route("/items", get(list_items).post(create_item))
        .route(
            server.metadata_path(),
            better_auth_axum::protected_resource_metadata(&server),
        )
        .with_state(server)
}

//! The resource-server routes (Better Auth's OAuth provider issues the tokens), mounted when
//! `BETTER_AUTH_RESOURCE` is set:
//!
//! - `GET /items`: an access token for this resource with scope `read:items`: 200
//!   `{"sub", "clientId", "scopes"}`; no good token: 401 `invalid_token`; without the scope:
//!   403 `insufficient_scope`;
//! - `POST /items`: the same with `write:items` (201);
//! - `GET /.well-known/oauth-protected-resource`: the RFC 9728 metadata.

use actix_web::{HttpResponse, get, post, web};
use better_auth_actix::{AuthRejection, OAuthToken, core::resource_server::ResourceServer};
use serde_json::{Value, json};

fn describe(token: &OAuthToken) -> Value {
    json!({"sub": token.sub(), "clientId": token.client_id, "scopes": token.scopes})
}

#[get("/items")]
async fn list_items(token: OAuthToken) -> Result<HttpResponse, AuthRejection> {
    token.require_scopes(["read:items"])?;
    Ok(HttpResponse::Ok().json(describe(&token)))
}

#[post("/items")]
async fn create_item(token: OAuthToken) -> Result<HttpResponse, AuthRejection> {
    token.require_scopes(["write:items"])?;
    Ok(HttpResponse::Created().json(describe(&token)))
}

/// Registers the routes and `server` on an app (before [`configure`](crate::configure), whose
/// scope takes every path).
pub(crate) fn configure(server: ResourceServer) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.service(better_auth_actix::protected_resource_metadata(&server))
            .app_data(web::Data::new(server))
            .service(list_items)
            .service(create_item);
    }
}

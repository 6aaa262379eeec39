//! The resource-server routes (Better Auth's OAuth provider issues the tokens), mounted when
//! `BETTER_AUTH_RESOURCE` is set:
//!
//! - `GET /items`: an access token for this resource with scope `read:items`: 200
//!   `{"sub", "clientId", "scopes"}`; no good token: 401 `invalid_token`; without the scope:
//!   403 `insufficient_scope`;
//! - `POST /items`: the same with `write:items` (201);
//! - `GET /.well-known/oauth-protected-resource`: the RFC 9728 metadata.
//!
//! The refusals of the `OAuthToken` guard are sent by the catchers [`mount`](crate::mount)
//! registers.

use better_auth_rocket::{AuthRejection, OAuthToken, core::resource_server::ResourceServer};
use rocket::{Build, Rocket, get, http::Status, post, routes, serde::json::Json};
use serde_json::{Value, json};

fn describe(token: &OAuthToken) -> Json<Value> {
    Json(json!({"sub": token.sub(), "clientId": token.client_id, "scopes": token.scopes}))
}

#[get("/items")]
fn list_items(token: OAuthToken) -> Result<Json<Value>, AuthRejection> {
    token.require_scopes(["read:items"])?;
    Ok(describe(&token))
}

#[post("/items")]
fn create_item(token: OAuthToken) -> Result<(Status, Json<Value>), AuthRejection> {
    token.require_scopes(["write:items"])?;
    Ok((Status::Created, describe(&token)))
}

/// The routes on `server`, on top of `rocket`.
pub(crate) fn mount(rocket: Rocket<Build>, server: ResourceServer) -> Rocket<Build> {
    rocket
        .mount(
            "/",
            better_auth_rocket::protected_resource_metadata(&server),
        )
        .mount("/", routes![list_items, create_item])
        .manage(server)
}

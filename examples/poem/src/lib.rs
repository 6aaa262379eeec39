//! The contract service on Poem (the same routes as the axum, actix and rocket examples):
//!
//! - `GET /public`: no authentication (the baseline of the load benchmark);
//! - `GET /private`: `ok` for an authenticated request (authentication's cost alone);
//! - `GET /me`: the user, the session (or null) and how the request authenticated;
//! - `GET /optional`: the user or null, never 401;
//! - `GET /admin`: role `admin` required (401 unauthenticated, 403 otherwise);
//! - `POST /notes`: a state change (cookie requests pass the Origin check);
//! - `GET /healthz`: 200 when the stores answer, 503 otherwise;
//! - with `BETTER_AUTH_RESOURCE` set, `GET`/`POST /items` and the protected-resource metadata
//!   (`src/items.rs`, mounted by the binary): OAuth access tokens of Better Auth's OAuth provider.

use better_auth_poem::{
    AuthRejection, AuthUser, Authenticator, BetterAuth, OptionalAuthUser,
    core::access_control::Permissions,
};
use poem::{
    Endpoint, EndpointExt, IntoResponse, Route, get, handler,
    http::StatusCode,
    post,
    web::{Data, Json},
};
use serde_json::{Value, json};

#[handler]
fn public() -> &'static str {
    "ok"
}

#[handler]
fn private(_user: AuthUser) -> &'static str {
    "ok"
}

#[handler]
fn me(user: AuthUser) -> Json<Value> {
    Json(json!({"user": user.user, "session": user.session, "via": user.via}))
}

#[handler]
fn optional(OptionalAuthUser(user): OptionalAuthUser) -> Json<Value> {
    Json(json!({"user": user.map(|user| user.user.clone())}))
}

#[handler]
fn admin(user: AuthUser) -> Result<Json<Value>, AuthRejection> {
    user.require_role("admin")?;
    Ok(Json(json!({"user": user.user})))
}

/// The session's active organization and the user's role in it (organization plugin).
#[handler]
async fn org(user: AuthUser) -> Result<Json<Value>, AuthRejection> {
    let membership = user.membership().await?;
    Ok(Json(json!({
        "organizationId": membership.organization.id,
        "role": membership.member.role,
        "roles": membership.member.roles(),
        "teamId": membership.team.as_ref().map(|team| &team.team_id),
    })))
}

/// Better Auth's `POST /organization/has-permission`, answered here: `{"success": bool}`.
#[handler]
async fn org_has_permission(user: AuthUser, body: Vec<u8>) -> Result<Json<Value>, AuthRejection> {
    let success = user.organization_has_permission_answer(&body).await?;
    Ok(Json(json!({"success": success})))
}

/// Better Auth's `POST /admin/has-permission`, answered here: `{"success": bool}`.
#[handler]
fn admin_has_permission(user: AuthUser, body: Vec<u8>) -> Result<Json<Value>, AuthRejection> {
    let success = user.admin_has_permission_answer(&body)?;
    Ok(Json(json!({"success": success})))
}

/// A guard demonstration: only a member who may delete the organization gets 200 (nothing
/// is deleted).
#[handler]
async fn delete_org(user: AuthUser) -> Result<Json<Value>, AuthRejection> {
    user.require_organization_permission(&Permissions::new([("organization", ["delete"])]))
        .await?;
    Ok(Json(json!({"ok": true})))
}

#[handler]
fn notes(user: AuthUser) -> impl IntoResponse {
    Json(json!({"ok": true, "by": user.user.id})).with_status(StatusCode::CREATED)
}

#[handler]
async fn healthz(auth: Data<&Authenticator>) -> Result<&'static str, AuthRejection> {
    auth.check_health()
        .await
        .map_err(|error| auth.reject(error))?;
    Ok("ok")
}

/// The service's routes on `auth`.
pub fn app(auth: Authenticator) -> impl Endpoint {
    Route::new()
        .at("/public", get(public))
        .at("/private", get(private))
        .at("/me", get(me))
        .at("/optional", get(optional))
        .at("/admin", get(admin))
        .at("/notes", post(notes))
        .at("/org", get(org).delete(delete_org))
        .at("/org/has-permission", post(org_has_permission))
        .at("/admin/has-permission", post(admin_has_permission))
        .at("/healthz", get(healthz))
        .with(BetterAuth::new(auth.clone()))
        .data(auth)
}

//! The contract service on axum (the same routes as the actix, rocket and poem examples):
//!
//! - `GET /public`: no authentication (the baseline of the load benchmark);
//! - `GET /private`: `ok` for an authenticated request (authentication's cost alone);
//! - `GET /me`: the user, the session (or null) and how the request authenticated;
//! - `GET /optional`: the user or null, never 401;
//! - `GET /admin`: role `admin` required (401 unauthenticated, 403 otherwise);
//! - `POST /notes`: a state change (cookie requests pass the Origin check);
//! - `GET /healthz`: 200 when the stores answer, 503 otherwise;
//! - `GET /openapi.json`: the OpenAPI document of `/me` and `/admin`, with Better Auth's
//!   security schemes (utoipa) named as this service's configuration names them;
//! - with `BETTER_AUTH_RESOURCE` set, `GET`/`POST /items` and the protected-resource metadata
//!   (`src/items.rs`, mounted by the binary): OAuth access tokens of Better Auth's OAuth provider.

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{get, post},
};
use better_auth_axum::{
    AuthRejection, AuthUser, Authenticator, BetterAuthLayer, core::access_control::Permissions,
};
use serde_json::{Value, json};

async fn public() -> &'static str {
    "ok"
}

async fn private(_user: AuthUser) -> &'static str {
    "ok"
}

/// The signed-in user.
#[utoipa::path(get, path = "/me",
    responses((status = 200, description = "the user, the session and how the request authenticated"),
              (status = 401, description = "no valid credential"), (status = 503, description = "the session store cannot answer")),
    security(("better_auth_session" = []), ("better_auth_bearer" = []), ("better_auth_api_key" = [])))]
async fn me(user: AuthUser) -> Json<Value> {
    Json(json!({"user": user.user, "session": user.session, "via": user.via}))
}

async fn optional(user: Option<AuthUser>) -> Json<Value> {
    Json(json!({"user": user.map(|user| user.user.clone())}))
}

/// Admins only.
#[utoipa::path(get, path = "/admin",
    responses((status = 200, description = "the user"), (status = 401, description = "no valid credential"),
              (status = 403, description = "`missing_role`: not an admin")),
    security(("better_auth_session" = []), ("better_auth_bearer" = []), ("better_auth_api_key" = [])))]
async fn admin(user: AuthUser) -> Result<Json<Value>, AuthRejection> {
    user.require_role("admin")?;
    Ok(Json(json!({"user": user.user})))
}

/// The session's active organization and the user's role in it (organization plugin).
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
async fn org_has_permission(
    user: AuthUser,
    body: axum::body::Bytes,
) -> Result<Json<Value>, AuthRejection> {
    let success = user.organization_has_permission_answer(&body).await?;
    Ok(Json(json!({"success": success})))
}

/// Better Auth's `POST /admin/has-permission`, answered here: `{"success": bool}`.
async fn admin_has_permission(
    user: AuthUser,
    body: axum::body::Bytes,
) -> Result<Json<Value>, AuthRejection> {
    let success = user.admin_has_permission_answer(&body)?;
    Ok(Json(json!({"success": success})))
}

/// A guard demonstration: only a member who may delete the organization gets 200 (nothing
/// is deleted).
async fn delete_org(user: AuthUser) -> Result<Json<Value>, AuthRejection> {
    user.require_organization_permission(&Permissions::new([("organization", ["delete"])]))
        .await?;
    Ok(Json(json!({"ok": true})))
}

async fn notes(user: AuthUser) -> (StatusCode, Json<Value>) {
    (
        StatusCode::CREATED,
        Json(json!({"ok": true, "by": user.user.id})),
    )
}

async fn healthz(State(auth): State<Authenticator>) -> Result<&'static str, AuthRejection> {
    auth.check_health()
        .await
        .map_err(|error| auth.reject(error))?;
    Ok("ok")
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(me, admin))]
struct ApiDoc;

/// The OpenAPI document, with the security schemes of this service's configuration (its cookie
/// name, its API key header).
async fn openapi(State(auth): State<Authenticator>) -> Json<utoipa::openapi::OpenApi> {
    use utoipa::{Modify, OpenApi};
    let mut document = ApiDoc::openapi();
    better_auth_axum::core::openapi::SecuritySchemes::new(auth.config()).modify(&mut document);
    Json(document)
}

/// The service's routes on `auth`.
pub fn app(auth: Authenticator) -> Router {
    Router::new()
        .route("/public", get(public))
        .route("/private", get(private))
        .route("/me", get(me))
        .route("/optional", get(optional))
        .route("/admin", get(admin))
        .route("/notes", post(notes))
        .route("/org", get(org).delete(delete_org))
        .route("/org/has-permission", post(org_has_permission))
        .route("/admin/has-permission", post(admin_has_permission))
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi))
        // Sends session refreshes back (the session cookie with a new Max-Age, set-auth-token).
        .layer(BetterAuthLayer::new(auth.clone()))
        .with_state(auth)
}

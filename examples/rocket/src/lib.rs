//! The contract service on Rocket (the same routes as the axum, actix and poem examples):
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

use better_auth_rocket::{
    AuthRejection, AuthUser, Authenticator, OptionalAuthUser, core::access_control::Permissions,
};
use rocket::{Build, Rocket, State, delete, get, http::Status, post, routes, serde::json::Json};
use serde_json::{Value, json};

#[get("/public")]
fn public() -> &'static str {
    "ok"
}

#[get("/private")]
fn private(_user: AuthUser) -> &'static str {
    "ok"
}

#[get("/me")]
fn me(user: AuthUser) -> Json<Value> {
    Json(json!({"user": user.user, "session": user.session, "via": user.via}))
}

#[get("/optional")]
fn optional(user: OptionalAuthUser) -> Json<Value> {
    Json(json!({"user": user.0.map(|user| user.user.clone())}))
}

#[get("/admin")]
fn admin(user: AuthUser) -> Result<Json<Value>, AuthRejection> {
    user.require_role("admin")?;
    Ok(Json(json!({"user": user.user})))
}

/// The session's active organization and the user's role in it (organization plugin).
#[get("/org")]
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
#[post("/org/has-permission", data = "<body>")]
async fn org_has_permission(user: AuthUser, body: Vec<u8>) -> Result<Json<Value>, AuthRejection> {
    let success = user.organization_has_permission_answer(&body).await?;
    Ok(Json(json!({"success": success})))
}

/// Better Auth's `POST /admin/has-permission`, answered here: `{"success": bool}`.
#[post("/admin/has-permission", data = "<body>")]
fn admin_has_permission(user: AuthUser, body: Vec<u8>) -> Result<Json<Value>, AuthRejection> {
    let success = user.admin_has_permission_answer(&body)?;
    Ok(Json(json!({"success": success})))
}

/// A guard demonstration: only a member who may delete the organization gets 200 (nothing
/// is deleted).
#[delete("/org")]
async fn delete_org(user: AuthUser) -> Result<Json<Value>, AuthRejection> {
    user.require_organization_permission(&Permissions::new([("organization", ["delete"])]))
        .await?;
    Ok(Json(json!({"ok": true})))
}

#[post("/notes")]
fn notes(user: AuthUser) -> (Status, Json<Value>) {
    (
        Status::Created,
        Json(json!({"ok": true, "by": user.user.id})),
    )
}

#[get("/healthz")]
async fn healthz(auth: &State<Authenticator>) -> Result<&'static str, AuthRejection> {
    auth.check_health()
        .await
        .map_err(|error| auth.reject(error))?;
    Ok("ok")
}

/// The service's routes and catchers on `auth`, on top of `rocket`.
pub fn mount(rocket: Rocket<Build>, auth: Authenticator) -> Rocket<Build> {
    rocket
        .manage(auth)
        // Sends session refreshes back (the session cookie with a new Max-Age, set-auth-token).
        .attach(better_auth_rocket::SessionRefresh)
        .mount(
            "/",
            routes![
                public,
                private,
                me,
                optional,
                admin,
                notes,
                org,
                org_has_permission,
                admin_has_permission,
                delete_org,
                healthz
            ],
        )
        .register("/", better_auth_rocket::catchers())
}

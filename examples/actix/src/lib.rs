//! The contract service on actix-web (the same routes as the axum, rocket and poem examples):
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

use actix_web::{HttpResponse, delete, get, post, web};
use better_auth_actix::{
    AuthRejection, AuthUser, Authenticator, BetterAuth, OptionalAuthUser,
    core::access_control::Permissions,
};
use serde_json::json;

#[get("/public")]
async fn public() -> &'static str {
    "ok"
}

#[get("/private")]
async fn private(_user: AuthUser) -> &'static str {
    "ok"
}

#[get("/me")]
async fn me(user: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(json!({"user": user.user, "session": user.session, "via": user.via}))
}

#[get("/optional")]
async fn optional(OptionalAuthUser(user): OptionalAuthUser) -> HttpResponse {
    HttpResponse::Ok().json(json!({"user": user.map(|user| user.user.clone())}))
}

#[get("/admin")]
async fn admin(user: AuthUser) -> Result<HttpResponse, AuthRejection> {
    user.require_role("admin")?;
    Ok(HttpResponse::Ok().json(json!({"user": user.user})))
}

/// The session's active organization and the user's role in it (organization plugin).
#[get("/org")]
async fn org(user: AuthUser) -> Result<HttpResponse, AuthRejection> {
    let membership = user.membership().await?;
    Ok(HttpResponse::Ok().json(json!({
        "organizationId": membership.organization.id,
        "role": membership.member.role,
        "roles": membership.member.roles(),
        "teamId": membership.team.as_ref().map(|team| &team.team_id),
    })))
}

/// Better Auth's `POST /organization/has-permission`, answered here: `{"success": bool}`.
#[post("/org/has-permission")]
async fn org_has_permission(
    user: AuthUser,
    body: web::Bytes,
) -> Result<HttpResponse, AuthRejection> {
    let success = user.organization_has_permission_answer(&body).await?;
    Ok(HttpResponse::Ok().json(json!({"success": success})))
}

/// Better Auth's `POST /admin/has-permission`, answered here: `{"success": bool}`.
#[post("/admin/has-permission")]
async fn admin_has_permission(
    user: AuthUser,
    body: web::Bytes,
) -> Result<HttpResponse, AuthRejection> {
    let success = user.admin_has_permission_answer(&body)?;
    Ok(HttpResponse::Ok().json(json!({"success": success})))
}

/// A guard demonstration: only a member who may delete the organization gets 200 (nothing
/// is deleted).
#[delete("/org")]
async fn delete_org(user: AuthUser) -> Result<HttpResponse, AuthRejection> {
    user.require_organization_permission(&Permissions::new([("organization", ["delete"])]))
        .await?;
    Ok(HttpResponse::Ok().json(json!({"ok": true})))
}

#[post("/notes")]
async fn notes(user: AuthUser) -> HttpResponse {
    HttpResponse::Created().json(json!({"ok": true, "by": user.user.id}))
}

#[get("/healthz")]
async fn healthz(auth: web::Data<Authenticator>) -> Result<&'static str, AuthRejection> {
    auth.check_health()
        .await
        .map_err(|error| auth.reject(error))?;
    Ok("ok")
}

/// Registers the service's routes and `auth` on an app.
pub fn configure(auth: Authenticator) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(auth)).service(
            // The middleware sends session refreshes back (the session cookie with a new
            // Max-Age, set-auth-token).
            web::scope("")
                .wrap(BetterAuth::new())
                .service(public)
                .service(private)
                .service(me)
                .service(optional)
                .service(admin)
                .service(notes)
                .service(org)
                .service(org_has_permission)
                .service(admin_has_permission)
                .service(delete_org)
                .service(healthz),
        );
    }
}

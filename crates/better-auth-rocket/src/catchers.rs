//! Catchers that send a failed guard's rendering (status, headers, JSON body).

use better_auth_core::{AuthError, ErrorResponse};
use rocket::{Catcher, Request, catcher, http::Status};

use crate::response::{respond, take};

/// The answer for `status`: what the failed guard stored, or, when the status came from
/// elsewhere, a plain JSON error with the same status.
fn handle<'r>(status: Status, request: &'r Request<'_>) -> catcher::BoxFuture<'r> {
    let rendered = take(request).unwrap_or_else(|| {
        let reason = status.reason().unwrap_or("error");
        ErrorResponse {
            status: status.code,
            headers: vec![("content-type", "application/json".to_owned())],
            body: format!(r#"{{"code":"http_{}","message":"{reason}"}}"#, status.code).into_bytes(),
        }
    });
    Box::pin(async move { respond(rendered) })
}

/// Catchers for every status the core can answer with ([`AuthError::STATUSES`]: 400, 401, 403, 429,
/// 500 and 503), each answering with the rendering the failed guard kept: the authenticator's
/// for [`AuthUser`](crate::AuthUser), the resource server's (the RFC 6750 `Bearer` challenge)
/// for `OAuthToken` (feature `resource-server`). Register them:
/// `.register("/", better_auth_rocket::catchers())`.
pub fn catchers() -> Vec<Catcher> {
    AuthError::STATUSES
        .into_iter()
        .map(|status| Catcher::new(status.as_u16(), handle))
        .collect()
}

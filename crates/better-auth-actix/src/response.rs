//! Turning a rejection into an actix-web response.

use actix_web::{
    HttpResponse, ResponseError,
    http::{
        StatusCode,
        header::{HeaderName, HeaderValue},
    },
};
use better_auth_core::{ErrorResponse, Rejection};

better_auth_core::declare_auth_rejection! {
    /// Why [`AuthUser`](crate::AuthUser) (or a guard) refused a request, sent as the authenticator
    /// renders it (by default 401, 403, 429 or 503 with a JSON body `{"code": "...", "message":
    /// "..."}` and, for 401, `WWW-Authenticate`). To answer differently everywhere, give the
    /// authenticator an [`error_renderer`](better_auth_core::AuthenticatorBuilder::error_renderer).
    pub struct AuthRejection(pub Rejection);
}

impl ResponseError for AuthRejection {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.response().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The core's `http` response, copied into actix-web's types (another `http` version).
    fn error_response(&self) -> HttpResponse {
        http_response(self.0.response())
    }
}

/// A rendered response (a rejection's, the resource metadata): the core's `http` response,
/// copied into actix-web's types (another `http` version).
pub(crate) fn http_response(rendered: &ErrorResponse) -> HttpResponse {
    let response = rendered.to_http();
    let status = StatusCode::from_u16(response.status().as_u16())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = HttpResponse::build(status);
    for (name, value) in response.headers() {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_str().as_bytes()),
            HeaderValue::from_bytes(value.as_bytes()),
        ) {
            builder.append_header((name, value));
        }
    }
    builder.body(response.into_body())
}

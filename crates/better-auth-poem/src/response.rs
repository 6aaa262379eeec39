//! Turning a rejection into a Poem response.

use better_auth_core::{AuthError, ErrorResponse, Rejection};
use poem::{Body, Response, ResponseParts, error::ResponseError, http::StatusCode};

/// Why [`AuthUser`](crate::AuthUser) (or a guard, or the middleware) refused a request, sent as
/// the authenticator renders it (by default 401, 403, 429 or 503 with a JSON body
/// `{"code": "...", "message": "..."}` and, for 401, `WWW-Authenticate`). To answer differently
/// everywhere, give the authenticator an
/// [`error_renderer`](better_auth_core::AuthenticatorBuilder::error_renderer).
#[derive(Debug)]
pub struct AuthRejection(pub Rejection);

impl AuthRejection {
    /// The cause.
    pub fn error(&self) -> &AuthError {
        self.0.error()
    }
}

impl From<Rejection> for AuthRejection {
    fn from(rejection: Rejection) -> Self {
        Self(rejection)
    }
}

impl From<AuthError> for AuthRejection {
    /// The default JSON rendering (for errors raised outside an extractor).
    fn from(error: AuthError) -> Self {
        Self(Rejection::json(error))
    }
}

impl std::fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for AuthRejection {}

impl ResponseError for AuthRejection {
    fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.0.response().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn as_response(&self) -> Response {
        poem_response(self.0.response())
    }
}

/// A rendered response (a rejection's, the resource metadata) as a Poem response.
pub(crate) fn poem_response(rendered: &ErrorResponse) -> Response {
    let (parts, body) = rendered.to_http().into_parts();
    Response::from_parts(
        ResponseParts {
            status: parts.status,
            version: parts.version,
            headers: parts.headers,
            extensions: parts.extensions,
        },
        Body::from(body),
    )
}

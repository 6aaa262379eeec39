//! Turning a rejection into a Poem response.

use better_auth_core::{ErrorResponse, Rejection};
use poem::{Body, Response, ResponseParts, error::ResponseError, http::StatusCode};

better_auth_core::declare_auth_rejection! {
    /// Why [`AuthUser`](crate::AuthUser) (or a guard, or the middleware) refused a request, sent as
    /// the authenticator renders it (by default 401, 403, 429 or 503 with a JSON body
    /// `{"code": "...", "message": "..."}` and, for 401, `WWW-Authenticate`). To answer differently
    /// everywhere, give the authenticator an
    /// [`error_renderer`](better_auth_core::AuthenticatorBuilder::error_renderer).
    pub struct AuthRejection(pub Rejection);
}

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

//! Turning a [`Rejection`] into an axum response.

use axum::{
    body::Body,
    response::{IntoResponse, Response},
};
use better_auth_core::{AuthError, Rejection, http};

/// The rejection of [`AuthUser`](crate::AuthUser) and of its guards: the authenticator's
/// rendering of the [`AuthError`] (by default 401, 403, 429 or 503 with a JSON body
/// `{"code": "...", "message": "..."}` and, for 401, `WWW-Authenticate`).
///
/// To answer differently everywhere, give the authenticator an
/// [`error_renderer`](better_auth_core::AuthenticatorBuilder::error_renderer); for one handler,
/// take `Result<AuthUser, AuthRejection>` and map [`AuthRejection::error`].
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

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        http::Response::<Vec<u8>>::from(self.0).map(Body::from)
    }
}

impl std::fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for AuthRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.0.error())
    }
}

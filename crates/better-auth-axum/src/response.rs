//! Turning an [`AuthError`] into an axum response.

use axum::{
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use better_auth_core::AuthError;

/// The rejection of [`AuthUser`](crate::AuthUser): the status of the [`AuthError`] (401, 403 or
/// 503), a JSON body `{"code": "...", "message": "..."}` and, for 401, `WWW-Authenticate`.
///
/// To answer differently, take `Result<AuthUser, AuthRejection>` in the handler and map the
/// error yourself; [`AuthRejection::error`] gives the cause.
#[derive(Debug)]
pub struct AuthRejection(pub AuthError);

impl AuthRejection {
    /// The cause.
    pub fn error(&self) -> &AuthError {
        &self.0
    }
}

impl From<AuthError> for AuthRejection {
    fn from(error: AuthError) -> Self {
        Self(error)
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        let error = self.0;
        let mut response = (
            error.status(),
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            error.body().to_json(),
        )
            .into_response();
        if let Some(challenge) = error.www_authenticate() {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}

impl std::fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for AuthRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

//! Turning a [`Rejection`] into an axum response.

use axum::{
    body::Body,
    response::{IntoResponse, Response},
};
use better_auth_core::{Rejection, http};

better_auth_core::declare_auth_rejection! {
    /// The rejection of [`AuthUser`](crate::AuthUser) and of its guards: the authenticator's
    /// rendering of the [`AuthError`](better_auth_core::AuthError) (by default 401, 403, 429 or 503
    /// with a JSON body `{"code": "...", "message": "..."}` and, for 401, `WWW-Authenticate`).
    ///
    /// To answer differently everywhere, give the authenticator an
    /// [`error_renderer`](better_auth_core::AuthenticatorBuilder::error_renderer); for one handler,
    /// take `Result<AuthUser, AuthRejection>` and map [`AuthRejection::error`].
    pub struct AuthRejection(pub Rejection);
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        http::Response::<Vec<u8>>::from(self.0).map(Body::from)
    }
}

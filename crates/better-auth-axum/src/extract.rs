//! The `AuthUser` extractor.

use std::ops::Deref;

use axum::{
    extract::{FromRef, FromRequestParts, OptionalFromRequestParts},
    http::request::Parts,
};
use better_auth_core::{Authenticator, Identity};

use crate::AuthRejection;

/// The authenticated user of a request. Extracting it runs the [`Authenticator`] found in the
/// router's state (through [`FromRef`]): a request without valid credentials is rejected with
/// an [`AuthRejection`] (401, 403 or 503).
///
/// `Option<AuthUser>` never rejects for bad or missing credentials (they read as `None`); it
/// still answers 503 when the session store cannot be asked, rather than pretend the visitor is
/// anonymous.
///
/// ```
/// use axum::{Json, Router, routing::get};
/// use better_auth_axum::{AuthUser, Authenticator};
///
/// async fn me(user: AuthUser) -> Json<better_auth_axum::Identity> {
///     Json(user.into_identity())
/// }
///
/// async fn greeting(user: Option<AuthUser>) -> String {
///     match user {
///         Some(user) => format!("hello {}", user.user.name),
///         None => "hello stranger".to_owned(),
///     }
/// }
///
/// fn app(auth: Authenticator) -> Router {
///     Router::new()
///         .route("/me", get(me))
///         .route("/", get(greeting))
///         .with_state(auth)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct AuthUser(pub Identity);

impl AuthUser {
    /// The identity: user, session, and how the request proved it.
    pub fn into_identity(self) -> Identity {
        self.0
    }
}

impl Deref for AuthUser {
    type Target = Identity;

    fn deref(&self) -> &Identity {
        &self.0
    }
}

impl<S> FromRequestParts<S> for AuthUser
where
    Authenticator: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Authenticator::from_ref(state);
        Ok(Self(auth.authenticate(&parts.headers).await?))
    }
}

impl<S> OptionalFromRequestParts<S> for AuthUser
where
    Authenticator: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let auth = Authenticator::from_ref(state);
        match auth.authenticate_optional(&parts.headers).await {
            Ok(identity) => Ok(identity.map(Self)),
            Err(error) if error.is_client_error() => Ok(None),
            Err(error) => Err(error.into()),
        }
    }
}

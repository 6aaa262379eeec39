//! The `AuthUser` extractor.

use std::ops::Deref;

use axum::{
    extract::{FromRef, FromRequestParts, OptionalFromRequestParts},
    http::request::Parts,
};
use better_auth_core::{Authenticated, Authenticator, Identity};

use crate::AuthRejection;

/// The authenticated user of a request. Extracting it runs the [`Authenticator`] found in the
/// router's state (through [`FromRef`]): a request without valid credentials is rejected with
/// an [`AuthRejection`] (401, 403 or 503), and a cookie-authenticated state-changing request
/// must pass the Origin check.
///
/// `Option<AuthUser>` reads absent or refused credentials as `None`; it still answers 503 when
/// the session store cannot be asked, rather than pretend the visitor is anonymous.
///
/// Guards answer with rejections: `user.require_role("admin")?` (also `require_any_role`,
/// `require_email_verified`, `require_fresh_session`, `require_not_banned`, `require`).
///
/// ```
/// use axum::{Json, Router, routing::get};
/// use better_auth_axum::{AuthRejection, AuthUser, Authenticator, Identity};
///
/// async fn me(user: AuthUser) -> Json<Identity> {
///     Json(user.into_identity())
/// }
///
/// async fn admin(user: AuthUser) -> Result<String, AuthRejection> {
///     user.require_role("admin")?;
///     Ok(format!("hello admin {}", user.user.email))
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
///         .route("/admin", get(admin))
///         .route("/", get(greeting))
///         .with_state(auth)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct AuthUser(pub Authenticated);

impl AuthUser {
    /// The identity: user, session, and how the request proved it.
    pub fn into_identity(self) -> Identity {
        self.0.into_identity()
    }
}

impl Deref for AuthUser {
    type Target = Authenticated;

    fn deref(&self) -> &Authenticated {
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
        Ok(Self(
            auth.require(parts.method.as_str(), &parts.headers).await?,
        ))
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
        Ok(auth
            .optional(parts.method.as_str(), &parts.headers)
            .await?
            .map(Self))
    }
}

//! The `AuthUser` extractor.

use axum::{
    extract::{FromRef, FromRequestParts, OptionalFromRequestParts},
    http::request::Parts,
};
use better_auth_core::{AuthOutcome, Authenticated, Authenticator};

use crate::AuthRejection;

better_auth_core::declare_auth_user! {
    /// The authenticated user of a request. Extracting it runs the [`Authenticator`] found in the
    /// router's state (through [`FromRef`]), once per request (the outcome is kept in the request's
    /// extensions for every other extractor): a request without valid credentials is rejected with
    /// an [`AuthRejection`] (the authenticator's rendering: 401, 403, 429 or 503), and a
    /// cookie-authenticated state-changing request must pass the Origin check.
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
    pub struct AuthUser(pub Authenticated);
}

/// The peer of the request's connection: axum's `ConnectInfo<SocketAddr>`, there when the app
/// is served with `into_make_service_with_connect_info::<SocketAddr>()` (without it the client
/// is unknown, and what is counted per client cannot be: see `better_auth_core::client`).
pub(crate) fn peer(parts: &Parts) -> Option<std::net::IpAddr> {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip())
}

/// The request's outcome: the one an extractor already made for this authenticator, or a new
/// one, kept in the extensions.
async fn outcome(parts: &mut Parts, auth: &Authenticator) -> AuthOutcome {
    if let Some(outcome) = parts.extensions.get::<AuthOutcome>()
        && outcome.is_from(auth)
    {
        return outcome.clone();
    }
    let outcome = auth
        .authenticate_request_from(peer(parts), parts.method.as_str(), &parts.headers)
        .await;
    parts.extensions.insert(outcome.clone());
    outcome
}

impl<S> FromRequestParts<S> for AuthUser
where
    Authenticator: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Authenticator::from_ref(state);
        Ok(Self(outcome(parts, &auth).await.required()?))
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
        Ok(outcome(parts, &auth).await.optional()?.map(Self))
    }
}

//! The `AuthUser` and `OptionalAuthUser` extractors.

use better_auth_core::{AuthOutcome, Authenticated, Authenticator, Rejection};
use poem::{FromRequest, Request, RequestBody, Result};

use crate::AuthRejection;

/// The outcome the [`BetterAuth`](crate::BetterAuth) middleware stored, or one computed now with
/// an `Authenticator` given as data (`.data(authenticator)`).
async fn outcome(req: &Request) -> Result<AuthOutcome, AuthRejection> {
    if let Some(outcome) = req.extensions().get::<AuthOutcome>() {
        return Ok(outcome.clone());
    }
    match req.data::<Authenticator>() {
        Some(auth) => Ok(auth
            .authenticate_request_from(
                req.remote_addr().as_socket_addr().map(|peer| peer.ip()),
                req.method().as_str(),
                req.headers(),
            )
            .await),
        None => Err(AuthRejection(Rejection::misconfigured(
            "no BetterAuth middleware on this route: add `.with(BetterAuth::new(authenticator))`",
        ))),
    }
}

better_auth_core::declare_auth_user! {
    /// The authenticated user of a request. A request without valid credentials is refused with an
    /// [`AuthRejection`] (401, 403, 429 or 503), and a cookie-authenticated state-changing request
    /// must pass the Origin check. Needs the [`BetterAuth`](crate::BetterAuth) middleware (or the
    /// `Authenticator` as data).
    ///
    /// Guards answer with rejections: `user.require_role("admin")?` (also `require_any_role`,
    /// `require_email_verified`, `require_fresh_session`, `require_not_banned`, `require`).
    ///
    /// ```
    /// use better_auth_poem::{AuthRejection, AuthUser, Authenticator, BetterAuth, OptionalAuthUser};
    /// use poem::{EndpointExt, Route, get, handler};
    ///
    /// #[handler]
    /// fn admin(user: AuthUser) -> Result<String, AuthRejection> {
    ///     user.require_role("admin")?;
    ///     Ok(format!("hello admin {}", user.user.email))
    /// }
    ///
    /// #[handler]
    /// fn greeting(OptionalAuthUser(user): OptionalAuthUser) -> String {
    ///     user.map_or("hello stranger".to_owned(), |user| format!("hello {}", user.user.name))
    /// }
    ///
    /// fn app(auth: Authenticator) -> impl poem::Endpoint {
    ///     Route::new().at("/admin", get(admin)).at("/", get(greeting)).with(BetterAuth::new(auth))
    /// }
    /// ```
    pub struct AuthUser(pub Authenticated);
}

impl<'a> FromRequest<'a> for AuthUser {
    async fn from_request(req: &'a Request, _: &mut RequestBody) -> Result<Self> {
        let outcome = outcome(req).await?;
        let user = outcome.required().map_err(AuthRejection::from)?;
        Ok(Self(user))
    }
}

/// The user of a request if it is authenticated: absent or refused credentials read as `None`;
/// a backend failure is still a 503, rather than pretend the visitor is anonymous.
///
/// (Poem's own `Option<AuthUser>` turns every failure, 503s included, into `None`.)
#[derive(Debug, Clone)]
pub struct OptionalAuthUser(pub Option<AuthUser>);

impl<'a> FromRequest<'a> for OptionalAuthUser {
    async fn from_request(req: &'a Request, _: &mut RequestBody) -> Result<Self> {
        let outcome = outcome(req).await?;
        let user = outcome.optional().map_err(AuthRejection::from)?;
        Ok(Self(user.map(AuthUser)))
    }
}

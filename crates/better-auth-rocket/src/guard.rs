//! The `AuthUser` and `OptionalAuthUser` request guards.

use better_auth_core::{AuthOutcome, Authenticated, Authenticator, Rejection, RequestHeaders};
use rocket::{
    Request,
    http::HeaderMap,
    outcome::Outcome,
    request::{self, FromRequest},
};

use crate::{AuthRejection, response::fail};

/// Rocket's header map, read by the core.
pub(crate) struct Headers<'a, 'r>(pub(crate) &'a HeaderMap<'r>);

impl RequestHeaders for Headers<'_, '_> {
    fn values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.0.get(name).map(str::as_bytes)
    }
}

/// The `T` the rocket manages (the [`Authenticator`], the resource server). Missing, a 500
/// `misconfigured` whose message is `fix`.
pub(crate) fn managed<'r, T: Send + Sync + 'static>(
    request: &'r Request<'_>,
    fix: &'static str,
) -> Result<&'r T, AuthRejection> {
    request
        .rocket()
        .state::<T>()
        .ok_or_else(|| AuthRejection(Rejection::misconfigured(fix)))
}

/// The request's outcome, made once per request (Rocket's request-local cache) whichever guard
/// asks first.
async fn outcome<'r>(request: &'r Request<'_>) -> Result<&'r AuthOutcome, AuthRejection> {
    let auth: &Authenticator = managed(
        request,
        "no Authenticator is managed: add `.manage(authenticator)` to the rocket",
    )?;
    // Cached as an `Option` so that the fairing can look for it without making one.
    let cached = request
        .local_cache_async(async {
            Some(
                auth.authenticate_request_from(
                    request.remote().map(|peer| peer.ip()),
                    request.method().as_str(),
                    &Headers(request.headers()),
                )
                .await,
            )
        })
        .await;
    cached.as_ref().ok_or_else(|| {
        AuthRejection(Rejection::misconfigured(
            "the request was read before it was authenticated",
        ))
    })
}

/// The request's outcome if a guard made one.
pub(crate) fn made_outcome<'r>(request: &'r Request<'_>) -> Option<&'r AuthOutcome> {
    request.local_cache(|| None::<AuthOutcome>).as_ref()
}

better_auth_core::declare_auth_user! {
    /// The authenticated user of a request, from the [`Authenticator`] the rocket manages
    /// (`.manage(authenticator)`). A request without valid credentials fails the guard with the
    /// authenticator's status (401, 403, 429, 500 or 503); register [`catchers`](crate::catchers)
    /// so those answers carry its rendering. A cookie-authenticated state-changing request must
    /// pass the Origin check. The request is authenticated once; every other guard of it reads the
    /// same outcome.
    ///
    /// Rocket 0.5 drops a header whose value is not UTF-8 before any guard runs, so a `Cookie`
    /// header holding such bytes (in any cookie) hides the session cookie from this guard, where
    /// Better Auth and the other adapters still find it (see `docs/adapters.md`).
    ///
    /// `Result<AuthUser, AuthRejection>` hands the refusal to the handler instead. Guards answer
    /// with rejections: `user.require_role("admin")?` (also `require_any_role`,
    /// `require_email_verified`, `require_fresh_session`, `require_not_banned`, `require`).
    ///
    /// ```
    /// use better_auth_rocket::{AuthRejection, AuthUser, Authenticator, OptionalAuthUser};
    /// use rocket::{get, routes};
    ///
    /// #[get("/me")]
    /// fn me(user: AuthUser) -> String {
    ///     format!("hello {}", user.user.email)
    /// }
    ///
    /// #[get("/admin")]
    /// fn admin(user: AuthUser) -> Result<String, AuthRejection> {
    ///     user.require_role("admin")?;
    ///     Ok(format!("hello admin {}", user.user.email))
    /// }
    ///
    /// #[get("/")]
    /// fn greeting(user: OptionalAuthUser) -> String {
    ///     user.0.map_or("hello stranger".to_owned(), |user| format!("hello {}", user.user.name))
    /// }
    ///
    /// fn rocket(auth: Authenticator) -> rocket::Rocket<rocket::Build> {
    ///     rocket::build()
    ///         .manage(auth)
    ///         .mount("/", routes![me, admin, greeting])
    ///         .register("/", better_auth_rocket::catchers())
    /// }
    /// ```
    pub struct AuthUser(pub Authenticated);
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for AuthUser {
    type Error = AuthRejection;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        let outcome = match outcome(request).await {
            Ok(outcome) => outcome,
            Err(rejection) => return fail(request, rejection),
        };
        match outcome.required() {
            Ok(user) => Outcome::Success(Self(user)),
            Err(rejection) => fail(request, rejection.into()),
        }
    }
}

/// The user of a request if it is authenticated: absent or refused credentials read as `None`;
/// a backend failure still fails the guard with 503, rather than pretend the visitor is
/// anonymous.
///
/// (Rocket's own `Option<AuthUser>` turns every failure, 503s included, into `None`.)
#[derive(Debug, Clone)]
pub struct OptionalAuthUser(pub Option<AuthUser>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for OptionalAuthUser {
    type Error = AuthRejection;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        let outcome = match outcome(request).await {
            Ok(outcome) => outcome,
            Err(rejection) => return fail(request, rejection),
        };
        match outcome.optional() {
            Ok(user) => Outcome::Success(Self(user.map(AuthUser))),
            Err(rejection) => fail(request, rejection.into()),
        }
    }
}

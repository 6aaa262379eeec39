//! The `AuthUser` and `OptionalAuthUser` extractors.

use std::{future::Future, pin::Pin};

use actix_web::{
    FromRequest, HttpMessage, HttpRequest, dev::Payload, http::header::HeaderMap, web,
};
use better_auth_core::{AuthOutcome, Authenticated, Authenticator, Rejection, RequestHeaders};

use crate::AuthRejection;

/// actix-web's header map, read by the core.
pub(crate) struct Headers<'a>(pub(crate) &'a HeaderMap);

impl RequestHeaders for Headers<'_> {
    fn values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.0.get_all(name).map(|value| value.as_bytes())
    }
}

/// The app's `T` (the [`Authenticator`], the resource server): `web::Data<T>`, or a plain `T`
/// registered with `app_data`. Missing, a 500 `misconfigured` whose message is `fix`.
pub(crate) fn app_data<T: Clone + 'static>(
    req: &HttpRequest,
    fix: &'static str,
) -> Result<T, AuthRejection> {
    if let Some(data) = req.app_data::<web::Data<T>>() {
        return Ok(data.get_ref().clone());
    }
    req.app_data::<T>()
        .cloned()
        .ok_or_else(|| AuthRejection(Rejection::misconfigured(fix)))
}

/// The future of an extractor.
pub(crate) type Extraction<T> = Pin<Box<dyn Future<Output = Result<T, AuthRejection>>>>;

/// The request's outcome: the one an extractor already made for this authenticator, or a new
/// one, kept in the request's extensions for the others.
pub(crate) async fn outcome(req: &HttpRequest) -> Result<AuthOutcome, AuthRejection> {
    let auth: Authenticator = app_data(
        req,
        "no Authenticator in the app data: add `.app_data(web::Data::new(authenticator))`",
    )?;
    if let Some(outcome) = req.extensions().get::<AuthOutcome>()
        && outcome.is_from(&auth)
    {
        return Ok(outcome.clone());
    }
    let outcome = auth
        .authenticate_request_from(
            req.peer_addr().map(|peer| peer.ip()),
            req.method().as_str(),
            &Headers(req.headers()),
        )
        .await;
    req.extensions_mut().insert(outcome.clone());
    Ok(outcome)
}

better_auth_core::declare_auth_user! {
    /// The authenticated user of a request, from the app's [`Authenticator`]
    /// (`App::new().app_data(web::Data::new(authenticator))`). A request without valid credentials
    /// is refused with an [`AuthRejection`] (the authenticator's rendering: 401, 403, 429 or 503),
    /// and a cookie-authenticated state-changing request must pass the Origin check. The request is
    /// authenticated once; every other extractor of it reads the same outcome.
    ///
    /// Guards answer with rejections: `user.require_role("admin")?` (also `require_any_role`,
    /// `require_email_verified`, `require_fresh_session`, `require_not_banned`, `require`).
    ///
    /// ```
    /// use actix_web::{App, HttpResponse, get, web};
    /// use better_auth_actix::{AuthRejection, AuthUser, Authenticator, OptionalAuthUser};
    ///
    /// #[get("/me")]
    /// async fn me(user: AuthUser) -> HttpResponse {
    ///     HttpResponse::Ok().json(user.into_identity())
    /// }
    ///
    /// #[get("/admin")]
    /// async fn admin(user: AuthUser) -> Result<String, AuthRejection> {
    ///     user.require_role("admin")?;
    ///     Ok(format!("hello admin {}", user.user.email))
    /// }
    ///
    /// #[get("/")]
    /// async fn greeting(OptionalAuthUser(user): OptionalAuthUser) -> String {
    ///     user.map_or("hello stranger".to_owned(), |user| format!("hello {}", user.user.name))
    /// }
    ///
    /// fn configure(cfg: &mut web::ServiceConfig, auth: Authenticator) {
    ///     cfg.app_data(web::Data::new(auth)).service(me).service(admin).service(greeting);
    /// }
    /// ```
    pub struct AuthUser(pub Authenticated);
}

impl FromRequest for AuthUser {
    type Error = AuthRejection;
    type Future = Extraction<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(Self(outcome(&req).await?.required()?)) })
    }
}

/// The user of a request if it is authenticated: absent or refused credentials read as `None`;
/// a backend failure is still a 503, rather than pretend the visitor is anonymous.
///
/// (actix-web's own `Option<AuthUser>` turns every failure, 503s included, into `None`.)
#[derive(Debug, Clone)]
pub struct OptionalAuthUser(pub Option<AuthUser>);

impl FromRequest for OptionalAuthUser {
    type Error = AuthRejection;
    type Future = Extraction<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(Self(outcome(&req).await?.optional()?.map(AuthUser))) })
    }
}

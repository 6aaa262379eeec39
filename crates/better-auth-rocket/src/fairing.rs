//! The `SessionRefresh` fairing: sends a session's refresh back on the response.

use rocket::{
    Request, Response,
    fairing::{Fairing, Info, Kind},
    http::Header,
};

use better_auth_core::AuthOutcome;

use crate::guard::made_outcome;

/// A response fairing: when a request's [`AuthUser`](crate::AuthUser) or
/// [`OptionalAuthUser`](crate::OptionalAuthUser) guard refreshed its session, appends the
/// refresh's headers (the session cookie set again with a new `Max-Age`, `set-auth-token`) to
/// the response, as Better Auth does. Without it, a due session is still refreshed in the store
/// by the guard, but its cookie is not sent back.
///
/// ```no_run
/// use better_auth_rocket::{AuthUser, Authenticator, SessionRefresh, catchers};
/// use rocket::{get, routes};
///
/// #[get("/me")]
/// fn me(user: AuthUser) -> String {
///     user.user.email.clone()
/// }
///
/// fn rocket(auth: Authenticator) -> rocket::Rocket<rocket::Build> {
///     rocket::build()
///         .manage(auth)
///         .attach(SessionRefresh)
///         .mount("/", routes![me])
///         .register("/", catchers())
/// }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionRefresh;

#[rocket::async_trait]
impl Fairing for SessionRefresh {
    fn info(&self) -> Info {
        Info {
            name: "better-auth session refresh",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        let Some(refresh) = made_outcome(request).and_then(AuthOutcome::take_refresh_headers)
        else {
            return;
        };
        for (name, value) in refresh.iter() {
            response.adjoin_header(Header::new(name, value.to_owned()));
        }
    }
}

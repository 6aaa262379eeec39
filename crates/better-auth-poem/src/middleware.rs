//! The `BetterAuth` middleware: authenticates every request once and leaves the outcome for the
//! extractors; in `required` mode it also refuses unauthenticated requests itself.

use better_auth_core::{AuthOutcome, Authenticator};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};

use crate::AuthRejection;

/// Authenticates each request with the [`Authenticator`] and stores the outcome for
/// [`AuthUser`](crate::AuthUser) and [`OptionalAuthUser`](crate::OptionalAuthUser); when the
/// request refreshed its session, appends the refresh's headers (the session cookie set again
/// with a new `Max-Age`, `set-auth-token`) to the response, as Better Auth does.
///
/// ```
/// use better_auth_poem::{AuthUser, Authenticator, BetterAuth};
/// use poem::{EndpointExt, Route, get, handler};
///
/// #[handler]
/// fn me(user: AuthUser) -> String {
///     format!("hello {}", user.user.email)
/// }
///
/// fn app(auth: Authenticator) -> impl poem::Endpoint {
///     Route::new()
///         .at("/me", get(me))
///         // Everything under /private needs a signed-in user, whatever its handlers take.
///         .nest("/private", Route::new().at("/x", get(me)).with(BetterAuth::new(auth.clone()).required()))
///         .with(BetterAuth::new(auth))
/// }
/// ```
#[derive(Debug, Clone)]
pub struct BetterAuth {
    authenticator: Authenticator,
    required: bool,
}

impl BetterAuth {
    /// Authenticates requests with `authenticator`; unauthenticated requests go through (their
    /// handlers decide, with [`AuthUser`](crate::AuthUser) or [`OptionalAuthUser`](crate::OptionalAuthUser)).
    pub fn new(authenticator: Authenticator) -> Self {
        Self {
            authenticator,
            required: false,
        }
    }

    /// Refuses every request that is not authenticated (401, 403, 429 or 503) before the endpoint runs.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

impl<E: Endpoint> Middleware<E> for BetterAuth {
    type Output = BetterAuthEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BetterAuthEndpoint {
            inner,
            authenticator: self.authenticator.clone(),
            required: self.required,
        }
    }
}

/// The endpoint [`BetterAuth`] wraps around another.
#[derive(Debug)]
pub struct BetterAuthEndpoint<E> {
    inner: E,
    authenticator: Authenticator,
    required: bool,
}

impl<E: Endpoint> Endpoint for BetterAuthEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        // An outer `BetterAuth` of the same authenticator already authenticated the request:
        // reuse its outcome (its refresh headers are taken once, by whichever middleware).
        let outcome = match req.extensions().get::<AuthOutcome>() {
            Some(outcome) if outcome.is_from(&self.authenticator) => outcome.clone(),
            _ => {
                let peer = req.remote_addr().as_socket_addr().map(|peer| peer.ip());
                self.authenticator
                    .authenticate_request_from(peer, req.method().as_str(), req.headers())
                    .await
            }
        };
        if self.required
            && let Err(rejection) = outcome.required()
        {
            return Err(AuthRejection::from(rejection).into());
        }
        req.extensions_mut().insert::<AuthOutcome>(outcome.clone());
        match self.inner.call(req).await {
            Ok(response) => {
                let mut response = response.into_response();
                if let Some(refresh) = outcome.take_refresh_headers() {
                    refresh.append_to(response.headers_mut());
                }
                Ok(response)
            }
            // The handler failed after the session was refreshed: its error response carries
            // the refresh too, as Better Auth's error responses carry the cookies set before
            // the error (and as the other adapters do). The error becomes its response then
            // (`poem::Error::from_response`): same status and body.
            Err(error) => match outcome.take_refresh_headers() {
                Some(refresh) => {
                    let mut response = error.into_response();
                    refresh.append_to(response.headers_mut());
                    Err(poem::Error::from_response(response))
                }
                None => Err(error),
            },
        }
    }
}

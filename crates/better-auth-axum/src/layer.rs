//! [`BetterAuthLayer`]: authenticates each request before its handler and sends the session's
//! refresh back on the response.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use axum::{
    extract::Request,
    response::{IntoResponse, Response},
};
use better_auth_core::{AuthOutcome, Authenticator};
use tower_layer::Layer;
use tower_service::Service;

use crate::AuthRejection;

/// A tower [`Layer`] that authenticates every request of the router it wraps, once, before the
/// handler runs (the [`AuthUser`](crate::AuthUser) extractors then read that outcome), and
/// appends the headers of a session refresh (the session cookie set again with a new
/// `Max-Age`, `set-auth-token`) to the handler's response, as Better Auth does. Without it,
/// a due session is still refreshed in the store by the extractor, but its cookie is not sent
/// back.
///
/// [`require_user`](Self::require_user) refuses requests without a valid user before any
/// handler: "every route under `/api` needs a user".
///
/// ```
/// use axum::{Router, routing::get};
/// use better_auth_axum::{AuthUser, Authenticator, BetterAuthLayer};
///
/// async fn me(user: AuthUser) -> String {
///     user.user.email.clone()
/// }
///
/// async fn orders(user: AuthUser) -> String {
///     format!("the orders of {}", user.user.id)
/// }
///
/// fn app(auth: Authenticator) -> Router {
///     let api = Router::new()
///         .route("/orders", get(orders))
///         .layer(BetterAuthLayer::new(auth.clone()).require_user());
///     Router::new()
///         .route("/me", get(me))
///         .nest("/api", api)
///         .layer(BetterAuthLayer::new(auth.clone()))
///         .with_state(auth)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct BetterAuthLayer {
    auth: Authenticator,
    require_user: bool,
}

impl BetterAuthLayer {
    /// Authenticates each request with `auth` (which must be the authenticator of the router's
    /// state, for the extractors to reuse the outcome) and sends session refreshes back.
    pub fn new(auth: Authenticator) -> Self {
        Self {
            auth,
            require_user: false,
        }
    }

    /// Also refuses, with the authenticator's rejection (401, 403, 429 or 503), every request
    /// that carries no valid user, before the wrapped service sees it.
    pub fn require_user(mut self) -> Self {
        self.require_user = true;
        self
    }
}

impl<S> Layer<S> for BetterAuthLayer {
    type Service = BetterAuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BetterAuthService {
            inner,
            auth: self.auth.clone(),
            require_user: self.require_user,
        }
    }
}

/// The service of a [`BetterAuthLayer`].
#[derive(Debug, Clone)]
pub struct BetterAuthService<S> {
    inner: S,
    auth: Authenticator,
    require_user: bool,
}

impl<S> Service<Request> for BetterAuthService<S>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The clone is the one made ready for the next call; this call takes the ready one.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        let require_user = self.require_user;
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            // An outer layer of the same authenticator already authenticated the request:
            // reuse its outcome (its refresh headers are taken once, by whichever layer).
            let outcome = match parts.extensions.get::<AuthOutcome>() {
                Some(outcome) if outcome.is_from(&auth) => outcome.clone(),
                _ => {
                    auth.authenticate_request_from(
                        crate::extract::peer(&parts),
                        parts.method.as_str(),
                        &parts.headers,
                    )
                    .await
                }
            };
            if require_user && let Err(rejection) = outcome.required() {
                return Ok(AuthRejection(rejection).into_response());
            }
            parts.extensions.insert(outcome.clone());
            let mut response = inner.call(Request::from_parts(parts, body)).await?;
            if let Some(refresh) = outcome.take_refresh_headers() {
                refresh.append_to(response.headers_mut());
            }
            Ok(response)
        })
    }
}

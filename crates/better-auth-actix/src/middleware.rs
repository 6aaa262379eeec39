//! The `BetterAuth` middleware: sends a session's refresh back on the response; in `required`
//! mode it also refuses unauthenticated requests before any handler.

use std::{
    future::{Future, Ready, ready},
    pin::Pin,
    rc::Rc,
};

use actix_web::{
    Error, HttpMessage, ResponseError,
    body::{EitherBody, MessageBody},
    dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready},
    http::header::{HeaderName, HeaderValue},
};
use better_auth_core::AuthOutcome;

use crate::{AuthRejection, extract::outcome};

/// Middleware for an app or a scope: after the handler ran, appends the headers of the
/// session refresh its request made (the session cookie set again with a new `Max-Age`,
/// `set-auth-token`), as Better Auth does. The [`AuthUser`](crate::AuthUser) and
/// [`OptionalAuthUser`](crate::OptionalAuthUser) extractors authenticate (once per request);
/// without this middleware a due session is still refreshed in the store, but its cookie is
/// not sent back. [`required`](Self::required) also refuses requests without a valid user
/// before any handler: "every route under `/api` needs a user".
///
/// ```
/// use actix_web::{App, web};
/// use better_auth_actix::{AuthUser, Authenticator, BetterAuth};
///
/// async fn me(user: AuthUser) -> String {
///     user.user.email.clone()
/// }
///
/// fn configure(auth: Authenticator) -> App<
///     impl actix_web::dev::ServiceFactory<
///         actix_web::dev::ServiceRequest,
///         Config = (),
///         Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
///         Error = actix_web::Error,
///         InitError = (),
///     >,
/// > {
///     App::new()
///         .app_data(web::Data::new(auth))
///         .wrap(BetterAuth::new())
///         .route("/me", web::get().to(me))
///         .service(web::scope("/api").wrap(BetterAuth::new().required()).route("/me", web::get().to(me)))
/// }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct BetterAuth {
    required: bool,
}

impl BetterAuth {
    /// Sends session refreshes back; unauthenticated requests go through (their handlers
    /// decide). The [`Authenticator`](crate::Authenticator) is the app data's.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also refuses every request without a valid user (401, 403, 429 or 503) before the
    /// handler runs.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

impl<S, B> Transform<S, ServiceRequest> for BetterAuth
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = BetterAuthMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(BetterAuthMiddleware {
            service: Rc::new(service),
            required: self.required,
        }))
    }
}

/// The service [`BetterAuth`] wraps around another.
#[derive(Debug)]
pub struct BetterAuthMiddleware<S> {
    service: Rc<S>,
    required: bool,
}

impl<S, B> Service<ServiceRequest> for BetterAuthMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let required = self.required;
        Box::pin(async move {
            if required {
                let refused = match outcome(request.request()).await {
                    Ok(outcome) => outcome.required().err().map(AuthRejection),
                    Err(rejection) => Some(rejection),
                };
                if let Some(rejection) = refused {
                    let response = rejection.error_response();
                    return Ok(request.into_response(response).map_into_right_body());
                }
            }
            let mut response = service.call(request).await?;
            // Taken once: nested scopes' middlewares append the headers once.
            let refresh = response
                .request()
                .extensions()
                .get::<AuthOutcome>()
                .and_then(AuthOutcome::take_refresh_headers);
            if let Some(refresh) = refresh {
                let headers = response.headers_mut();
                for (name, value) in refresh.iter() {
                    if let Ok(value) = HeaderValue::from_str(value) {
                        headers.append(HeaderName::from_static(name), value);
                    }
                }
            }
            Ok(response.map_into_left_body())
        })
    }
}

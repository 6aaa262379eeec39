//! Turning a rejection into a Poem response.

use better_auth_core::{AuthError, Rejection};
use poem::{
    Response,
    error::ResponseError,
    http::{HeaderName, HeaderValue, StatusCode},
};

/// Why [`AuthUser`](crate::AuthUser) (or a guard, or the middleware) refused a request, sent as
/// the authenticator renders it (by default 401/403/503 with a JSON body
/// `{"code": "...", "message": "..."}` and, for 401, `WWW-Authenticate`). To answer differently
/// everywhere, give the authenticator an
/// [`error_renderer`](better_auth_core::AuthenticatorBuilder::error_renderer).
#[derive(Debug)]
pub enum AuthRejection {
    /// The request was refused.
    Refused(Rejection),
    /// Neither the [`BetterAuth`](crate::BetterAuth) middleware nor an `Authenticator` as data
    /// is on the route: a setup mistake (500).
    MissingMiddleware,
}

impl AuthRejection {
    /// The cause, when the request was refused.
    pub fn error(&self) -> Option<&AuthError> {
        match self {
            Self::Refused(rejection) => Some(rejection.error()),
            Self::MissingMiddleware => None,
        }
    }
}

impl From<Rejection> for AuthRejection {
    fn from(rejection: Rejection) -> Self {
        Self::Refused(rejection)
    }
}

impl From<AuthError> for AuthRejection {
    /// The default JSON rendering (for errors raised outside an extractor).
    fn from(error: AuthError) -> Self {
        Self::Refused(Rejection::json(error))
    }
}

impl std::fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(rejection) => rejection.fmt(f),
            Self::MissingMiddleware => f.write_str(
                "no BetterAuth middleware on this route: add `.with(BetterAuth::new(authenticator))`",
            ),
        }
    }
}

impl std::error::Error for AuthRejection {}

impl ResponseError for AuthRejection {
    fn status(&self) -> StatusCode {
        match self {
            Self::Refused(rejection) => StatusCode::from_u16(rejection.response().status)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            Self::MissingMiddleware => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn as_response(&self) -> Response {
        match self {
            Self::Refused(rejection) => {
                let mut builder = Response::builder().status(self.status());
                for (name, value) in &rejection.response().headers {
                    if let (Ok(name), Ok(value)) = (
                        HeaderName::from_bytes(name.as_bytes()),
                        HeaderValue::from_str(value),
                    ) {
                        builder = builder.header(name, value);
                    }
                }
                builder.body(rejection.response().body.clone())
            }
            Self::MissingMiddleware => {
                tracing::error!(target: "better_auth", "{self}");
                Response::builder()
                    .status(StatusCode::INTERNAL_SERVER_ERROR)
                    .body("authentication is not configured")
            }
        }
    }
}

//! Turning a rejection into an actix-web response.

use actix_web::{
    HttpResponse, ResponseError,
    http::{
        StatusCode,
        header::{HeaderName, HeaderValue},
    },
};
use better_auth_core::{AuthError, Rejection};

/// Why [`AuthUser`](crate::AuthUser) (or a guard) refused a request, sent as the authenticator
/// renders it (by default 401/403/503 with a JSON body `{"code": "...", "message": "..."}` and,
/// for 401, `WWW-Authenticate`). To answer differently everywhere, give the authenticator an
/// [`error_renderer`](better_auth_core::AuthenticatorBuilder::error_renderer).
#[derive(Debug)]
pub enum AuthRejection {
    /// The request was refused.
    Refused(Rejection),
    /// The app has no [`Authenticator`](crate::Authenticator) in its data: a setup mistake,
    /// answered with 500.
    MissingAuthenticator,
}

impl AuthRejection {
    /// The cause, when the request was refused.
    pub fn error(&self) -> Option<&AuthError> {
        match self {
            Self::Refused(rejection) => Some(rejection.error()),
            Self::MissingAuthenticator => None,
        }
    }
}

impl From<Rejection> for AuthRejection {
    fn from(rejection: Rejection) -> Self {
        Self::Refused(rejection)
    }
}

impl std::fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(rejection) => rejection.fmt(f),
            Self::MissingAuthenticator => f.write_str(
                "no Authenticator in the app data: add `.app_data(web::Data::new(authenticator))`",
            ),
        }
    }
}

impl ResponseError for AuthRejection {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Refused(rejection) => StatusCode::from_u16(rejection.response().status)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            Self::MissingAuthenticator => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status_code());
        match self {
            Self::Refused(rejection) => {
                for (name, value) in &rejection.response().headers {
                    if let (Ok(name), Ok(value)) = (
                        HeaderName::from_bytes(name.as_bytes()),
                        HeaderValue::from_str(value),
                    ) {
                        builder.insert_header((name, value));
                    }
                }
                builder.body(rejection.response().body.clone())
            }
            Self::MissingAuthenticator => {
                tracing::error!(target: "better_auth", "{self}");
                builder.body("authentication is not configured")
            }
        }
    }
}

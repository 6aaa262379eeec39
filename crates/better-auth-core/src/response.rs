//! What adapters send when authentication or authorization fails: one [`ErrorResponse`] per
//! [`AuthError`], rendered by the [`Authenticator`](crate::Authenticator) (JSON by default,
//! replaceable with [`AuthenticatorBuilder::error_renderer`](crate::AuthenticatorBuilder::error_renderer)),
//! so the four adapters answer alike.

use std::sync::Arc;

use crate::error::AuthError;

/// A framework-neutral HTTP response: status, headers, body. Each adapter copies it into its
/// own response type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorResponse {
    /// The status code (401, 403, 503, ...).
    pub status: u16,
    /// Headers to set, e.g. `content-type` and, for 401, `www-authenticate`.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl ErrorResponse {
    /// The default rendering: `{"code": "...", "message": "..."}` as `application/json`, with
    /// `WWW-Authenticate` on a 401 and `Retry-After` (whole seconds, rounded up) on a
    /// rate-limited API key.
    pub fn json(error: &AuthError) -> Self {
        let mut headers = vec![("content-type", "application/json".to_owned())];
        if let Some(challenge) = error.www_authenticate() {
            headers.push(("www-authenticate", challenge.to_owned()));
        }
        if let Some(wait) = error.retry_after() {
            let seconds = wait.as_millis().div_ceil(1000);
            headers.push(("retry-after", seconds.to_string()));
        }
        Self {
            status: error.status().as_u16(),
            headers,
            body: error.body().to_json(),
        }
    }

    /// As an [`http::Response`]: the status (500 if it is not a valid status code), every header
    /// whose name and value are valid, the body. Adapters on `http` 1 (axum, poem) send it as is;
    /// the others copy it into their own response type.
    pub fn to_http(&self) -> http::Response<Vec<u8>> {
        let mut response = http::Response::new(self.body.clone());
        *response.status_mut() = http::StatusCode::from_u16(self.status)
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        for (name, value) in &self.headers {
            match (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(value),
            ) {
                (Ok(name), Ok(value)) => {
                    response.headers_mut().append(name, value);
                }
                _ => tracing::warn!(
                    target: "better_auth",
                    header = %name,
                    "an error renderer returned a header that is not valid HTTP; left out"
                ),
            }
        }
        response
    }
}

impl From<ErrorResponse> for http::Response<Vec<u8>> {
    fn from(response: ErrorResponse) -> Self {
        let mut http = response.to_http();
        *http.body_mut() = response.body;
        http
    }
}

impl From<Rejection> for http::Response<Vec<u8>> {
    fn from(rejection: Rejection) -> Self {
        rejection.response().to_http()
    }
}

/// A custom rendering of errors (see
/// [`AuthenticatorBuilder::error_renderer`](crate::AuthenticatorBuilder::error_renderer)).
pub type ErrorRenderer = Arc<dyn Fn(&AuthError) -> ErrorResponse + Send + Sync>;

/// A refused request: why, and the response to send. Boxed: it travels in `Err`s.
#[derive(Debug)]
pub struct Rejection(Box<(AuthError, ErrorResponse)>);

impl Rejection {
    /// A refusal for `error`, answered with `response`.
    pub fn new(error: AuthError, response: ErrorResponse) -> Self {
        Self(Box::new((error, response)))
    }

    /// A refusal for `error` with the default JSON rendering ([`ErrorResponse::json`]).
    pub fn json(error: AuthError) -> Self {
        let response = ErrorResponse::json(&error);
        Self::new(error, response)
    }

    /// The app is not set up to authenticate: logged, answered with 500 (JSON).
    pub fn misconfigured(fix: &'static str) -> Self {
        let error = AuthError::Misconfigured { fix };
        error.log();
        Self::json(error)
    }

    /// Why.
    pub fn error(&self) -> &AuthError {
        &self.0.0
    }

    /// What to answer.
    pub fn response(&self) -> &ErrorResponse {
        &self.0.1
    }

    /// Both, by value.
    pub fn into_parts(self) -> (AuthError, ErrorResponse) {
        *self.0
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error().fmt(f)
    }
}

impl std::error::Error for Rejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.error())
    }
}

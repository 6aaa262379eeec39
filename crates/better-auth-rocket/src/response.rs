//! Turning a rejection into a Rocket response.

use std::{io::Cursor, sync::Mutex};

use better_auth_core::{AuthError, ErrorResponse, Rejection};
use rocket::{
    Request, Response,
    http::Status,
    response::{self, Responder},
};

/// Why [`AuthUser`](crate::AuthUser) (or a guard) refused a request, sent as the authenticator
/// renders it (by default 401/403/503 with a JSON body `{"code": "...", "message": "..."}` and,
/// for 401, `WWW-Authenticate`).
///
/// As a handler's error (`user.require_role("admin")?`) it is a [`Responder`]. When the guard
/// itself fails, Rocket answers through the catcher of the status: register [`catchers`](crate::catchers)
/// to send the same rendering from there.
#[derive(Debug)]
pub enum AuthRejection {
    /// The request was refused.
    Refused(Rejection),
    /// No [`Authenticator`](crate::Authenticator) is managed: a setup mistake (500).
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

    /// The status Rocket routes to a catcher: the error's own (401, 403 or 503), which
    /// [`catchers`](crate::catchers) cover whatever status a custom renderer sends.
    pub(crate) fn status(&self) -> Status {
        match self {
            Self::Refused(rejection) => Status::from_code(rejection.error().status().as_u16())
                .unwrap_or(Status::InternalServerError),
            Self::MissingAuthenticator => Status::InternalServerError,
        }
    }

    /// The response to send.
    pub(crate) fn response(&self) -> ErrorResponse {
        match self {
            Self::Refused(rejection) => rejection.response().clone(),
            Self::MissingAuthenticator => ErrorResponse {
                status: 500,
                headers: vec![("content-type", "text/plain".to_owned())],
                body: b"authentication is not configured".to_vec(),
            },
        }
    }
}

impl From<Rejection> for AuthRejection {
    fn from(rejection: Rejection) -> Self {
        Self::Refused(rejection)
    }
}

impl From<AuthError> for AuthRejection {
    /// The default JSON rendering (for errors raised outside a guard).
    fn from(error: AuthError) -> Self {
        Self::Refused(Rejection::json(error))
    }
}

impl std::fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(rejection) => rejection.fmt(f),
            Self::MissingAuthenticator => f.write_str(
                "no Authenticator is managed: add `.manage(authenticator)` to the rocket",
            ),
        }
    }
}

/// Builds a Rocket response from a rendered error.
pub(crate) fn respond<'r>(rendered: ErrorResponse) -> response::Result<'r> {
    let mut builder = Response::build();
    builder.status(Status::from_code(rendered.status).unwrap_or(Status::InternalServerError));
    for (name, value) in rendered.headers {
        builder.raw_header(name, value);
    }
    let body = rendered.body;
    Ok(builder.sized_body(body.len(), Cursor::new(body)).finalize())
}

impl<'r> Responder<'r, 'static> for AuthRejection {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        if matches!(self, Self::MissingAuthenticator) {
            tracing::error!(target: "better_auth", "{self}");
        }
        respond(self.response())
    }
}

/// The rendering of a guard's refusal, kept in the request for the catcher.
#[derive(Default)]
pub(crate) struct StoredRejection(Mutex<Option<ErrorResponse>>);

/// Keeps `rejection`'s rendering for the catcher and returns the status to route to.
pub(crate) fn store(request: &Request<'_>, rejection: &AuthRejection) -> Status {
    let slot = request.local_cache(StoredRejection::default);
    if let Ok(mut stored) = slot.0.lock() {
        *stored = Some(rejection.response());
    }
    rejection.status()
}

/// The rendering a guard stored, if any.
pub(crate) fn take(request: &Request<'_>) -> Option<ErrorResponse> {
    let slot = request.local_cache(StoredRejection::default);
    slot.0.lock().ok().and_then(|mut stored| stored.take())
}

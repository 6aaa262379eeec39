//! Turning a rejection into a Rocket response.

use std::{io::Cursor, sync::Mutex};

use better_auth_core::{ErrorResponse, Rejection, http};
use rocket::{
    Request, Response,
    http::Status,
    outcome::Outcome,
    request,
    response::{self, Responder},
};

better_auth_core::declare_auth_rejection! {
    /// Why [`AuthUser`](crate::AuthUser) (or a guard) refused a request, sent as the authenticator
    /// renders it (by default 401, 403, 429 or 503 with a JSON body `{"code": "...", "message":
    /// "..."}` and, for 401, `WWW-Authenticate`).
    ///
    /// As a handler's error (`user.require_role("admin")?`) it is a [`Responder`]. When the guard
    /// itself fails, Rocket answers through the catcher of the status: register
    /// [`catchers`](crate::catchers) to send the same rendering from there.
    pub struct AuthRejection(pub Rejection);
}

impl AuthRejection {
    /// The status Rocket routes to a catcher: the error's own (one of
    /// [`AuthError::STATUSES`](better_auth_core::AuthError::STATUSES), which
    /// [`catchers`](crate::catchers) cover), whatever status a custom renderer sends.
    pub(crate) fn status(&self) -> Status {
        Status::from_code(self.0.error().status().as_u16()).unwrap_or(Status::InternalServerError)
    }
}

/// Builds a Rocket response from a rendered error: the core's `http` response, copied into
/// Rocket's types.
pub(crate) fn respond<'r>(rendered: ErrorResponse) -> response::Result<'r> {
    let response = http::Response::<Vec<u8>>::from(rendered);
    let mut builder = Response::build();
    builder.status(Status::new(response.status().as_u16()));
    for (name, value) in response.headers() {
        if let Ok(value) = value.to_str() {
            builder.raw_header_adjoin(name.as_str().to_owned(), value.to_owned());
        }
    }
    let body = response.into_body();
    Ok(builder.sized_body(body.len(), Cursor::new(body)).finalize())
}

impl<'r> Responder<'r, 'static> for AuthRejection {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        respond(self.0.into_parts().1)
    }
}

/// The rendering of a guard's refusal, kept in the request for the catcher.
#[derive(Default)]
pub(crate) struct StoredRejection(Mutex<Option<ErrorResponse>>);

/// Keeps `rejection`'s rendering for the catcher and returns the status to route to.
pub(crate) fn store(request: &Request<'_>, rejection: &AuthRejection) -> Status {
    let slot = request.local_cache(StoredRejection::default);
    if let Ok(mut stored) = slot.0.lock() {
        *stored = Some(rejection.0.response().clone());
    }
    rejection.status()
}

/// Fails a guard: the rejection's rendering is kept for the catcher of its status.
pub(crate) fn fail<T>(
    request: &Request<'_>,
    rejection: AuthRejection,
) -> request::Outcome<T, AuthRejection> {
    let status = store(request, &rejection);
    Outcome::Error((status, rejection))
}

/// The rendering a guard stored, if any.
pub(crate) fn take(request: &Request<'_>) -> Option<ErrorResponse> {
    let slot = request.local_cache(StoredRejection::default);
    slot.0.lock().ok().and_then(|mut stored| stored.take())
}

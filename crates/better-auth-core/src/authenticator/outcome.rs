//! [`AuthOutcome`]: the result of authenticating one request, made once and shared by every
//! extractor of that request (adapters keep it in the request's extensions or local cache).

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use tokio::sync::OnceCell;

use super::{Authenticator, authenticated::Authenticated};
use crate::{
    error::AuthError, model::Identity, response::Rejection, session_refresh::RefreshHeaders,
};

/// The result of authenticating one request (see
/// [`Authenticator::authenticate_request`]), readable as a required or an optional user.
#[derive(Debug, Clone)]
pub struct AuthOutcome {
    result: Result<Identity, AuthError>,
    authenticator: Authenticator,
    device_sessions: Option<Arc<DeviceSessions>>,
    refresh: Option<Arc<PendingRefresh>>,
    /// The active organization's membership and the typed fields, looked up once per request
    /// when asked.
    lookups: Arc<super::authenticated::RequestLookups>,
}

impl AuthOutcome {
    pub(super) fn new(
        result: Result<Identity, AuthError>,
        authenticator: Authenticator,
        device_sessions: Option<DeviceSessions>,
        client: Option<std::net::IpAddr>,
    ) -> Self {
        Self {
            result,
            authenticator,
            device_sessions: device_sessions.map(Arc::new),
            refresh: None,
            lookups: Arc::new(super::authenticated::RequestLookups::for_client(client)),
        }
    }

    pub(super) fn with_refresh(mut self, refresh: Option<RefreshHeaders>) -> Self {
        self.refresh = refresh.map(|headers| {
            Arc::new(PendingRefresh {
                headers,
                read: AtomicBool::new(false),
                sent: AtomicBool::new(false),
            })
        });
        self
    }

    /// The headers of the session's refresh, when this request refreshed it: the response
    /// must carry them (the session cookie set again, `set-auth-token`), as Better Auth's
    /// would. Each adapter's layer, middleware or fairing appends them.
    pub fn refresh_headers(&self) -> Option<&RefreshHeaders> {
        let pending = self.refresh.as_deref()?;
        pending.read.store(true, Ordering::Relaxed);
        Some(&pending.headers)
    }

    /// The refresh's headers for the response step to append, the first time it is asked
    /// (by any clone of this outcome), `None` after: nested layers or middlewares of one
    /// request send them once.
    pub fn take_refresh_headers(&self) -> Option<RefreshHeaders> {
        let pending = self.refresh.as_deref()?;
        if pending.sent.swap(true, Ordering::Relaxed) {
            return None;
        }
        pending.read.store(true, Ordering::Relaxed);
        Some(pending.headers.clone())
    }

    /// A request refused before any verification (`error` is logged here).
    pub(super) fn refused(
        authenticator: Authenticator,
        error: AuthError,
        client: Option<std::net::IpAddr>,
    ) -> Self {
        error.log();
        Self::new(Err(error), authenticator, None, client)
    }

    /// The identity, or the rendered refusal: what a required-user extractor answers.
    pub fn required(&self) -> Result<Authenticated, Rejection> {
        match &self.result {
            Ok(identity) => Ok(self.authenticated(identity)),
            Err(error) => Err(self.authenticator.render(error.clone())),
        }
    }

    /// The identity if there is one: absent credentials, and refused ones (401/403), read as
    /// `None`; a backend failure (503) is still a refusal, since the visitor may well be
    /// signed in. What an optional-user extractor answers.
    pub fn optional(&self) -> Result<Option<Authenticated>, Rejection> {
        match &self.result {
            Ok(identity) => Ok(Some(self.authenticated(identity))),
            Err(error) if error.is_client_error() => Ok(None),
            Err(error) => Err(self.authenticator.render(error.clone())),
        }
    }

    /// The raw result.
    pub fn result(&self) -> &Result<Identity, AuthError> {
        &self.result
    }

    /// Whether `authenticator` made this outcome (adapters keep one outcome per request and
    /// reuse it only for the same authenticator).
    pub fn is_from(&self, authenticator: &Authenticator) -> bool {
        authenticator.same_as(&self.authenticator)
    }

    fn authenticated(&self, identity: &Identity) -> Authenticated {
        Authenticated::of_request(
            identity.clone(),
            self.authenticator.clone(),
            self.device_sessions.clone(),
            self.lookups.clone(),
        )
    }
}

/// The multi-session cookies of a request, looked up the first time a handler asks (and only
/// then), once per request.
#[derive(Debug)]
pub(crate) struct DeviceSessions {
    signed: Vec<String>,
    resolved: OnceCell<Result<Arc<[Identity]>, AuthError>>,
}

impl DeviceSessions {
    pub(super) fn new(signed: Vec<String>) -> Self {
        Self {
            signed,
            resolved: OnceCell::new(),
        }
    }

    /// The sessions, the active user's first; looked up on the first call.
    pub(crate) async fn resolve(
        &self,
        authenticator: &Authenticator,
        active: &Identity,
    ) -> Result<Arc<[Identity]>, AuthError> {
        self.resolved
            .get_or_init(|| async {
                let mut sessions = authenticator
                    .device_sessions(&self.signed)
                    .await
                    .inspect_err(AuthError::log)?;
                sessions.sort_by_key(|other| other.user.id != active.user.id);
                Ok(Arc::from(sessions))
            })
            .await
            .clone()
    }
}

/// A refresh's headers, and whether anything read them before the request ended: a refresh
/// nobody sent back (no layer, middleware or fairing installed) is worth one warning.
#[derive(Debug)]
struct PendingRefresh {
    headers: RefreshHeaders,
    read: AtomicBool,
    /// Whether a response step took them ([`AuthOutcome::take_refresh_headers`]).
    sent: AtomicBool,
}

/// Whether the warning about an unsent refresh was logged (once per process).
static WARNED_UNSENT: AtomicBool = AtomicBool::new(false);

impl Drop for PendingRefresh {
    fn drop(&mut self) {
        if !self.read.load(Ordering::Relaxed) && !WARNED_UNSENT.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                target: "better_auth",
                "a session was refreshed but its cookie was not sent back: install the adapter's \
                 response step (axum BetterAuthLayer, actix BetterAuth middleware, Rocket \
                 SessionRefresh fairing, Poem BetterAuth middleware); logged once"
            );
        }
    }
}

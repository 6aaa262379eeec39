//! Failures of a backend (database, Redis, JWKS endpoint, Better Auth itself), and text from
//! one made safe for a log line.

use std::{error::Error as StdError, fmt, time::Duration};

use super::AuthError;

/// A boxed error from a backend library (sqlx, redis, reqwest, ...).
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Text that may carry what a client sent (a database's error quoting a request's value, a
/// body's parse error), as a log line may hold it: control characters escaped (`\n`,
/// `\u{1b}`), so nobody can write lines of their own into the service's log.
pub(crate) struct LogSafe<T>(pub(crate) T);

impl<T: fmt::Display> fmt::Display for LogSafe<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Escaping<'a, 'b>(&'a mut fmt::Formatter<'b>);
        impl fmt::Write for Escaping<'_, '_> {
            fn write_str(&mut self, text: &str) -> fmt::Result {
                for c in text.chars() {
                    if c.is_control() {
                        write!(self.0, "{}", c.escape_default())?;
                    } else {
                        fmt::Write::write_char(self.0, c)?;
                    }
                }
                Ok(())
            }
        }
        fmt::Write::write_fmt(&mut Escaping(f), format_args!("{}", self.0))
    }
}

/// What kind of backend failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackendErrorKind {
    /// The backend did not answer within the configured timeout.
    Timeout,
    /// The backend could not be reached or returned an error.
    Unavailable,
    /// The backend answered with data that cannot be read (a corrupt row, say).
    InvalidData,
    /// The backend refused this client for now ([`BackendError::rate_limited`]): the client's
    /// 429, never a 503.
    RateLimited,
}

/// A failure of a backend (database, Redis, JWKS endpoint, ...). Maps to 503.
#[derive(Debug)]
pub struct BackendError {
    pub(super) kind: BackendErrorKind,
    backend: &'static str,
    detail: String,
    source: Option<BoxError>,
    /// With [`BackendErrorKind::RateLimited`]: when the client may try again.
    retry_after: Option<Duration>,
}

impl From<BackendError> for AuthError {
    /// A backend failure, or (a [`BackendErrorKind::RateLimited`] answer) the client's own
    /// refusal: [`AuthError::RateLimited`], a 429 for that client alone.
    fn from(error: BackendError) -> Self {
        match (error.kind, error.retry_after) {
            (BackendErrorKind::RateLimited, Some(retry_after)) => Self::RateLimited { retry_after },
            _ => Self::Backend(error),
        }
    }
}

impl BackendError {
    /// The backend did not answer within `timeout`.
    pub fn timeout(backend: &'static str, timeout: Duration) -> Self {
        Self {
            kind: BackendErrorKind::Timeout,
            backend,
            detail: format!("no answer within {} ms", timeout.as_millis()),
            source: None,
            retry_after: None,
        }
    }

    /// The backend refused this client for now (its rate limit for the client's address, or
    /// this library's budget of calls per client): a 429 for that client
    /// ([`AuthError::RateLimited`]), never a 503.
    pub fn rate_limited(backend: &'static str, retry_after: Duration) -> Self {
        Self {
            kind: BackendErrorKind::RateLimited,
            backend,
            detail: format!("rate limited for {} ms", retry_after.as_millis()),
            source: None,
            retry_after: Some(retry_after),
        }
    }

    /// The backend could not be reached or failed.
    pub fn unavailable(backend: &'static str, source: impl Into<BoxError>) -> Self {
        let source = source.into();
        Self {
            kind: BackendErrorKind::Unavailable,
            backend,
            detail: source.to_string(),
            source: Some(source),
            retry_after: None,
        }
    }

    /// The backend answered with data that cannot be read.
    pub fn invalid_data(backend: &'static str, detail: impl Into<String>) -> Self {
        Self {
            kind: BackendErrorKind::InvalidData,
            backend,
            detail: detail.into(),
            source: None,
            retry_after: None,
        }
    }

    /// A copy with the same kind, backend and detail, without the source error (for an error
    /// shared between coalesced requests).
    pub(crate) fn detached_copy(&self) -> Self {
        Self {
            kind: self.kind,
            backend: self.backend,
            detail: self.detail.clone(),
            source: None,
            retry_after: self.retry_after,
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> BackendErrorKind {
        self.kind
    }

    /// The name of the backend that failed (`"postgres"`, `"sqlite"`, ...).
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// The stable machine-readable code: `backend_timeout` or `backend_unavailable`.
    pub fn code(&self) -> &'static str {
        match self.kind {
            BackendErrorKind::Timeout => "backend_timeout",
            BackendErrorKind::RateLimited => "rate_limited",
            BackendErrorKind::Unavailable | BackendErrorKind::InvalidData => "backend_unavailable",
        }
    }
}

impl Clone for BackendError {
    /// The same kind, backend and detail; the source error (not cloneable) is dropped.
    fn clone(&self) -> Self {
        self.detached_copy()
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            BackendErrorKind::Timeout => "timed out",
            BackendErrorKind::Unavailable => "is unavailable",
            BackendErrorKind::InvalidData => "returned unreadable data",
            BackendErrorKind::RateLimited => "refused this client for now",
        };
        write!(f, "{} {what}: {}", self.backend, LogSafe(&self.detail))
    }
}

impl StdError for BackendError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|error| error as &(dyn StdError + 'static))
    }
}

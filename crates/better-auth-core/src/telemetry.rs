//! What the authenticator tells operators: one `tracing` span per authentication and, with
//! feature `metrics`, counters and a histogram through the [`metrics`](https://docs.rs/metrics)
//! facade (export them with any recorder, e.g. `metrics-exporter-prometheus`).
//!
//! The span is `authenticate` (target `better_auth`, level DEBUG: free when the filter is
//! `info`, `RUST_LOG=better_auth=debug` shows it), with the fields `via` (`cookie`,
//! `bearer`, `jwt`, `api_key`, or `none`), `outcome` (`accepted` or `refused`), `code` (the
//! refusal's code), `cache` (`hit`, `miss` or `cookie_cache`: where the session came from),
//! `user_id` and `session_id`. Ids only: never a token, a signature, a key or a secret, in a
//! span, a log line or an error message.
//!
//! Metrics (all prefixed `better_auth_`):
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `authentications_total` | counter | `outcome`, `code` (`ok` when accepted), `via` |
//! | `authentication_duration_seconds` | histogram | `outcome` |
//! | `session_cache_total` | counter | `result` (`hit`, `miss`) |
//! | `jwks_fetches_total` | counter | `result` (`ok`, `error`) |
//! | `backend_errors_total` | counter | `backend` (`postgres`, `redis`, `better-auth`, `jwks`...) |
//! | `session_refreshes_total` | counter | none (refreshes written) |

use std::time::Instant;

/// Log filter directives that keep web frameworks' own logging from writing credentials, for
/// `tracing_subscriber::EnvFilter` (or `RUST_LOG`): append them to any filter, e.g.
/// `EnvFilter::new(format!("{filter},{CREDENTIAL_SAFE_LOG_DIRECTIVES}"))`. A more specific
/// directive wins, so `RUST_LOG=trace` then logs everything else.
///
/// - `rocket::server=info`: Rocket logs every request and response with all its headers
///   (`Cookie`, `Authorization`) at DEBUG under `rocket::server` (through `tracing-log` when a
///   `tracing` subscriber is installed; with Rocket's own logger, keep `log_level` at `normal`
///   or below).
///
/// axum, actix-web and Poem write no header at any level (checked at `trace` by the examples'
/// end-to-end test, which searches the whole log for every credential it sent).
pub const CREDENTIAL_SAFE_LOG_DIRECTIVES: &str = "rocket::server=info";

use tracing::{Span, field::Empty};

use crate::{
    error::{AuthError, LogSafe},
    model::{Identity, Via},
};

/// Whether metrics are compiled in (feature `metrics`).
const METRICS: bool = cfg!(feature = "metrics");

/// Whether anyone listens: metrics are compiled in, or some subscriber wants DEBUG (one atomic
/// load: the global level hint). When not, an authentication skips its span and its clock.
pub(crate) fn listened() -> bool {
    METRICS
        || tracing::level_filters::LevelFilter::current()
            >= tracing::level_filters::LevelFilter::DEBUG
}

/// The span of one authentication; its fields are recorded as they become known. Disabled (and
/// free) unless a subscriber wants `better_auth` at DEBUG.
pub(crate) fn authentication_span() -> Span {
    tracing::debug_span!(
        target: "better_auth",
        "authenticate",
        via = Empty,
        outcome = Empty,
        code = Empty,
        cache = Empty,
        user_id = Empty,
        session_id = Empty,
    )
}

/// Records how an authentication ended, on its span and in the metrics.
pub(crate) fn authentication_finished(
    span: &Span,
    via: Option<Via>,
    result: &Result<Identity, AuthError>,
    started: Instant,
) {
    let via = via.map_or("none", Via::as_str);
    span.record("via", via);
    let (outcome, code) = match result {
        Ok(identity) => {
            span.record("user_id", identity.user.id.as_str());
            if let Some(session) = &identity.session {
                span.record("session_id", session.id.as_str());
            }
            ("accepted", "ok")
        }
        Err(error) => ("refused", error.code()),
    };
    span.record("outcome", outcome);
    if result.is_err() {
        span.record("code", code);
    }
    #[cfg(feature = "metrics")]
    {
        metrics::counter!("better_auth_authentications_total", "outcome" => outcome, "code" => code, "via" => via).increment(1);
        metrics::histogram!("better_auth_authentication_duration_seconds", "outcome" => outcome)
            .record(started.elapsed().as_secs_f64());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = started;
}

/// Where the session came from: `hit` or `miss` of the in-process cache, or `cookie_cache`.
pub(crate) fn session_source(source: &'static str) {
    if !listened() {
        return;
    }
    Span::current().record("cache", source);
    #[cfg(feature = "metrics")]
    if source != "cookie_cache" {
        metrics::counter!("better_auth_session_cache_total", "result" => source).increment(1);
    }
}

/// A JWKS fetch and whether it succeeded.
#[cfg(feature = "jwks")]
pub(crate) fn jwks_fetched(ok: bool) {
    #[cfg(feature = "metrics")]
    metrics::counter!("better_auth_jwks_fetches_total", "result" => if ok { "ok" } else { "error" })
        .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = ok;
}

/// A backend (database, Redis, Better Auth, the JWKS) failed a request.
pub(crate) fn backend_failed(backend: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("better_auth_backend_errors_total", "backend" => backend).increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = backend;
}

/// A session refresh was written (by this service or, in remote mode, by Better Auth).
pub(crate) fn session_refreshed() {
    #[cfg(feature = "metrics")]
    metrics::counter!("better_auth_session_refreshes_total").increment(1);
}

impl AuthError {
    /// Emits the log line for this rejection through `tracing` (target `better_auth`): `debug`
    /// for a request without credentials, `info` for bad credentials, `error` for a backend.
    pub fn log(&self) {
        let code = self.code();
        match self {
            Self::MissingCredentials => {
                tracing::debug!(target: "better_auth", code, "request without credentials")
            }
            Self::Backend(error) | Self::JwksUnavailable(error) => {
                backend_failed(error.backend());
                tracing::error!(target: "better_auth", code, error = %LogSafe(error), "authentication backend failed; request refused")
            }
            Self::Misconfigured { .. } | Self::FieldsMismatch { .. } => {
                tracing::error!(target: "better_auth", code, reason = %LogSafe(self), "request refused")
            }
            _ => {
                tracing::info!(target: "better_auth", code, reason = %LogSafe(self), "request rejected")
            }
        }
    }
}

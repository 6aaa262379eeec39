//! The [`Authenticator`]: headers in, [`Identity`] or [`AuthError`] out.
//!
//! - `mod.rs`: the type and its two entry points, [`Authenticator::authenticate`] (headers only)
//!   and [`Authenticator::authenticate_request`] (what adapters call: method and headers, with
//!   the Origin check, into an [`AuthOutcome`]);
//! - `pipeline.rs`: verifying a credential (signature, cookie cache, store, expiry, JWT, API
//!   key, ban);
//! - `outcome.rs`: [`AuthOutcome`], one per request, read as a required or an optional user;
//! - `builder.rs`: [`AuthenticatorBuilder`].

use std::{net::IpAddr, sync::Arc};

use crate::{
    config::AuthConfig,
    credentials::Discovery,
    error::AuthError,
    headers::RequestHeaders,
    jwt::TokenVerifier,
    model::Identity,
    origin::TrustedOrigins,
    response::{ErrorRenderer, ErrorResponse, Rejection},
    store::{ApiKeyStore, SessionStore},
};

mod authenticated;
mod builder;
mod from_env;
mod organization;
mod outcome;
mod pipeline;
mod refresh;
mod refresh_flight;
#[cfg(test)]
mod tests;

pub use authenticated::Authenticated;
pub use builder::AuthenticatorBuilder;
pub use outcome::AuthOutcome;
pub(crate) use outcome::DeviceSessions;

/// Authenticates requests issued by a Better Auth deployment.
///
/// Cheap to clone (one `Arc`); build it once at startup and share it through your framework's
/// state. The order of checks, for each request:
///
/// 1. find the credential: the session cookie or `Authorization: Bearer`, whichever
///    [`CredentialOrder`](crate::CredentialOrder) puts first, then an API key (none:
///    anonymous); a bearer value is a JWT or a session token by its shape;
/// 2. a session token: verify its HMAC signature with the secret before any I/O, answer from
///    Better Auth's cookie cache when it carries the session, else look it up in the session
///    store (through the cache, if one is configured) and refuse it if expired; a JWT: verify
///    it with the [`TokenVerifier`]; an API key: look its hash up;
/// 3. refuse banned users (403);
/// 4. for [`authenticate_request`](Self::authenticate_request): refuse a cookie-authenticated,
///    state-changing request from an untrusted origin (403).
///
/// A backend failure is a 503, never a pass. Every refusal is logged through `tracing`
/// (target `better_auth`).
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use better_auth_core::Authenticator;
///
/// // BETTER_AUTH_SECRET, BETTER_AUTH_URL and DATABASE_URL, as the Better Auth server has them.
/// let auth = Authenticator::from_env().await?;
/// let mut headers = http::HeaderMap::new();
/// headers.insert("cookie", "better-auth.session_token=...".parse()?);
/// match auth.authenticate(&headers).await {
///     Ok(identity) => println!("hello {}", identity.user.email),
///     Err(error) => println!("{} {}", error.status(), error.code()),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Authenticator {
    inner: Arc<Inner>,
}

struct Inner {
    config: AuthConfig,
    discovery: Discovery,
    #[cfg(feature = "cookie-cache")]
    cookie_cache: Option<crate::cookie_cache::CookieCacheOptions>,
    trusted_origins: TrustedOrigins,
    sessions: Option<Arc<dyn SessionStore>>,
    /// How `sessions` is asked: through the in-process cache (when configured) and the
    /// batcher. Present whenever `sessions` is.
    lookup: Option<crate::session_lookup::SessionLookup>,
    tokens: Option<Arc<dyn TokenVerifier>>,
    api_keys: Option<Arc<dyn ApiKeyStore>>,
    /// Organization memberships (organization plugin), when configured.
    organizations: Option<Arc<dyn crate::store::OrganizationStore>>,
    /// Their cache, when the session cache is on (same lifetimes).
    membership_cache: Option<crate::membership_cache::MembershipCache>,
    renderer: Option<ErrorRenderer>,
    /// One write per session per refresh.
    refresher: refresh_flight::Refresher,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("config", &self.inner.config)
            .field("sessions", &self.inner.sessions)
            .field("tokens", &self.inner.tokens)
            .field("api_keys", &self.inner.api_keys)
            .field("custom_renderer", &self.inner.renderer.is_some())
            .finish()
    }
}

impl Authenticator {
    /// Starts a builder from a configuration.
    pub fn builder(config: AuthConfig) -> AuthenticatorBuilder {
        AuthenticatorBuilder::new(config)
    }

    /// Whether `other` is this authenticator (a clone of it), not merely one configured alike.
    pub(crate) fn same_as(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// The configuration.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// The full name of the session cookie this authenticator reads.
    pub fn session_cookie_name(&self) -> &str {
        &self.inner.discovery.session_cookie
    }

    /// Authenticates a request from its headers alone: an [`Identity`], or why not (a request
    /// without credentials is [`AuthError::MissingCredentials`]). No Origin check (it needs the
    /// method: see [`authenticate_request`](Self::authenticate_request)). Refusals are logged.
    /// A due session is refreshed in its store here too, but the headers that would send its
    /// cookie back are only on [`authenticate_request`](Self::authenticate_request)'s outcome.
    pub async fn authenticate(&self, headers: &impl RequestHeaders) -> Result<Identity, AuthError> {
        use tracing::Instrument as _;
        if !crate::telemetry::listened() {
            // Nobody listens: no span to enter, no clock to read.
            return self
                .identity_of(headers)
                .await
                .0
                .inspect_err(AuthError::log);
        }
        let span = crate::telemetry::authentication_span();
        let started = std::time::Instant::now();
        let (result, via) = self.identity_of(headers).instrument(span.clone()).await;
        if let Err(error) = &result {
            span.in_scope(|| error.log());
        }
        crate::telemetry::authentication_finished(&span, via, &result, started);
        result
    }

    /// [`authenticate`](Self::authenticate)'s work: the identity (refusals not yet logged) and
    /// where the credential was found.
    async fn identity_of(
        &self,
        headers: &impl RequestHeaders,
    ) -> (Result<Identity, AuthError>, Option<crate::model::Via>) {
        let found = match self.inner.discovery.find(headers) {
            Ok(found) => found,
            Err(error) => return (Err(error), None),
        };
        let via = found
            .credential
            .as_ref()
            .map(crate::credentials::Credential::via);
        match self.identify(&found, None).await {
            Ok(Some(verified)) => (Ok(self.refresh_if_due(verified, &found, None).await.0), via),
            Ok(None) => (Err(AuthError::MissingCredentials), via),
            Err(error) => (Err(error), via),
        }
    }

    /// Authenticates a request as adapters do, once per request: the credentials of
    /// [`authenticate`](Self::authenticate), then, for a cookie-authenticated request with a
    /// state-changing `method` (anything but GET, HEAD and OPTIONS), the Origin check against
    /// the trusted origins (unless [`AuthConfig::check_origin`] is off), then the session's
    /// refresh when it is due (as Better Auth slides sessions), whose headers
    /// the outcome carries ([`AuthOutcome::refresh_headers`]). The [`AuthOutcome`] is read as a
    /// required or an optional user; refusals are logged once, here.
    ///
    /// The client is unknown here: prefer
    /// [`authenticate_request_from`](Self::authenticate_request_from), which the adapters
    /// call with the peer of the connection.
    pub async fn authenticate_request(
        &self,
        method: &str,
        headers: &impl RequestHeaders,
    ) -> AuthOutcome {
        self.authenticate_request_from(None, method, headers).await
    }

    /// [`authenticate_request`](Self::authenticate_request) for a request whose connection
    /// comes from `peer` (the adapters pass it; `None` when the framework does not say). The
    /// client is `peer`, or behind a trusted proxy the address it forwards
    /// ([`AuthConfig::trusted_proxies`]); what is counted per client (calls to Better Auth
    /// made for it and its rate limit there, its budget of lookups that find nothing) is
    /// counted for that address: see [`client`](crate::client).
    pub async fn authenticate_request_from(
        &self,
        peer: Option<IpAddr>,
        method: &str,
        headers: &impl RequestHeaders,
    ) -> AuthOutcome {
        use tracing::Instrument as _;
        let client = self.inner.config.trusted_proxies.client(peer, headers);
        if !crate::telemetry::listened() {
            // Nobody listens: no span to enter, no clock to read.
            return self.authenticate_in_span(method, headers, client).await.0;
        }
        let span = crate::telemetry::authentication_span();
        let started = std::time::Instant::now();
        let (outcome, via) = self
            .authenticate_in_span(method, headers, client)
            .instrument(span.clone())
            .await;
        crate::telemetry::authentication_finished(&span, via, outcome.result(), started);
        outcome
    }

    /// [`authenticate_request_from`](Self::authenticate_request_from) inside its span: the
    /// outcome and where the credential was found.
    async fn authenticate_in_span(
        &self,
        method: &str,
        headers: &impl RequestHeaders,
        client: Option<IpAddr>,
    ) -> (AuthOutcome, Option<crate::model::Via>) {
        let found = match self.inner.discovery.find(headers) {
            Ok(found) => found,
            Err(error) => return (AuthOutcome::refused(self.clone(), error, client), None),
        };
        let via = found
            .credential
            .as_ref()
            .map(crate::credentials::Credential::via);
        // Read now, from the headers; applied after verification (a bad credential is a 401
        // before it is a 403).
        let origin = crate::origin::check(method, headers, &self.inner.trusted_origins);
        let verified = match self.identify(&found, client).await {
            Ok(Some(verified)) => {
                if self.inner.config.check_origin
                    && verified.identity.via == crate::model::Via::Cookie
                {
                    origin.map(|()| verified)
                } else {
                    Ok(verified)
                }
            }
            Ok(None) => Err(AuthError::MissingCredentials),
            Err(error) => Err(error),
        };
        let (result, refresh) = match verified {
            Ok(verified) => {
                let (identity, refresh) = self.refresh_if_due(verified, &found, client).await;
                (Ok(identity), refresh)
            }
            Err(error) => {
                error.log();
                (Err(error), None)
            }
        };
        let device_sessions = (self.inner.config.multi_session && result.is_ok())
            .then(|| DeviceSessions::new(found.device_cookies));
        (
            AuthOutcome::new(result, self.clone(), device_sessions, client).with_refresh(refresh),
            via,
        )
    }

    /// Logs `error` and renders its response: the rejection of a guard or a handler.
    pub fn reject(&self, error: AuthError) -> Rejection {
        error.log();
        self.render(error)
    }

    /// Renders `error` (already logged).
    pub(crate) fn render(&self, error: AuthError) -> Rejection {
        let response = self.error_response(&error);
        Rejection::new(error, response)
    }

    /// The response for `error`: the configured renderer's, or [`ErrorResponse::json`].
    pub fn error_response(&self, error: &AuthError) -> ErrorResponse {
        match &self.inner.renderer {
            Some(render) => render(error),
            None => ErrorResponse::json(error),
        }
    }

    /// Whether every store and the token verifier can answer: `Ok` or a 503. The session store,
    /// the API-key store and the verifier's keys are each checked (the verifier without a fetch:
    /// see [`TokenVerifier::check_health`]).
    pub async fn check_health(&self) -> Result<(), AuthError> {
        if let Some(store) = &self.inner.sessions {
            store.check_health().await?;
        }
        if let Some(store) = &self.inner.api_keys {
            store.check_health().await?;
        }
        if let Some(tokens) = &self.inner.tokens {
            tokens.check_health().await?;
        }
        Ok(())
    }
}

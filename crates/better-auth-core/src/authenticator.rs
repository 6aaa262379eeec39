//! The [`Authenticator`]: the one entry point adapters call. Headers in, [`Identity`] or
//! [`AuthError`] out.

use std::sync::Arc;

use chrono::Utc;
use http::HeaderMap;

use crate::{
    cache::{CacheOptions, CachedStore},
    config::{AuthConfig, BearerPolicy, ConfigError},
    credentials::{self, Credential, Via},
    error::AuthError,
    model::Identity,
    secret::MIN_SECRET_LEN,
    signing::{self, SignatureError},
    store::SessionStore,
};

/// Authenticates requests issued by a Better Auth deployment.
///
/// Cheap to clone (one `Arc`); build it once at startup and share it through your framework's
/// state. The order of checks, for each request:
///
/// 1. find the credential: the session cookie, else `Authorization: Bearer` (none: anonymous);
/// 2. verify its HMAC signature with the secret, before any I/O;
/// 3. look the token up in the session store (through the cache, if one is configured);
/// 4. refuse expired sessions (401) and banned users (403);
/// 5. a backend failure is a 503, never a pass.
///
/// Every refusal is logged through `tracing` (target `better_auth`).
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
    session_cookie: String,
    sessions: Arc<dyn SessionStore>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("config", &self.inner.config)
            .field("sessions", &self.inner.sessions.backend())
            .finish()
    }
}

impl Authenticator {
    /// Starts a builder from a configuration.
    pub fn builder(config: AuthConfig) -> AuthenticatorBuilder {
        AuthenticatorBuilder {
            config,
            sessions: None,
            cache: None,
            min_secret_len: MIN_SECRET_LEN,
        }
    }

    /// Everything from the environment: [`AuthConfig::from_env`], a session store for
    /// `DATABASE_URL` (see [`store::connect`](crate::store::connect)), and the cache when
    /// `BETTER_AUTH_CACHE_TTL_MS` is set to a positive number of milliseconds.
    #[cfg(any(feature = "postgres", feature = "sqlite"))]
    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = AuthConfig::from_env()?;
        let url = std::env::var(crate::config::env::DATABASE_URL)
            .ok()
            .filter(|url| !url.trim().is_empty())
            .ok_or(ConfigError::MissingDatabaseUrl)?;
        let store = crate::store::connect(&url, crate::store::SqlOptions::default()).await?;
        let mut builder = Self::builder(config).session_store_arc(store);
        if let Some(ttl) = std::env::var("BETTER_AUTH_CACHE_TTL_MS")
            .ok()
            .and_then(|ms| ms.trim().parse::<u64>().ok())
            .filter(|ms| *ms > 0)
        {
            builder = builder.cache(CacheOptions::with_ttl(std::time::Duration::from_millis(
                ttl,
            )));
        }
        builder.build()
    }

    /// The configuration.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// The full name of the session cookie this authenticator reads.
    pub fn session_cookie_name(&self) -> &str {
        &self.inner.session_cookie
    }

    /// Authenticates a request from its headers: an [`Identity`], or why not.
    /// A request without credentials is [`AuthError::MissingCredentials`].
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Identity, AuthError> {
        match self.authenticate_optional(headers).await {
            Ok(Some(identity)) => Ok(identity),
            Ok(None) => {
                let error = AuthError::MissingCredentials;
                error.log();
                Err(error)
            }
            Err(error) => Err(error),
        }
    }

    /// Like [`authenticate`](Self::authenticate), but a request without credentials is
    /// `Ok(None)`. Credentials that are present and bad are still errors.
    pub async fn authenticate_optional(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<Identity>, AuthError> {
        let result = match self.credential(headers) {
            Ok(Some(credential)) => self.verify(&credential).await.map(Some),
            Ok(None) => Ok(None),
            Err(error) => Err(error),
        };
        if let Err(error) = &result {
            error.log();
        }
        result
    }

    /// Finds the request's credential without verifying it: the session cookie first, then
    /// `Authorization: Bearer` (unless [`BearerPolicy::Disabled`]).
    pub fn credential(&self, headers: &HeaderMap) -> Result<Option<Credential>, AuthError> {
        if let Some(cookie) = credentials::session_cookie(headers, &self.inner.session_cookie)? {
            return Ok(Some(Credential::SessionCookie(cookie)));
        }
        if self.inner.config.bearer != BearerPolicy::Disabled
            && let Some(token) = credentials::bearer(headers)?
        {
            return Ok(Some(Credential::Bearer(token)));
        }
        Ok(None)
    }

    /// Verifies one credential: signature, session lookup, expiry, ban.
    pub async fn verify(&self, credential: &Credential) -> Result<Identity, AuthError> {
        let token = self.session_token(credential)?;
        let record = self
            .inner
            .sessions
            .find_session(token)
            .await?
            .ok_or(AuthError::SessionNotFound)?;
        let now = Utc::now();
        if record.session.token != token {
            // A store must only return the session it was asked for.
            return Err(AuthError::SessionNotFound);
        }
        if record.session.is_expired_at(now) {
            return Err(AuthError::SessionExpired);
        }
        if self.inner.config.reject_banned && record.user.is_banned_at(now) {
            return Err(AuthError::UserBanned);
        }
        Ok(Identity::from_session(record, credential.via()))
    }

    /// The unsigned session token a credential carries, its signature checked.
    fn session_token<'c>(&self, credential: &'c Credential) -> Result<&'c str, AuthError> {
        let secrets = &self.inner.config.secrets;
        let value = credential.expose();
        let signed = match credential.via() {
            Via::Cookie => true,
            Via::Bearer => value.contains('.'),
        };
        if !signed {
            return match self.inner.config.bearer {
                BearerPolicy::SignedOrRaw => Ok(value),
                _ => Err(AuthError::MalformedCredentials {
                    reason: "unsigned bearer token refused (signatures are required)",
                }),
            };
        }
        signing::verify(value, secrets).map_err(|error| match error {
            SignatureError::Malformed => AuthError::MalformedCredentials {
                reason: "session token is not of the form TOKEN.SIGNATURE",
            },
            SignatureError::Mismatch => AuthError::InvalidSignature,
        })
    }

    /// Whether the session store answers: `Ok` or a 503 error.
    pub async fn check_health(&self) -> Result<(), AuthError> {
        self.inner
            .sessions
            .check_health()
            .await
            .map_err(AuthError::from)
    }
}

/// Builds an [`Authenticator`].
#[must_use]
pub struct AuthenticatorBuilder {
    config: AuthConfig,
    sessions: Option<Arc<dyn SessionStore>>,
    cache: Option<CacheOptions>,
    min_secret_len: usize,
}

impl AuthenticatorBuilder {
    /// The store sessions are looked up in.
    pub fn session_store(self, store: impl SessionStore) -> Self {
        self.session_store_arc(Arc::new(store))
    }

    /// The store sessions are looked up in, already shared.
    pub fn session_store_arc(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.sessions = Some(store);
        self
    }

    /// Puts an in-process cache in front of the session store (see [`CachedStore`]).
    pub fn cache(mut self, options: CacheOptions) -> Self {
        self.cache = Some(options);
        self
    }

    /// The shortest secret accepted (default 32 characters, Better Auth's recommendation).
    pub fn min_secret_len(mut self, len: usize) -> Self {
        self.min_secret_len = len;
        self
    }

    /// Checks the configuration and builds the authenticator.
    pub fn build(self) -> Result<Authenticator, ConfigError> {
        self.config.secrets.check_length(self.min_secret_len)?;
        let mut sessions = self.sessions.ok_or(ConfigError::NoSessionStore)?;
        if let Some(options) = self.cache {
            sessions = Arc::new(CachedStore::new(sessions, options));
        }
        let session_cookie = self.config.session_cookie();
        Ok(Authenticator {
            inner: Arc::new(Inner {
                config: self.config,
                session_cookie,
                sessions,
            }),
        })
    }
}

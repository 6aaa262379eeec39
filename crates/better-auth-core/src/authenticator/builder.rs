//! [`AuthenticatorBuilder`]: the stores, verifier, caches and rendering of an [`Authenticator`].

use std::sync::Arc;

use super::{Authenticator, Inner};
use crate::{
    config::{AuthConfig, ConfigError},
    credentials::Discovery,
    error::AuthError,
    jwt::TokenVerifier,
    response::{ErrorRenderer, ErrorResponse},
    secret::MIN_SECRET_LEN,
    session_lookup::{BatchOptions, CacheOptions},
    store::{ApiKeyStore, SessionStore},
};

/// The most recent refreshes remembered to coalesce stale reads (one entry per refreshed
/// session, for a minute).
const REFRESHES_REMEMBERED: u64 = 100_000;

/// Builds an [`Authenticator`].
///
/// ```
/// # async fn demo(store: std::sync::Arc<dyn better_auth_core::store::SessionStore>) -> Result<(), better_auth_core::ConfigError> {
/// use std::time::Duration;
/// use better_auth_core::{AuthConfig, Authenticator, CacheOptions, SecretSet};
///
/// let config = AuthConfig::new(SecretSet::single("the-better-auth-secret-of-32-chars-or-more")?);
/// let auth = Authenticator::builder(config)
///     .session_store_arc(store)
///     .cache(CacheOptions::with_ttl(Duration::from_secs(5)))
///     .build()?;
/// # Ok(()) }
/// ```
#[must_use]
pub struct AuthenticatorBuilder {
    config: AuthConfig,
    sessions: Option<Arc<dyn SessionStore>>,
    tokens: Option<Arc<dyn TokenVerifier>>,
    api_keys: Option<Arc<dyn ApiKeyStore>>,
    organizations: Option<Arc<dyn crate::store::OrganizationStore>>,
    cache: Option<CacheOptions>,
    batch: BatchOptions,
    renderer: Option<ErrorRenderer>,
    min_secret_len: usize,
    #[cfg(feature = "cookie-cache")]
    cookie_cache: Option<crate::cookie_cache::CookieCacheOptions>,
}

impl std::fmt::Debug for AuthenticatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthenticatorBuilder")
            .field("config", &self.config)
            .field("sessions", &self.sessions)
            .field("tokens", &self.tokens)
            .field("api_keys", &self.api_keys)
            .field("cache", &self.cache)
            .field("batch", &self.batch)
            .field("custom_renderer", &self.renderer.is_some())
            .finish_non_exhaustive()
    }
}

impl AuthenticatorBuilder {
    pub(super) fn new(config: AuthConfig) -> Self {
        Self {
            config,
            sessions: None,
            tokens: None,
            api_keys: None,
            organizations: None,
            cache: None,
            batch: BatchOptions::default(),
            renderer: None,
            min_secret_len: MIN_SECRET_LEN,
            #[cfg(feature = "cookie-cache")]
            cookie_cache: None,
        }
    }

    /// The store sessions are looked up in.
    pub fn session_store(self, store: impl SessionStore) -> Self {
        self.session_store_arc(Arc::new(store))
    }

    /// The store sessions are looked up in, already shared.
    pub fn session_store_arc(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.sessions = Some(store);
        self
    }

    /// The verifier of bearer JWTs (e.g. [`JwksVerifier`](crate::jwt::JwksVerifier)).
    pub fn token_verifier(self, verifier: impl TokenVerifier) -> Self {
        self.token_verifier_arc(Arc::new(verifier))
    }

    /// The verifier of bearer JWTs, already shared.
    pub fn token_verifier_arc(mut self, verifier: Arc<dyn TokenVerifier>) -> Self {
        self.tokens = Some(verifier);
        self
    }

    /// Accepts API keys (API key plugin), looked up in `store`, from the configured headers
    /// (`x-api-key` by default), after the session cookie and the bearer token.
    pub fn api_key_store(self, store: impl ApiKeyStore) -> Self {
        self.api_key_store_arc(Arc::new(store))
    }

    /// Looks organization memberships up in `store` (organization plugin), for
    /// [`Authenticated::membership`](crate::Authenticated::membership) and its guards; through
    /// a cache with the session cache's lifetimes when [`cache`](Self::cache) is set.
    pub fn organization_store_arc(
        mut self,
        store: Arc<dyn crate::store::OrganizationStore>,
    ) -> Self {
        self.organizations = Some(store);
        self
    }

    /// Accepts API keys, looked up in `store` (shared).
    pub fn api_key_store_arc(mut self, store: Arc<dyn ApiKeyStore>) -> Self {
        self.api_keys = Some(store);
        self
    }

    /// Puts an in-process cache in front of the session store (see
    /// [`CachedStore`](crate::CachedStore)).
    pub fn cache(mut self, options: CacheOptions) -> Self {
        self.cache = Some(options);
        self
    }

    /// How concurrent session lookups that miss the cache (or all of them, without a cache)
    /// share store queries (see [`BatchOptions`]; on by default: up to 64 tokens a query).
    pub fn lookup_batch(mut self, options: BatchOptions) -> Self {
        self.batch = options;
        self
    }

    /// Reads Better Auth's cookie cache (`{prefix}.session_data`) before asking the store
    /// (feature `cookie-cache`). See [`cookie_cache`](crate::cookie_cache) for what it trades.
    #[cfg(feature = "cookie-cache")]
    pub fn cookie_cache(mut self, options: crate::cookie_cache::CookieCacheOptions) -> Self {
        self.cookie_cache = Some(options);
        self
    }

    /// Renders error responses your way (every adapter uses it); the default is
    /// [`ErrorResponse::json`].
    pub fn error_renderer(
        mut self,
        render: impl Fn(&AuthError) -> ErrorResponse + Send + Sync + 'static,
    ) -> Self {
        self.renderer = Some(Arc::new(render));
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
        if self.sessions.is_none() && self.tokens.is_none() && self.api_keys.is_none() {
            return Err(ConfigError::NoVerifier);
        }
        #[cfg(feature = "cookie-cache")]
        if self
            .cookie_cache
            .as_ref()
            .is_some_and(|options| !options.has_keys())
        {
            return Err(ConfigError::CookieCacheWithoutKeys);
        }
        if self.api_keys.is_some() {
            crate::config::ApiKeyConfig::check_list(&self.config.api_key_configs)
                .map_err(|reason| ConfigError::InvalidApiKeyConfigs { reason })?;
        }
        let lookup = self.sessions.as_ref().map(|store| {
            crate::session_lookup::SessionLookup::new(Arc::clone(store), self.cache, self.batch)
        });
        let membership_cache = match (&self.organizations, self.cache) {
            (Some(_), Some(options)) => {
                Some(crate::membership_cache::MembershipCache::new(options))
            }
            _ => None,
        };
        #[cfg(feature = "cookie-cache")]
        let cookie_cache_name = self
            .cookie_cache
            .as_ref()
            .map(|_| self.config.cookie_name("session_data"));
        let discovery = Discovery {
            session_cookie: self.config.session_cookie(),
            dont_remember_cookie: self.config.dont_remember_cookie(),
            #[cfg(feature = "cookie-cache")]
            cookie_cache: cookie_cache_name,
            multi_session: self.config.multi_session,
            order: self.config.order,
            bearer: self.config.bearer,
            secrets: self.config.secrets.clone(),
            api_keys: match self.api_keys {
                Some(_) => self
                    .config
                    .api_key_configs
                    .iter()
                    .filter(|config| config.enable_session_for_api_keys)
                    .cloned()
                    .collect(),
                None => Vec::new(),
            },
        };
        let trusted_origins = self.config.all_trusted_origins();
        Ok(Authenticator {
            inner: Arc::new(Inner {
                config: self.config,
                discovery,
                #[cfg(feature = "cookie-cache")]
                cookie_cache: self.cookie_cache,
                trusted_origins,
                sessions: self.sessions,
                lookup,
                tokens: self.tokens,
                api_keys: self.api_keys,
                organizations: self.organizations,
                membership_cache,
                renderer: self.renderer,
                refresher: super::refresh_flight::Refresher::new(REFRESHES_REMEMBERED),
            }),
        })
    }
}

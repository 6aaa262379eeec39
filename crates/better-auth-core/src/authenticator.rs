//! The [`Authenticator`]: the one entry point adapters call. Headers in, [`Identity`] or
//! [`AuthError`] out.

use std::sync::Arc;

use chrono::Utc;

use crate::{
    authenticated::Authenticated,
    cache::{CacheOptions, CachedStore},
    config::{AuthConfig, BearerPolicy, ConfigError, CredentialOrder},
    credentials::{self, Credential},
    error::AuthError,
    headers::RequestHeaders,
    jwt::{TokenVerifier, looks_like_jwt},
    model::{Identity, User},
    origin::TrustedOrigins,
    response::{ErrorRenderer, ErrorResponse, Rejection},
    secret::MIN_SECRET_LEN,
    signing::{self, SignatureError},
    store::{ApiKeyStore, SessionStore},
};

/// Authenticates requests issued by a Better Auth deployment.
///
/// Cheap to clone (one `Arc`); build it once at startup and share it through your framework's
/// state. The order of checks, for each request:
///
/// 1. find the credential: the session cookie or `Authorization: Bearer`, whichever
///    [`CredentialOrder`] puts first (none: anonymous); a bearer value is a JWT or a session
///    token by its shape;
/// 2. a session token: verify its HMAC signature with the secret before any I/O, then look it
///    up in the session store (through the cache, if one is configured) and refuse it if expired;
///    a JWT: verify it with the [`TokenVerifier`];
/// 3. refuse banned users (403);
/// 4. a backend failure is a 503, never a pass.
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
    #[cfg(feature = "cookie-cache")]
    cookie_cache: Option<(crate::cookie_cache::CookieCacheOptions, String)>,
    trusted_origins: TrustedOrigins,
    sessions: Option<Arc<dyn SessionStore>>,
    /// The in-process cache over `sessions`, when configured: asked instead of it.
    cache: Option<CachedStore>,
    tokens: Option<Arc<dyn TokenVerifier>>,
    api_keys: Option<Arc<dyn ApiKeyStore>>,
    renderer: Option<ErrorRenderer>,
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
        AuthenticatorBuilder {
            config,
            sessions: None,
            tokens: None,
            api_keys: None,
            cache: None,
            renderer: None,
            min_secret_len: MIN_SECRET_LEN,
            #[cfg(feature = "cookie-cache")]
            cookie_cache: None,
        }
    }

    /// Everything from the environment (see [`crate::config::env`]):
    ///
    /// - [`AuthConfig::from_env`] (secret, base URL, cookie prefix);
    /// - a session store ([`store::from_env`](crate::store::from_env)): `DATABASE_URL`
    ///   (features `postgres`, `sqlite`, `mysql`) and/or `BETTER_AUTH_REDIS_URL` (feature
    ///   `redis`), with the cache when `BETTER_AUTH_CACHE_TTL_MS` is a positive number of
    ///   milliseconds;
    /// - JWT verification (feature `jwks`) with the JWKS of `BETTER_AUTH_URL`
    ///   (`BETTER_AUTH_JWKS_URL` overrides the URL; `BETTER_AUTH_JWT_CACHE=false` turns the
    ///   verified-token cache off).
    ///
    /// At least one of `DATABASE_URL`, `BETTER_AUTH_REDIS_URL` and `BETTER_AUTH_URL` must be set.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = AuthConfig::from_env()?;
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.trim().is_empty())
        };
        let mut builder = Self::builder(config.clone());

        let stores = crate::store::from_env(&config, &var).await?;
        if let Some(store) = stores.sessions {
            builder = builder.session_store_arc(store);
        }
        if let Some(store) = stores.api_keys {
            builder = builder.api_key_store_arc(store);
        }
        let remote =
            var(crate::config::env::REMOTE_SESSIONS).is_some_and(|value| value.trim() == "true");
        #[cfg(feature = "cookie-cache")]
        if let Some(strategy) = var(crate::config::env::COOKIE_CACHE) {
            let strategy = crate::cookie_cache::CookieCacheStrategy::from_name(&strategy)
                .ok_or(ConfigError::InvalidCookieCache)?;
            let mut options = crate::cookie_cache::CookieCacheOptions::with_strategy(strategy);
            if let Some(version) = var(crate::config::env::COOKIE_CACHE_VERSION) {
                options.version = version;
            }
            builder = builder.cookie_cache(options);
        }
        let ttl =
            var(crate::config::env::CACHE_TTL_MS).and_then(|ms| ms.trim().parse::<u64>().ok());
        match ttl {
            Some(0) => {}
            Some(ms) => {
                builder =
                    builder.cache(CacheOptions::with_ttl(std::time::Duration::from_millis(ms)));
            }
            // Remote mode: every uncached request would be an HTTP round trip to Better Auth.
            None if remote => {
                builder = builder.cache(
                    CacheOptions::with_ttl(std::time::Duration::from_secs(5))
                        .negative_ttl(std::time::Duration::from_secs(2)),
                );
            }
            None => {}
        }
        #[cfg(feature = "jwks")]
        if let Some(base_url) = &config.base_url {
            let mut verifier = crate::jwt::JwksVerifier::for_better_auth(base_url)?;
            if let Some(jwks_url) = var(crate::config::env::JWKS_URL) {
                let url = crate::config::parse_url(crate::config::env::JWKS_URL, &jwks_url)?;
                verifier = crate::jwt::JwksVerifier::from_url(
                    url,
                    crate::jwt::FetchOptions::default(),
                    crate::jwt::KeyCacheOptions::default(),
                    verifier.validation().clone(),
                )?;
            }
            if var(crate::config::env::JWT_CACHE).is_some_and(|value| value.trim() == "false") {
                verifier = verifier
                    .verified_token_cache(crate::jwt::VerifiedTokenCacheOptions::disabled());
            }
            builder = builder.token_verifier(verifier);
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
    pub async fn authenticate(&self, headers: &impl RequestHeaders) -> Result<Identity, AuthError> {
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
        headers: &impl RequestHeaders,
    ) -> Result<Option<Identity>, AuthError> {
        let result = match self.credential(headers) {
            Ok(Some(credential)) => self
                .verify_with_cookie_cache(&credential, headers)
                .await
                .map(Some),
            Ok(None) => Ok(None),
            Err(error) => Err(error),
        };
        if let Err(error) = &result {
            error.log();
        }
        result
    }

    /// Authenticates a request as adapters do: [`authenticate`](Self::authenticate), then, for a
    /// cookie-authenticated request with a state-changing `method` (POST, PUT, PATCH, DELETE,
    /// ...), the Origin check against the trusted origins (unless `check_origin` is off).
    pub async fn authenticate_request(
        &self,
        method: &str,
        headers: &impl RequestHeaders,
    ) -> Result<Identity, AuthError> {
        let identity = self.authenticate(headers).await?;
        self.check_origin(method, headers, &identity)?;
        Ok(identity)
    }

    fn check_origin(
        &self,
        method: &str,
        headers: &impl RequestHeaders,
        identity: &Identity,
    ) -> Result<(), AuthError> {
        if self.inner.config.check_origin && identity.via == crate::credentials::Via::Cookie {
            crate::origin::check(method, headers, &self.inner.trusted_origins)
                .inspect_err(AuthError::log)?;
        }
        Ok(())
    }

    /// Authenticates a request once, for extractors of either kind to read
    /// ([`AuthOutcome::required`], [`AuthOutcome::optional`]): what a middleware stores.
    pub async fn outcome(&self, method: &str, headers: &impl RequestHeaders) -> AuthOutcome {
        let result = self.authenticate_request(method, headers).await;
        let device_sessions: Arc<[Identity]> = match (&result, self.inner.config.multi_session) {
            (Ok(identity), true) => match self.device_sessions(headers).await {
                Ok(mut sessions) => {
                    // The active session first, then the others.
                    let active_user = identity.user.id.clone();
                    sessions.sort_by_key(|other| other.user.id != active_user);
                    Arc::from(sessions)
                }
                Err(error) => {
                    error.log();
                    return AuthOutcome {
                        result: Err(error),
                        authenticator: self.clone(),
                        device_sessions: Arc::new([]),
                    };
                }
            },
            _ => Arc::new([]),
        };
        AuthOutcome {
            result,
            authenticator: self.clone(),
            device_sessions,
        }
    }

    /// Every account signed in on this device, from the multi-session plugin's cookies: each
    /// signature checked, each session looked up, expired and banned ones dropped, one session
    /// per user (the first). A backend failure is an error (503); bad cookies are skipped.
    pub async fn device_sessions(
        &self,
        headers: &impl RequestHeaders,
    ) -> Result<Vec<Identity>, AuthError> {
        if self.inner.sessions.is_none() {
            return Ok(Vec::new());
        }
        let now = Utc::now();
        let mut sessions: Vec<Identity> = Vec::new();
        for signed in crate::multi_session::signed_values(headers) {
            let Ok(token) = signing::verify(&signed, &self.inner.config.secrets) else {
                continue;
            };
            if token.is_empty() || token.chars().any(char::is_control) {
                continue;
            }
            let Some(record) = self.find_session(token).await? else {
                continue;
            };
            if record.session.token != token
                || record.session.is_expired_at(now)
                || (self.inner.config.reject_banned && record.user.is_banned_at(now))
                || sessions.iter().any(|known| known.user.id == record.user.id)
            {
                continue;
            }
            sessions.push(Identity::from_session(
                record,
                crate::credentials::Via::Cookie,
            ));
        }
        Ok(sessions)
    }

    /// What an adapter's required-user extractor calls: [`authenticate_request`](Self::authenticate_request),
    /// with a failure turned into a ready [`Rejection`].
    pub async fn require(
        &self,
        method: &str,
        headers: &impl RequestHeaders,
    ) -> Result<Authenticated, Rejection> {
        self.outcome(method, headers).await.required()
    }

    /// What an adapter's optional-user extractor calls: absent credentials, and credentials
    /// that are refused (401/403), read as `None`; a backend failure is still a [`Rejection`]
    /// (503), since the visitor may well be signed in.
    pub async fn optional(
        &self,
        method: &str,
        headers: &impl RequestHeaders,
    ) -> Result<Option<Authenticated>, Rejection> {
        self.outcome(method, headers).await.optional()
    }

    /// Logs `error` and renders its response: the rejection of a guard or a handler.
    pub fn reject(&self, error: AuthError) -> Rejection {
        error.log();
        self.render(error)
    }

    /// Renders `error` (already logged).
    fn render(&self, error: AuthError) -> Rejection {
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

    /// Finds the request's credential without verifying it, in [`CredentialOrder`]. A bearer
    /// value shaped like a JWT is a [`Credential::Jwt`]; another is a session token unless
    /// [`BearerPolicy::Disabled`].
    pub fn credential(
        &self,
        headers: &impl RequestHeaders,
    ) -> Result<Option<Credential>, AuthError> {
        let cookie_first = self.inner.config.order == CredentialOrder::CookieFirst;
        if cookie_first && let Some(cookie) = self.cookie_credential(headers)? {
            return Ok(Some(cookie));
        }
        if let Some(bearer) = self.bearer_credential(headers)? {
            return Ok(Some(bearer));
        }
        if !cookie_first && let Some(cookie) = self.cookie_credential(headers)? {
            return Ok(Some(cookie));
        }
        self.api_key_credential(headers)
    }

    /// An API key from the configured headers, when API keys are accepted.
    fn api_key_credential(
        &self,
        headers: &impl RequestHeaders,
    ) -> Result<Option<Credential>, AuthError> {
        if self.inner.api_keys.is_none() {
            return Ok(None);
        }
        for name in &self.inner.config.api_key_headers {
            if let Some(value) = headers.first(name) {
                let key = std::str::from_utf8(value)
                    .map_err(|_| AuthError::MalformedCredentials {
                        reason: "API key is not UTF-8",
                    })?
                    .trim();
                if key.chars().any(char::is_control) {
                    return Err(AuthError::MalformedCredentials {
                        reason: "API key contains control characters",
                    });
                }
                if key.len() > credentials::MAX_CREDENTIAL_LEN {
                    return Err(AuthError::MalformedCredentials {
                        reason: "API key too long",
                    });
                }
                if !key.is_empty() {
                    return Ok(Some(Credential::ApiKey(key.to_owned())));
                }
            }
        }
        Ok(None)
    }

    fn cookie_credential(
        &self,
        headers: &impl RequestHeaders,
    ) -> Result<Option<Credential>, AuthError> {
        Ok(
            credentials::session_cookie(headers, &self.inner.session_cookie)?
                .map(Credential::SessionCookie),
        )
    }

    fn bearer_credential(
        &self,
        headers: &impl RequestHeaders,
    ) -> Result<Option<Credential>, AuthError> {
        let Some(token) = credentials::bearer(headers)? else {
            return Ok(None);
        };
        if looks_like_jwt(&token) {
            return Ok(Some(Credential::Jwt(token)));
        }
        if self.inner.config.bearer == BearerPolicy::Disabled {
            return Ok(None);
        }
        Ok(Some(Credential::Bearer(token)))
    }

    /// [`verify`](Self::verify), answering a session cookie from the cookie cache when the
    /// request carries a usable entry for it (no store access).
    async fn verify_with_cookie_cache(
        &self,
        credential: &Credential,
        headers: &impl RequestHeaders,
    ) -> Result<Identity, AuthError> {
        #[cfg(feature = "cookie-cache")]
        if let (Credential::SessionCookie(_), Some((options, cookie_name))) =
            (credential, &self.inner.cookie_cache)
        {
            let token = self.session_token(credential)?;
            let cached = crate::cookie_cache::read_cookie(headers, cookie_name)
                .and_then(|value| {
                    crate::cookie_cache::decode(&value, options, &self.inner.config.secrets)
                })
                .and_then(|entry| crate::cookie_cache::usable(entry, token, options, Utc::now()));
            if let Some(record) = cached {
                let identity = Identity::from_session(record, credential.via());
                self.check_user(&identity.user)?;
                return Ok(identity);
            }
        }
        #[cfg(not(feature = "cookie-cache"))]
        let _ = headers;
        self.verify(credential).await
    }

    /// Verifies one credential: signature, session lookup and expiry, or JWT verification;
    /// then the ban.
    pub async fn verify(&self, credential: &Credential) -> Result<Identity, AuthError> {
        let identity = match credential {
            Credential::ApiKey(key) => self.verify_api_key(key).await?,
            Credential::Jwt(token) => {
                let verifier = self.inner.tokens.as_ref().ok_or(AuthError::InvalidToken {
                    reason: "JWT bearer tokens are not accepted here (no token verifier)",
                })?;
                Identity::from_claims(verifier.verify_token(token).await?)
            }
            _ => self.verify_session(credential).await?,
        };
        self.check_user(&identity.user)?;
        Ok(identity)
    }

    async fn verify_api_key(&self, key: &str) -> Result<Identity, AuthError> {
        use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
        use sha2::{Digest, Sha256};

        let store = self
            .inner
            .api_keys
            .as_ref()
            .ok_or(AuthError::InvalidApiKey {
                reason: "API keys are not accepted here",
            })?;
        // The plugin's default hasher: base64url, no padding, of SHA-256(key).
        let hashed = URL_SAFE_NO_PAD.encode(Sha256::digest(key.as_bytes()));
        let record = store
            .find_api_key(&hashed)
            .await?
            .ok_or(AuthError::InvalidApiKey {
                reason: "unknown key",
            })?;
        record.key.check_usable(Utc::now())?;
        Ok(Identity::from_api_key(record))
    }

    async fn verify_session(&self, credential: &Credential) -> Result<Identity, AuthError> {
        let token = self.session_token(credential)?;
        let record = self
            .find_session(token)
            .await?
            .ok_or(AuthError::SessionNotFound)?;
        if record.session.token != token {
            // A store must only return the session it was asked for.
            return Err(AuthError::SessionNotFound);
        }
        if record.session.is_expired_at(Utc::now()) {
            return Err(AuthError::SessionExpired);
        }
        Ok(Identity::from_session(record, credential.via()))
    }

    /// Looks a token up: through the cache when configured, else in the store.
    async fn find_session(
        &self,
        token: &str,
    ) -> Result<Option<crate::model::SessionRecord>, AuthError> {
        if let Some(cache) = &self.inner.cache {
            return Ok(cache.lookup(token).await?);
        }
        let store = self
            .inner
            .sessions
            .as_ref()
            .ok_or(AuthError::MalformedCredentials {
                reason: "session tokens are not accepted here (no session store)",
            })?;
        Ok(store.find_session(token).await?)
    }

    fn check_user(&self, user: &User) -> Result<(), AuthError> {
        if self.inner.config.reject_banned && user.is_banned_at(Utc::now()) {
            return Err(AuthError::UserBanned);
        }
        Ok(())
    }

    /// The unsigned session token a credential carries, its signature checked, and free of
    /// control characters (a NUL would reach the database as an error, a 503, rather than the
    /// 401 it deserves; Better Auth's tokens are alphanumeric).
    fn session_token<'c>(&self, credential: &'c Credential) -> Result<&'c str, AuthError> {
        let token = self.signed_session_token(credential)?;
        if token.is_empty() || token.chars().any(char::is_control) {
            return Err(AuthError::MalformedCredentials {
                reason: "session token contains control characters",
            });
        }
        Ok(token)
    }

    fn signed_session_token<'c>(&self, credential: &'c Credential) -> Result<&'c str, AuthError> {
        let value = credential.expose();
        let signed = match credential {
            Credential::Bearer(_) => value.contains('.'),
            _ => true,
        };
        if !signed {
            return match self.inner.config.bearer {
                BearerPolicy::SignedOrRaw => Ok(value),
                _ => Err(AuthError::MalformedCredentials {
                    reason: "unsigned bearer token refused (signatures are required)",
                }),
            };
        }
        signing::verify(value, &self.inner.config.secrets).map_err(|error| match error {
            SignatureError::Malformed => AuthError::MalformedCredentials {
                reason: "session token is not of the form TOKEN.SIGNATURE",
            },
            SignatureError::Mismatch => AuthError::InvalidSignature,
        })
    }

    /// Whether the session store answers and the token verifier has its keys: `Ok` or a 503.
    pub async fn check_health(&self) -> Result<(), AuthError> {
        if let Some(store) = &self.inner.sessions {
            store.check_health().await?;
        }
        if let Some(tokens) = &self.inner.tokens {
            tokens.check_health().await?;
        }
        Ok(())
    }
}

/// The result of authenticating one request, readable as a required or an optional user.
#[derive(Debug, Clone)]
pub struct AuthOutcome {
    result: Result<Identity, AuthError>,
    authenticator: Authenticator,
    device_sessions: Arc<[Identity]>,
}

impl AuthOutcome {
    /// The identity, or the rendered refusal.
    pub fn required(&self) -> Result<Authenticated, Rejection> {
        match &self.result {
            Ok(identity) => Ok(self.authenticated(identity)),
            Err(error) => Err(self.authenticator.render(error.clone())),
        }
    }

    fn authenticated(&self, identity: &Identity) -> Authenticated {
        Authenticated::new(identity.clone(), self.authenticator.clone())
            .with_device_sessions(self.device_sessions.clone())
    }

    /// The identity if there is one: absent credentials, and refused ones (401/403), read as
    /// `None`; a backend failure (503) is still a refusal.
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
}

/// Builds an [`Authenticator`].
#[must_use]
pub struct AuthenticatorBuilder {
    config: AuthConfig,
    sessions: Option<Arc<dyn SessionStore>>,
    tokens: Option<Arc<dyn TokenVerifier>>,
    api_keys: Option<Arc<dyn ApiKeyStore>>,
    cache: Option<CacheOptions>,
    renderer: Option<ErrorRenderer>,
    min_secret_len: usize,
    #[cfg(feature = "cookie-cache")]
    cookie_cache: Option<crate::cookie_cache::CookieCacheOptions>,
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

    /// Accepts API keys, looked up in a shared store.
    pub fn api_key_store_arc(mut self, store: Arc<dyn ApiKeyStore>) -> Self {
        self.api_keys = Some(store);
        self
    }

    /// Puts an in-process cache in front of the session store (see [`CachedStore`]).
    pub fn cache(mut self, options: CacheOptions) -> Self {
        self.cache = Some(options);
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
        let cache = match (&self.sessions, self.cache) {
            (Some(store), Some(options)) => Some(CachedStore::new(store.clone(), options)),
            _ => None,
        };
        let sessions = self.sessions;
        let session_cookie = self.config.session_cookie();
        let trusted_origins = self.config.all_trusted_origins();
        #[cfg(feature = "cookie-cache")]
        let cookie_cache = self
            .cookie_cache
            .map(|options| (options, self.config.cookie_name("session_data")));
        Ok(Authenticator {
            inner: Arc::new(Inner {
                config: self.config,
                session_cookie,
                #[cfg(feature = "cookie-cache")]
                cookie_cache,
                trusted_origins,
                sessions,
                cache,
                tokens: self.tokens,
                api_keys: self.api_keys,
                renderer: self.renderer,
            }),
        })
    }
}

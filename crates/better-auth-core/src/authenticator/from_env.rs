//! An [`Authenticator`] built from [`EnvSettings`]: the stores, caches and token verifier the
//! environment names, with one connection pool per database.

use std::{sync::Arc, time::Duration};

use super::Authenticator;
use crate::{
    config::{AuthConfig, ConfigError, EnvSettings, env},
    session_lookup::{BatchOptions, CacheOptions},
    store::{ApiKeyStore, SessionStore},
};

/// The in-process cache of remote mode when `BETTER_AUTH_CACHE_TTL_MS` is unset: every
/// uncached request would be an HTTP round trip to Better Auth.
const REMOTE_CACHE_TTL: Duration = Duration::from_secs(5);
const REMOTE_NEGATIVE_TTL: Duration = Duration::from_secs(2);

/// Remote mode's stores: sessions and organization memberships asked of Better Auth.
type RemoteStores = (
    Arc<dyn SessionStore>,
    Arc<dyn crate::store::OrganizationStore>,
);

/// The stores the environment names: sessions, API keys, organization memberships.
type DatabaseStores = (
    Option<Arc<dyn SessionStore>>,
    Option<Arc<dyn ApiKeyStore>>,
    Option<Arc<dyn crate::store::OrganizationStore>>,
);

impl Authenticator {
    /// Everything from the environment (see [`EnvSettings`] and [`crate::config::env`]):
    ///
    /// - the configuration ([`EnvSettings::auth_config`]: secret, base URL, cookie prefix, ...);
    /// - a session store: `DATABASE_URL` (features `postgres`, `sqlite`, `mysql`) and/or
    ///   `BETTER_AUTH_REDIS_URL` (feature `redis`), or Better Auth's `get-session` with
    ///   `BETTER_AUTH_REMOTE_SESSIONS=true` (feature `remote`); API keys from `DATABASE_URL`
    ///   with `BETTER_AUTH_API_KEYS=true` (the same pool as the sessions);
    /// - organization memberships (organization plugin) from `DATABASE_URL` when it has the
    ///   plugin's tables, in remote mode (without a database) from Better Auth's endpoints;
    /// - the in-process cache when `BETTER_AUTH_CACHE_TTL_MS` is a positive number of
    ///   milliseconds (remote mode caches 5 s unless it is `0`);
    /// - Better Auth's cookie cache with `BETTER_AUTH_COOKIE_CACHE` (feature `cookie-cache`; its
    ///   `jwks` strategy shares the JWT verifier's keys);
    /// - JWT verification (feature `jwks`) with the JWKS of `BETTER_AUTH_URL`
    ///   (`BETTER_AUTH_JWKS_URL` overrides the URL; `BETTER_AUTH_JWT_CACHE=false` turns the
    ///   verified-token cache off).
    ///
    /// At least one of `DATABASE_URL`, `BETTER_AUTH_REDIS_URL` and `BETTER_AUTH_URL` must be set.
    /// A value that cannot be read is an error naming the variable.
    pub async fn from_env() -> Result<Self, ConfigError> {
        EnvSettings::from_env()?.authenticator().await
    }
}

impl EnvSettings {
    /// The authenticator these settings describe (see [`Authenticator::from_env`]). Connects to
    /// the databases now, so a wrong URL or schema is a startup error.
    pub async fn authenticator(&self) -> Result<Authenticator, ConfigError> {
        let config = self.auth_config()?;
        let mut builder = Authenticator::builder(config.clone());
        let (sessions, api_keys, organizations) = self.stores(&config).await?;
        if let Some(store) = sessions {
            builder = builder.session_store_arc(store);
        }
        if let Some(store) = api_keys {
            builder = builder.api_key_store_arc(store);
        }
        if let Some(store) = organizations {
            builder = builder.organization_store_arc(store);
        }
        #[cfg(feature = "jwks")]
        let verifier = match &config.base_url {
            Some(base_url) => Some(self.token_verifier(base_url)?),
            None => None,
        };
        #[cfg(feature = "cookie-cache")]
        if let Some(strategy) = &self.cookie_cache {
            let strategy = crate::cookie_cache::CookieCacheStrategy::from_name(strategy)
                .ok_or(ConfigError::InvalidCookieCache)?;
            let mut options = crate::cookie_cache::CookieCacheOptions::with_strategy(strategy);
            if let Some(version) = &self.cookie_cache_version {
                options.version.clone_from(version);
            }
            if let Some(seconds) = self.cookie_cache_max_age {
                options.max_age = chrono::Duration::seconds(seconds.into());
            }
            #[cfg(feature = "jwks")]
            if strategy == crate::cookie_cache::CookieCacheStrategy::Jwks {
                options.keys = Some(self.cookie_cache_keys(&config, verifier.as_ref())?);
            }
            builder = builder.cookie_cache(options);
        }
        let cache = match self.cache_ttl {
            Some(ttl) if ttl.is_zero() => None,
            Some(ttl) => Some(CacheOptions::with_ttl(ttl)),
            None if self.remote_sessions => {
                Some(CacheOptions::with_ttl(REMOTE_CACHE_TTL).negative_ttl(REMOTE_NEGATIVE_TTL))
            }
            None => None,
        };
        if let Some(mut options) = cache {
            if let Some(max) = self.cache_max_entries {
                options = options.max_entries(max);
            }
            builder = builder.cache(options);
        }
        builder = builder.lookup_batch(self.batch_options());
        #[cfg(feature = "jwks")]
        if let Some(verifier) = verifier {
            builder = builder.token_verifier(verifier);
        }
        builder.build()
    }

    /// The keys of the `jwks` cookie cache: the token verifier's (one key cache for both) when
    /// there is one, else their own from `BETTER_AUTH_JWKS_URL`; entries must carry the origin
    /// of `BETTER_AUTH_URL` as `iss` (Better Auth's `better-auth:session-cache` without it).
    #[cfg(all(feature = "cookie-cache", feature = "jwks"))]
    fn cookie_cache_keys(
        &self,
        config: &AuthConfig,
        verifier: Option<&crate::jwt::JwksVerifier>,
    ) -> Result<crate::cookie_cache::CookieCacheKeys, ConfigError> {
        use crate::{
            cookie_cache::CookieCacheKeys,
            jwt::{FetchOptions, KeyCacheOptions},
        };
        let issuer = CookieCacheKeys::issuer_for(config.base_url.as_ref());
        if let Some(verifier) = verifier {
            return Ok(CookieCacheKeys::sharing(verifier, issuer));
        }
        let url = self.jwks_url(config).ok_or(ConfigError::MissingEnv {
            name: env::URL,
            why: "the `jwks` cookie cache (BETTER_AUTH_COOKIE_CACHE) verifies entries with the \
                  keys of Better Auth's JWKS (or set BETTER_AUTH_JWKS_URL)",
        })?;
        CookieCacheKeys::from_url(
            url,
            FetchOptions::default(),
            KeyCacheOptions::default(),
            issuer,
        )
    }

    #[cfg(feature = "jwks")]
    fn token_verifier(&self, base_url: &url::Url) -> Result<crate::jwt::JwksVerifier, ConfigError> {
        use crate::jwt::{FetchOptions, JwksVerifier, KeyCacheOptions, VerifiedTokenCacheOptions};
        let mut verifier = JwksVerifier::for_better_auth(base_url)?;
        if let Some(url) = &self.jwks_url {
            verifier = JwksVerifier::from_url(
                url.clone(),
                FetchOptions::default(),
                KeyCacheOptions::default(),
                verifier.validation().clone(),
            )?;
        }
        if !self.jwt_cache {
            verifier = verifier.verified_token_cache(VerifiedTokenCacheOptions::disabled());
        }
        Ok(verifier)
    }

    /// Whether the sessions live in `DATABASE_URL`'s database: not in remote mode, and not with
    /// Redis secondary storage unless `BETTER_AUTH_STORE_SESSION_IN_DATABASE` (then the
    /// database may have no session table at all).
    pub fn sessions_in_database(&self) -> bool {
        !self.remote_sessions
            && self.database_url.is_some()
            && (self.redis_url.is_none() || self.store_session_in_database)
    }

    /// Remote mode's settings: the header the client's address goes in
    /// ([`CLIENT_ADDRESS_HEADER`](env::CLIENT_ADDRESS_HEADER)) and the
    /// budget of lookups that find nothing ([`MISS_BUDGET`](env::MISS_BUDGET)).
    #[cfg(feature = "remote")]
    pub fn remote_options(&self) -> crate::store::RemoteOptions {
        let mut options = crate::store::RemoteOptions::default();
        if let Some(header) = &self.client_address_header {
            options.client_address_header.clone_from(header);
        }
        if let Some(budget) = self.miss_budget {
            options.miss_budget = budget;
        }
        options
    }

    #[cfg(not(feature = "remote"))]
    fn remote_options(&self) {}

    /// How session lookups are batched: up to [`LOOKUP_BATCH`](env::LOOKUP_BATCH)
    /// tokens a query, as many queries in flight as the pool has connections
    /// ([`DB_POOL_SIZE`](env::DB_POOL_SIZE), 16 by default).
    pub fn batch_options(&self) -> BatchOptions {
        let mut options = BatchOptions::default();
        if let Some(max) = self.lookup_batch {
            options = options.max_tokens(max);
        }
        if let Some(size) = self.db_pool_size {
            options = options.max_in_flight(size as usize);
        }
        options
    }

    /// The SQL store options these settings give `DATABASE_URL`'s pool: the schema
    /// (`BETTER_AUTH_SCHEMA`), the pool size, and whether the session table is required.
    #[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
    pub fn sql_options(&self) -> crate::store::SqlOptions {
        let mut options = crate::store::SqlOptions::default();
        if let Some(schema) = &self.schema {
            options.schema = schema.clone();
        }
        if let Some(size) = self.db_pool_size {
            options = options.max_connections(size);
        }
        // Sessions may live elsewhere (Redis, remote): this pool is then asked for API keys
        // and memberships.
        options.sessions_required = self.sessions_in_database();
        options
    }

    /// The Redis store options these settings give (`BETTER_AUTH_REDIS_KEY_PREFIX`).
    #[cfg(feature = "redis")]
    pub fn redis_options(&self) -> crate::store::RedisOptions {
        let mut options = crate::store::RedisOptions::default();
        if let Some(prefix) = &self.redis_key_prefix {
            options.key_prefix.clone_from(prefix);
        }
        options
    }

    /// The JWKS URL the service fetches: `BETTER_AUTH_JWKS_URL`, else Better Auth's under the
    /// base URL (`{base}/api/auth/jwks`, or `{base}/jwks` when the base URL has a path);
    /// `None` without either.
    #[cfg(feature = "jwks")]
    pub fn jwks_url(&self, config: &AuthConfig) -> Option<url::Url> {
        if let Some(url) = &self.jwks_url {
            return Some(url.clone());
        }
        crate::config::auth_endpoint(config.base_url.as_ref()?, "/jwks").ok()
    }

    /// The session store and the API-key store, sharing one pool when both read `DATABASE_URL`.
    async fn stores(&self, config: &AuthConfig) -> Result<DatabaseStores, ConfigError> {
        if self.api_keys && self.database_url.is_none() {
            return Err(ConfigError::MissingDatabaseUrl);
        }
        // With Redis-only sessions the database may have no session table at all: not asked.
        let sessions_in_database = self.sessions_in_database();
        let (database_sessions, api_keys, organizations) = match &self.database_url {
            // Also when sessions live in Redis: memberships (organization plugin) are rows.
            Some(url) if !self.remote_sessions || self.api_keys => {
                self.database(url, sessions_in_database).await?
            }
            _ => (None, None, None),
        };
        let (sessions, organizations) = if self.remote_sessions {
            // Memberships from the database when it is connected (for API keys) and has the
            // organization plugin's tables, else asked of Better Auth as well.
            let (sessions, remote_organizations) = remote(config, self.remote_options())?;
            (Some(sessions), organizations.or(Some(remote_organizations)))
        } else if let Some(url) = &self.redis_url {
            (
                Some(self.redis(url, database_sessions).await?),
                organizations,
            )
        } else {
            (database_sessions, organizations)
        };
        Ok((sessions, api_keys, organizations))
    }

    /// One pool to `url`: the session store (when `sessions`), the API-key store (when API
    /// keys are on, and the database has their table) and the organization store (when the
    /// database has the organization plugin's tables).
    #[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
    async fn database(&self, url: &str, sessions: bool) -> Result<DatabaseStores, ConfigError> {
        let options = self.sql_options();
        let api_key_table = options.schema.table(crate::config::Model::ApiKey);
        let stores = crate::store::connect_stores(url, options).await?;
        let (store, api_keys) = (stores.sessions, stores.api_keys);
        let api_keys = match (self.api_keys, api_keys) {
            (false, _) => None,
            (true, Some(api_keys)) => Some(api_keys),
            (true, None) => {
                return Err(ConfigError::MissingTable {
                    table: api_key_table,
                });
            }
        };
        Ok((sessions.then_some(store), api_keys, stores.organizations))
    }

    #[cfg(not(any(feature = "postgres", feature = "sqlite", feature = "mysql")))]
    async fn database(&self, url: &str, _sessions: bool) -> Result<DatabaseStores, ConfigError> {
        let scheme = url.split(':').next().unwrap_or_default().to_owned();
        Err(ConfigError::UnsupportedDatabase { scheme })
    }

    #[cfg(feature = "redis")]
    async fn redis(
        &self,
        url: &str,
        database: Option<Arc<dyn SessionStore>>,
    ) -> Result<Arc<dyn SessionStore>, ConfigError> {
        let store = crate::store::RedisStore::connect(url, self.redis_options()).await?;
        Ok(Arc::new(match (self.store_session_in_database, database) {
            (true, Some(database)) if self.preserve_session_in_database => {
                store.with_preserved_sessions_in(database)
            }
            (true, Some(database)) => store.with_database_fallback(database),
            (true, None) => return Err(ConfigError::MissingDatabaseUrl),
            (false, _) => store,
        }))
    }

    #[cfg(not(feature = "redis"))]
    async fn redis(
        &self,
        _url: &str,
        _database: Option<Arc<dyn SessionStore>>,
    ) -> Result<Arc<dyn SessionStore>, ConfigError> {
        Err(ConfigError::MissingFeature {
            name: env::REDIS_URL,
            what: "Redis secondary storage",
            feature: "redis",
        })
    }
}

#[cfg(feature = "remote")]
fn remote(
    config: &AuthConfig,
    options: crate::store::RemoteOptions,
) -> Result<RemoteStores, ConfigError> {
    Ok((
        Arc::new(crate::store::RemoteSessionStore::new(
            config,
            options.clone(),
        )?),
        Arc::new(crate::store::RemoteOrganizationStore::new(config, options)?),
    ))
}

#[cfg(not(feature = "remote"))]
fn remote(_config: &AuthConfig, _options: ()) -> Result<RemoteStores, ConfigError> {
    Err(ConfigError::MissingFeature {
        name: env::REMOTE_SESSIONS,
        what: "remote sessions",
        feature: "remote",
    })
}

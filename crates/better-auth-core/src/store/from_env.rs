//! The session store the environment describes.

use std::sync::Arc;

use super::{ApiKeyStore, SessionStore};
use crate::config::{AuthConfig, ConfigError, env};

/// The stores the environment names.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct EnvStores {
    /// Where sessions are looked up.
    pub sessions: Option<Arc<dyn SessionStore>>,
    /// Where API keys are looked up (`BETTER_AUTH_API_KEYS=true`).
    pub api_keys: Option<Arc<dyn ApiKeyStore>>,
}

/// The stores for these variables (read through `var`); none when none is named.
///
/// Sessions:
///
/// - `BETTER_AUTH_REDIS_URL` (feature `redis`): Redis secondary storage, keys prefixed with
///   `BETTER_AUTH_REDIS_KEY_PREFIX` (default `better-auth:`); with
///   `BETTER_AUTH_STORE_SESSION_IN_DATABASE=true`, tokens missing from Redis are looked up in
///   `DATABASE_URL`;
/// - otherwise `DATABASE_URL` (features `postgres`, `sqlite`, `mysql`), with the table and
///   column names of `BETTER_AUTH_SCHEMA` (JSON) if set;
/// - or, with `BETTER_AUTH_REMOTE_SESSIONS=true` (feature `remote`), Better Auth's own
///   `get-session` at `BETTER_AUTH_URL`.
///
/// API keys, with `BETTER_AUTH_API_KEYS=true`: the `apikey` table of `DATABASE_URL`.
pub async fn from_env(
    config: &AuthConfig,
    var: &impl Fn(&str) -> Option<String>,
) -> Result<EnvStores, ConfigError> {
    let api_keys = if var(env::API_KEYS).is_some_and(|value| value.trim() == "true") {
        let url = var(env::DATABASE_URL).ok_or(ConfigError::MissingDatabaseUrl)?;
        Some(api_key_store(&url, var).await?)
    } else {
        None
    };
    let sessions = sessions(config, var).await?;
    Ok(EnvStores { sessions, api_keys })
}

async fn sessions(
    config: &AuthConfig,
    var: &impl Fn(&str) -> Option<String>,
) -> Result<Option<Arc<dyn SessionStore>>, ConfigError> {
    if var(env::REMOTE_SESSIONS).is_some_and(|value| value.trim() == "true") {
        return remote(config).map(Some);
    }
    let redis_url = var(env::REDIS_URL);
    let fallback = var(env::STORE_SESSION_IN_DATABASE).is_some_and(|value| value.trim() == "true");
    // With Redis-only sessions the database may have no session table at all: not asked.
    let database = match var(env::DATABASE_URL) {
        Some(url) if redis_url.is_none() || fallback => Some(database(&url, var).await?),
        _ => None,
    };
    match redis_url {
        Some(url) => redis(&url, var, fallback, database).await.map(Some),
        None => Ok(database),
    }
}

#[cfg(feature = "redis")]
async fn redis(
    url: &str,
    var: &impl Fn(&str) -> Option<String>,
    fallback: bool,
    database: Option<Arc<dyn SessionStore>>,
) -> Result<Arc<dyn SessionStore>, ConfigError> {
    let mut options = super::RedisOptions::default();
    if let Some(prefix) = var(env::REDIS_KEY_PREFIX) {
        options.key_prefix = prefix;
    }
    let store = super::RedisStore::connect(url, options).await?;
    Ok(Arc::new(match (fallback, database) {
        (true, Some(database)) => store.with_database_fallback(database),
        (true, None) => return Err(ConfigError::MissingDatabaseUrl),
        (false, _) => store,
    }))
}

#[cfg(not(feature = "redis"))]
async fn redis(
    _url: &str,
    _var: &impl Fn(&str) -> Option<String>,
    _fallback: bool,
    _database: Option<Arc<dyn SessionStore>>,
) -> Result<Arc<dyn SessionStore>, ConfigError> {
    Err(ConfigError::UnsupportedDatabase {
        scheme: "redis (enable the `redis` feature)".to_owned(),
    })
}

#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
async fn database(
    url: &str,
    var: &impl Fn(&str) -> Option<String>,
) -> Result<Arc<dyn SessionStore>, ConfigError> {
    let mut options = super::SqlOptions::default();
    if let Some(json) = var(env::SCHEMA) {
        options.schema = super::Schema::from_json(&json)?;
    }
    if let Some(size) = var(env::DB_POOL_SIZE).and_then(|size| size.trim().parse::<u32>().ok()) {
        options = options.max_connections(size);
    }
    super::connect(url, options).await
}

#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
async fn api_key_store(
    url: &str,
    var: &impl Fn(&str) -> Option<String>,
) -> Result<Arc<dyn ApiKeyStore>, ConfigError> {
    let mut options = super::SqlOptions::default();
    if let Some(json) = var(env::SCHEMA) {
        options.schema = super::Schema::from_json(&json)?;
    }
    let table = options.schema.table(super::Model::ApiKey);
    // Sessions may live elsewhere (Redis): this store is asked for API keys.
    options.sessions_required = false;
    let (_, api_keys) = super::connect_with_api_keys(url, options).await?;
    api_keys.ok_or(ConfigError::MissingTable { table })
}

#[cfg(not(any(feature = "postgres", feature = "sqlite", feature = "mysql")))]
async fn api_key_store(
    url: &str,
    _var: &impl Fn(&str) -> Option<String>,
) -> Result<Arc<dyn ApiKeyStore>, ConfigError> {
    let scheme = url.split(':').next().unwrap_or_default().to_owned();
    Err(ConfigError::UnsupportedDatabase { scheme })
}

#[cfg(not(any(feature = "postgres", feature = "sqlite", feature = "mysql")))]
async fn database(
    url: &str,
    _var: &impl Fn(&str) -> Option<String>,
) -> Result<Arc<dyn SessionStore>, ConfigError> {
    let scheme = url.split(':').next().unwrap_or_default().to_owned();
    Err(ConfigError::UnsupportedDatabase { scheme })
}

#[cfg(feature = "remote")]
fn remote(config: &AuthConfig) -> Result<Arc<dyn SessionStore>, ConfigError> {
    Ok(Arc::new(super::RemoteSessionStore::new(
        config,
        super::RemoteOptions::default(),
    )?))
}

#[cfg(not(feature = "remote"))]
fn remote(_config: &AuthConfig) -> Result<Arc<dyn SessionStore>, ConfigError> {
    Err(ConfigError::UnsupportedDatabase {
        scheme: "remote sessions (enable the `remote` feature)".to_owned(),
    })
}

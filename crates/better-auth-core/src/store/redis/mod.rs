//! Sessions in Better Auth's secondary storage on Redis (`secondaryStorage`, e.g.
//! `@better-auth/redis-storage`): key = key prefix + the session token, value = Better Auth's
//! `{"session": {...}, "user": {...}}` JSON, expiring with the session.
//!
//! Like Better Auth, a session created before the user's `revoked-sessions-before-{userId}`
//! mark counts as revoked. With `storeSessionInDatabase`, a token missing from Redis is looked
//! up in the database ([`RedisStore::with_database_fallback`]).

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use redis::{AsyncCommands, Client, aio::ConnectionManager, aio::ConnectionManagerConfig};
use serde::Deserialize;

use super::SessionStore;
use crate::session_refresh::{Extended, Extension};
use crate::{
    config::ConfigError,
    error::BackendError,
    model::{Session, SessionRecord, User},
};

mod refresh;

const BACKEND: &str = "redis";

/// Settings of a [`RedisStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisOptions {
    /// The key prefix: `better-auth:` with `@better-auth/redis-storage` (the default here), or
    /// whatever a custom `secondaryStorage` prepends (often nothing).
    pub key_prefix: String,
    /// How long one lookup may take before it gets a 503 (default 2 s).
    pub timeout: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            key_prefix: "better-auth:".to_owned(),
            timeout: Duration::from_secs(2),
        }
    }
}

impl RedisOptions {
    /// Options with this key prefix.
    pub fn with_prefix(key_prefix: impl Into<String>) -> Self {
        Self {
            key_prefix: key_prefix.into(),
            ..Self::default()
        }
    }
}

/// What Better Auth stores under a session token.
#[derive(Deserialize)]
struct Stored {
    session: Session,
    user: User,
}

/// The outcome of a Redis lookup.
enum Lookup {
    Found(SessionRecord),
    Missing,
    /// Present but revoked (created before the user's revocation mark): no fallback.
    Revoked,
}

/// Sessions in Redis secondary storage.
///
/// ```no_run
/// # async fn demo() -> Result<(), better_auth_core::ConfigError> {
/// use better_auth_core::store::{RedisOptions, RedisStore};
///
/// let store = RedisStore::connect("redis://127.0.0.1:6379", RedisOptions::default()).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    options: RedisOptions,
    database: Option<Arc<dyn SessionStore>>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("options", &self.options)
            .field("database", &self.database)
            .finish()
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://host:port/db`) with a managed connection that reconnects by
    /// itself; fails now if Redis cannot be reached.
    pub async fn connect(url: &str, options: RedisOptions) -> Result<Self, ConfigError> {
        let fail = |error: redis::RedisError| ConfigError::Connect {
            backend: BACKEND,
            source: error.into(),
        };
        let client = Client::open(url).map_err(fail)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.timeout))
            .set_response_timeout(Some(options.timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let connect = ConnectionManager::new_with_config(client, config);
        let connection = match tokio::time::timeout(options.timeout, connect).await {
            Ok(connection) => connection.map_err(fail)?,
            Err(_) => {
                return Err(ConfigError::Connect {
                    backend: BACKEND,
                    source: format!("no answer within {} ms", options.timeout.as_millis()).into(),
                });
            }
        };
        Ok(Self {
            connection,
            options,
            database: None,
        })
    }

    /// Looks a token missing from Redis up in `database` too, as Better Auth does with
    /// `session.storeSessionInDatabase: true`. A session Redis holds but marks revoked is not
    /// looked for there.
    pub fn with_database_fallback(mut self, database: Arc<dyn SessionStore>) -> Self {
        self.database = Some(database);
        self
    }

    async fn get(&self, key: String) -> Result<Option<String>, BackendError> {
        let mut connection = self.connection.clone();
        match tokio::time::timeout(
            self.options.timeout,
            connection.get::<_, Option<String>>(key),
        )
        .await
        {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) if error.is_timeout() => {
                Err(BackendError::timeout(BACKEND, self.options.timeout))
            }
            Ok(Err(error)) => Err(BackendError::unavailable(BACKEND, error)),
            Err(_) => Err(BackendError::timeout(BACKEND, self.options.timeout)),
        }
    }

    async fn lookup(&self, token: &str) -> Result<Lookup, BackendError> {
        let prefix = &self.options.key_prefix;
        let Some(value) = self.get(format!("{prefix}{token}")).await? else {
            return Ok(Lookup::Missing);
        };
        let stored: Stored = serde_json::from_str(&value).map_err(|error| {
            BackendError::invalid_data(
                BACKEND,
                format!("the value of a session key is not Better Auth's JSON: {error}"),
            )
        })?;
        let mark = self
            .get(format!(
                "{prefix}revoked-sessions-before-{}",
                stored.session.user_id
            ))
            .await?;
        let revoked_before = mark.and_then(|mark| mark.trim().parse::<f64>().ok());
        if revoked_before
            .is_some_and(|before| (stored.session.created_at.timestamp_millis() as f64) < before)
        {
            return Ok(Lookup::Revoked);
        }
        Ok(Lookup::Found(SessionRecord::new(
            stored.session,
            stored.user,
        )))
    }
}

#[async_trait]
impl SessionStore for RedisStore {
    async fn find_session(&self, token: &str) -> Result<Option<SessionRecord>, BackendError> {
        match self.lookup(token).await? {
            Lookup::Found(record) => Ok(Some(record)),
            Lookup::Revoked => Ok(None),
            Lookup::Missing => match &self.database {
                Some(database) => database.find_session(token).await,
                None => Ok(None),
            },
        }
    }

    /// Refreshes the session where Better Auth keeps it: the session key's value and TTL and
    /// the user's `active-sessions` list (see `refresh.rs`), and the database too when
    /// sessions are also stored there.
    async fn extend_session(
        &self,
        token: &str,
        extension: &Extension,
    ) -> Result<Extended, BackendError> {
        let in_redis = self.extend_in_redis(token, extension).await?;
        let in_database = match &self.database {
            Some(database) => database.extend_session(token, extension).await?,
            None => Extended::Unsupported,
        };
        Ok(
            if in_redis == Extended::Written || in_database == Extended::Written {
                Extended::Written
            } else {
                Extended::NotDue
            },
        )
    }

    async fn check_health(&self) -> Result<(), BackendError> {
        let mut connection = self.connection.clone();
        let command = redis::cmd("PING");
        let ping = command.query_async::<String>(&mut connection);
        match tokio::time::timeout(self.options.timeout, ping).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => return Err(BackendError::unavailable(BACKEND, error)),
            Err(_) => return Err(BackendError::timeout(BACKEND, self.options.timeout)),
        }
        match &self.database {
            Some(database) => database.check_health().await,
            None => Ok(()),
        }
    }

    fn backend(&self) -> &'static str {
        BACKEND
    }
}

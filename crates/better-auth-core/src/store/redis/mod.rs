//! Sessions in Better Auth's secondary storage on Redis (`secondaryStorage`, e.g.
//! `@better-auth/redis-storage`): key = key prefix + the session token, value = Better Auth's
//! `{"session": {...}, "user": {...}}` JSON, expiring with the session.
//!
//! Like Better Auth, a session created before the user's `revoked-sessions-before-{userId}`
//! mark counts as revoked. With `storeSessionInDatabase`, a token missing from Redis is looked
//! up in the database ([`RedisStore::with_database_fallback`]).

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use redis::{Client, aio::ConnectionManager, aio::ConnectionManagerConfig};
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

    /// Runs `command` within the timeout.
    async fn run<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> Result<T, BackendError> {
        let mut connection = self.connection.clone();
        match tokio::time::timeout(
            self.options.timeout,
            command.query_async::<T>(&mut connection),
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

    async fn get(&self, key: String) -> Result<Option<String>, BackendError> {
        self.run(redis::cmd("GET").arg(key)).await
    }

    /// The values of `keys`, in order, in one `MGET` (none asked for no keys).
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, BackendError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let values: Vec<Option<String>> = self.run(redis::cmd("MGET").arg(keys)).await?;
        if values.len() != keys.len() {
            return Err(BackendError::invalid_data(
                BACKEND,
                format!(
                    "MGET of {} keys answered {} values",
                    keys.len(),
                    values.len()
                ),
            ));
        }
        Ok(values)
    }

    fn session_key(&self, token: &str) -> String {
        format!("{}{token}", self.options.key_prefix)
    }

    fn revocation_key(&self, user_id: &str) -> String {
        format!(
            "{}revoked-sessions-before-{user_id}",
            self.options.key_prefix
        )
    }

    async fn lookup(&self, token: &str) -> Result<Lookup, BackendError> {
        let Some(value) = self.get(self.session_key(token)).await? else {
            return Ok(Lookup::Missing);
        };
        let stored = Stored::parse(&value)?;
        let mark = self
            .get(self.revocation_key(&stored.session.user_id))
            .await?;
        Ok(stored.check(mark.as_deref()))
    }

    /// [`lookup`](Self::lookup) for several tokens, in order: one `MGET` for the session keys,
    /// then one for the revocation marks of their users.
    async fn lookup_many(&self, tokens: &[&str]) -> Result<Vec<Lookup>, BackendError> {
        let keys: Vec<String> = tokens.iter().map(|token| self.session_key(token)).collect();
        let stored = self
            .get_many(&keys)
            .await?
            .iter()
            .map(|value| value.as_deref().map(Stored::parse).transpose())
            .collect::<Result<Vec<_>, _>>()?;
        let mut users: Vec<String> = stored
            .iter()
            .flatten()
            .map(|stored| stored.session.user_id.clone())
            .collect();
        users.sort_unstable();
        users.dedup();
        let mark_keys: Vec<String> = users.iter().map(|user| self.revocation_key(user)).collect();
        let marks = self.get_many(&mark_keys).await?;
        Ok(stored
            .into_iter()
            .map(|stored| match stored {
                None => Lookup::Missing,
                Some(stored) => {
                    let mark = users
                        .binary_search(&stored.session.user_id)
                        .ok()
                        .and_then(|index| marks.get(index)?.as_deref());
                    stored.check(mark)
                }
            })
            .collect())
    }
}

impl Stored {
    /// Reads Better Auth's JSON.
    fn parse(value: &str) -> Result<Self, BackendError> {
        serde_json::from_str(value).map_err(|error| {
            BackendError::invalid_data(
                BACKEND,
                format!("the value of a session key is not Better Auth's JSON: {error}"),
            )
        })
    }

    /// Found, or revoked when created before the user's revocation `mark` (milliseconds).
    fn check(self, mark: Option<&str>) -> Lookup {
        let revoked_before = mark.and_then(|mark| mark.trim().parse::<f64>().ok());
        if revoked_before
            .is_some_and(|before| (self.session.created_at.timestamp_millis() as f64) < before)
        {
            return Lookup::Revoked;
        }
        Lookup::Found(SessionRecord::new(self.session, self.user))
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

    /// One `MGET` for the session keys, one for their users' revocation marks, then (with a
    /// database fallback) one batch there for the tokens missing from Redis.
    async fn find_sessions(
        &self,
        tokens: &[&str],
    ) -> Result<Vec<Option<SessionRecord>>, BackendError> {
        let lookups = self.lookup_many(tokens).await?;
        let missing: Vec<&str> = tokens
            .iter()
            .zip(&lookups)
            .filter(|(_, lookup)| matches!(lookup, Lookup::Missing))
            .map(|(&token, _)| token)
            .collect();
        let mut fallback = match &self.database {
            Some(database) if !missing.is_empty() => {
                database.find_sessions(&missing).await?.into_iter()
            }
            _ => Vec::new().into_iter(),
        };
        Ok(lookups
            .into_iter()
            .map(|lookup| match lookup {
                Lookup::Found(record) => Some(record),
                Lookup::Revoked => None,
                Lookup::Missing => fallback.next().flatten(),
            })
            .collect())
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

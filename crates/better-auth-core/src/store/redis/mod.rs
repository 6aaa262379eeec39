//! Sessions in Better Auth's secondary storage on Redis (`secondaryStorage`, e.g.
//! `@better-auth/redis-storage`): key = key prefix + the session token, value = Better Auth's
//! `{"session": {...}, "user": {...}}` JSON, expiring with the session.
//!
//! Like Better Auth, a session created before the user's `revoked-sessions-before-{userId}`
//! mark counts as revoked. With `storeSessionInDatabase`, a token missing from Redis is looked
//! up in the database ([`RedisStore::with_database_fallback`]); with
//! `preserveSessionInDatabase` too, never ([`RedisStore::with_preserved_sessions_in`]).

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use redis::{Client, aio::ConnectionManager, aio::ConnectionManagerConfig};
use serde::Deserialize;

use super::{SessionAnswer, SessionQuery, SessionStore};
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
    /// Present but not a session (not Better Auth's JSON): no session, no fallback.
    NotASession,
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
    /// The database sessions are also stored in, and how Better Auth uses it.
    database: Option<(Arc<dyn SessionStore>, DatabaseRole)>,
}

/// How Better Auth uses the database beside Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DatabaseRole {
    /// `storeSessionInDatabase`: read when Redis misses, written on refresh.
    Fallback,
    /// `storeSessionInDatabase` + `preserveSessionInDatabase`: never read, written on refresh
    /// of a session Redis holds.
    Preserved,
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

    /// Sessions are also stored in `database` (`session.storeSessionInDatabase: true`): as
    /// Better Auth does then, a token missing from Redis is looked up there, and a refresh is
    /// written there too. A session Redis holds but marks revoked is not looked for there.
    pub fn with_database_fallback(mut self, database: Arc<dyn SessionStore>) -> Self {
        self.database = Some((database, DatabaseRole::Fallback));
        self
    }

    /// Sessions are also stored in `database` and kept there after they end
    /// (`storeSessionInDatabase` with `preserveSessionInDatabase: true`): as Better Auth does
    /// then, sessions are read from Redis only (a missing key is a session that ended, whatever
    /// its row says), and a refresh of a session Redis holds is written to its row too.
    pub fn with_preserved_sessions_in(mut self, database: Arc<dyn SessionStore>) -> Self {
        self.database = Some((database, DatabaseRole::Preserved));
        self
    }

    /// The database to look a token missing from Redis up in, if Better Auth would.
    fn fallback(&self) -> Option<&Arc<dyn SessionStore>> {
        match &self.database {
            Some((database, DatabaseRole::Fallback)) => Some(database),
            _ => None,
        }
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
        let Some(stored) = Stored::parse(&value) else {
            return Ok(Lookup::NotASession);
        };
        let mark = self
            .get(self.revocation_key(&stored.session.user_id))
            .await?;
        Ok(stored.check(mark.as_deref()))
    }

    /// [`lookup`](Self::lookup) for several tokens, in order: one `MGET` for the session keys,
    /// then one for the revocation marks of their users. A value that is not a session is
    /// that token's answer alone.
    async fn lookup_many(&self, tokens: &[&str]) -> Result<Vec<Lookup>, BackendError> {
        let keys: Vec<String> = tokens.iter().map(|token| self.session_key(token)).collect();
        let stored: Vec<Option<Option<Stored>>> = self
            .get_many(&keys)
            .await?
            .iter()
            .map(|value| value.as_deref().map(Stored::parse))
            .collect();
        let mut users: Vec<String> = stored
            .iter()
            .flatten()
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
                Some(None) => Lookup::NotASession,
                Some(Some(stored)) => {
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
    /// Reads Better Auth's JSON; `None` (logged) for a value that is not a session. Better
    /// Auth itself answers no session for a value that is not JSON (and fails that request
    /// for JSON that is not a session): either way, that token's answer, nobody else's.
    fn parse(value: &str) -> Option<Self> {
        match serde_json::from_str(value) {
            Ok(stored) => Some(stored),
            Err(error) => {
                tracing::warn!(target: "better_auth", backend = BACKEND, error = %crate::error::LogSafe(&error), "the value of a session key is not a Better Auth session; answered as no session");
                None
            }
        }
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
            Lookup::Revoked | Lookup::NotASession => Ok(None),
            Lookup::Missing => match self.fallback() {
                Some(database) => database.find_session(token).await,
                None => Ok(None),
            },
        }
    }

    /// One `MGET` for the session keys, one for their users' revocation marks, then (with a
    /// database fallback) one batch there for the tokens missing from Redis. Redis failing is
    /// every token's error; anything else is one token's answer.
    async fn find_sessions(&self, queries: &[SessionQuery<'_>]) -> Vec<SessionAnswer> {
        if queries.is_empty() {
            return Vec::new();
        }
        let tokens: Vec<&str> = queries.iter().map(|query| query.token).collect();
        let lookups = match self.lookup_many(&tokens).await {
            Ok(lookups) => lookups,
            Err(error) => return tokens.iter().map(|_| Err(error.detached_copy())).collect(),
        };
        let missing: Vec<SessionQuery<'_>> = queries
            .iter()
            .zip(&lookups)
            .filter(|(_, lookup)| matches!(lookup, Lookup::Missing))
            .map(|(query, _)| *query)
            .collect();
        let mut fallback = match self.fallback() {
            Some(database) if !missing.is_empty() => database.find_sessions(&missing).await,
            _ => Vec::new(),
        }
        .into_iter();
        lookups
            .into_iter()
            .map(|lookup| match lookup {
                Lookup::Found(record) => Ok(Some(record)),
                Lookup::Revoked | Lookup::NotASession => Ok(None),
                Lookup::Missing => fallback.next().unwrap_or(Ok(None)),
            })
            .collect()
    }

    /// Refreshes the session where Better Auth keeps it (its `updateSession`): first the
    /// session key's value and TTL and the user's `active-sessions` list (see `refresh.rs`),
    /// then the database when sessions are stored there too. With
    /// `preserveSessionInDatabase`, a session missing from Redis is over for Better Auth
    /// (signed out: its row only kept, with `expiresAt` set to the sign-out time): its row is
    /// never written. With `storeSessionInDatabase` alone, Better Auth reads and refreshes
    /// the row when the key is missing, and so does this store. Either way the database's
    /// write is guarded: a row whose `expiresAt` has passed is never extended.
    async fn extend_session(
        &self,
        token: &str,
        extension: &Extension,
    ) -> Result<Extended, BackendError> {
        let in_redis = self.extend_in_redis(token, extension).await?;
        let in_database = match &self.database {
            Some((database, DatabaseRole::Fallback)) => {
                database.extend_session(token, extension).await?
            }
            Some((database, DatabaseRole::Preserved)) if in_redis == Extended::Written => {
                database.extend_session(token, extension).await?
            }
            _ => Extended::Unsupported,
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
            Some((database, _)) => database.check_health().await,
            None => Ok(()),
        }
    }

    fn backend(&self) -> &'static str {
        BACKEND
    }
}

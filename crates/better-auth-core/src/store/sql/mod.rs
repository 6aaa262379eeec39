//! What the SQL stores (Postgres, SQLite, MySQL) share: options, the query plan built from the
//! live table layout, the store itself over a [`Dialect`], and turning a row into a
//! [`SessionRecord`](crate::SessionRecord).

use std::{future::Future, time::Duration};

use crate::{config::Schema, error::BackendError};

mod dialect;
mod membership;
mod plan;
mod record;
mod store;
mod usage;

pub(crate) use dialect::{BATCH_WIDTHS, Dialect, SqlDatabase, can_hold, column_infos, iso_millis};
pub(crate) use plan::{ColumnInfo, Plan, Target};
pub(crate) use record::{Cell, RecordBuilder};
pub(crate) use store::{SqlStore, delegate_to_sql_store};
pub(crate) use usage::{UsageDialect, UsagePlan};

/// Settings of a SQL session store.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SqlOptions {
    /// Table and column names.
    pub schema: Schema,
    /// The most connections the pool opens (default 16).
    pub max_connections: u32,
    /// How long a request waits for a free connection before it gets a 503 (default 2 s).
    pub acquire_timeout: Duration,
    /// How long one lookup may take before it gets a 503 (default 2 s).
    pub query_timeout: Duration,
    /// Whether a missing session table is a startup error (default). Off for a store used for
    /// API keys only, next to sessions that live in Redis.
    pub sessions_required: bool,
}

impl Default for SqlOptions {
    fn default() -> Self {
        Self {
            schema: Schema::default(),
            max_connections: 16,
            acquire_timeout: Duration::from_secs(2),
            query_timeout: Duration::from_secs(2),
            sessions_required: true,
        }
    }
}

impl SqlOptions {
    /// Options with this schema and default limits.
    pub fn with_schema(schema: Schema) -> Self {
        Self {
            schema,
            ..Self::default()
        }
    }

    /// Sets the pool size.
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Sets the connection wait limit.
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Sets the per-lookup limit.
    pub fn query_timeout(mut self, timeout: Duration) -> Self {
        self.query_timeout = timeout;
        self
    }
}

/// Runs the query `attempt` makes, with a deadline over the whole (pool wait included); a
/// timeout or a sqlx error becomes a [`BackendError`].
///
/// Pools do not ping a connection before lending it (a round trip per request saved), so a
/// connection the server or a firewall closed while idle is only found out by the query: an
/// I/O error gets one more attempt, on another connection, within the same deadline. The
/// lookups are reads, so trying again is safe.
pub(crate) async fn with_deadline<T, F>(
    backend: &'static str,
    timeout: Duration,
    attempt: impl Fn() -> F,
) -> Result<T, BackendError>
where
    F: Future<Output = Result<T, sqlx::Error>>,
{
    let tries = async {
        match attempt().await {
            Err(error) if connection_lost(&error) => {
                tracing::debug!(backend, error = %crate::error::LogSafe(&error), "connection lost; trying another one");
                attempt().await
            }
            other => other,
        }
    };
    match tokio::time::timeout(timeout, tries).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(sqlx::Error::PoolTimedOut)) => Err(BackendError::timeout(backend, timeout)),
        Ok(Err(error)) => Err(BackendError::unavailable(backend, error)),
        Err(_) => Err(BackendError::timeout(backend, timeout)),
    }
}

/// Whether `error` says the connection is gone (so another one may work), rather than that the
/// query or the database is wrong: an I/O or protocol error, or a server message of SQLSTATE
/// class `08` (connection exception), `57P01`-`57P03` (PostgreSQL shutting down or restarting)
/// or `70100` (MariaDB/MySQL: connection killed).
pub(super) fn connection_lost(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(database) => database.code().is_some_and(|code| {
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "70100")
        }),
        _ => false,
    }
}

/// Quotes an identifier with double quotes (Postgres, SQLite), doubling embedded quotes.
#[cfg(any(feature = "postgres", feature = "sqlite"))]
pub(crate) fn quote_double(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

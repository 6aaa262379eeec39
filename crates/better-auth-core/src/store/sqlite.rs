//! The SQLite session store (sqlx, bundled SQLite), for the layout Better Auth's migrations
//! create: dates as ISO-8601 text in `date` columns, booleans as integers 0/1.

use std::{str::FromStr, sync::Arc, time::Duration};

use async_trait::async_trait;
use sqlx::{
    AssertSqlSafe, Row, TypeInfo, ValueRef,
    sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteRow},
};

use super::{
    ApiKeyStore, SessionStore,
    sql::{Cell, ColumnInfo, Plan, RecordBuilder, SqlOptions, Target, quote_double, with_deadline},
};
use crate::{
    config::ConfigError,
    error::BackendError,
    model::{ApiKeyRecord, SessionRecord},
    store::Model,
};

const BACKEND: &str = "sqlite";

/// Sessions in a SQLite file: one prepared query joining `session` to `user` by token.
///
/// ```no_run
/// # async fn demo() -> Result<(), better_auth_core::ConfigError> {
/// use better_auth_core::store::{SqliteStore, SqlOptions};
///
/// let store = SqliteStore::connect("sqlite://auth.db", SqlOptions::default()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    sessions: Option<Query>,
    api_keys: Option<Query>,
    query_timeout: Duration,
}

/// A planned lookup: its SQL and what each column fills.
#[derive(Debug, Clone)]
struct Query {
    sql: Arc<str>,
    targets: Arc<[Target]>,
}

impl Query {
    fn new(plan: &Plan) -> Self {
        let sql = plan.select_sql(quote_double, |_, qualified| qualified.to_owned(), "?1");
        let targets = plan
            .columns
            .iter()
            .map(|column| column.target.clone())
            .collect();
        Self {
            sql: sql.into(),
            targets,
        }
    }

    /// Runs the lookup for `value`; the row's cells, collected.
    async fn fetch(
        &self,
        pool: &SqlitePool,
        value: &str,
        timeout: Duration,
    ) -> Result<Option<RecordBuilder>, BackendError> {
        let query = || {
            sqlx::query(AssertSqlSafe(self.sql.clone()))
                .bind(value)
                .fetch_optional(pool)
        };
        let Some(row) = with_deadline(BACKEND, timeout, query).await? else {
            return Ok(None);
        };
        let mut builder = RecordBuilder::default();
        for (index, target) in self.targets.iter().enumerate() {
            let cell = decode_cell(&row, index).map_err(|error| {
                BackendError::invalid_data(BACKEND, format!("{target:?}: {error}"))
            })?;
            builder
                .set(target, cell)
                .map_err(|detail| BackendError::invalid_data(BACKEND, detail))?;
        }
        Ok(Some(builder))
    }
}

impl SqliteStore {
    /// Opens the database at `url` (`sqlite://path`; the file must exist) and plans the lookup
    /// from its tables. Fails with a clear error if a table or column is missing.
    pub async fn connect(url: &str, options: SqlOptions) -> Result<Self, ConfigError> {
        let connect =
            SqliteConnectOptions::from_str(url).map_err(|error| ConfigError::Connect {
                backend: BACKEND,
                source: error.into(),
            })?;
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            // No ping before each lookup: a dead connection is retried (see `with_deadline`).
            .test_before_acquire(false)
            .connect_with(connect)
            .await
            .map_err(|error| ConfigError::Connect {
                backend: BACKEND,
                source: error.into(),
            })?;
        Self::from_pool(pool, options).await
    }

    /// Uses an existing pool.
    pub async fn from_pool(pool: SqlitePool, options: SqlOptions) -> Result<Self, ConfigError> {
        let schema = &options.schema;
        let session_columns = columns_of(&pool, &schema.table(Model::Session)).await?;
        let user_columns = columns_of(&pool, &schema.table(Model::User)).await?;
        let sessions = match Plan::new(schema, session_columns, user_columns.clone()) {
            Ok(plan) => Some(Query::new(&plan)),
            Err(_) if !options.sessions_required => None,
            Err(error) => return Err(error),
        };
        // API keys (plugin `@better-auth/api-key`) when the database has their table.
        let api_key_columns = columns_of(&pool, &schema.table(Model::ApiKey)).await?;
        let api_keys = if api_key_columns.is_empty() {
            None
        } else {
            Some(Query::new(&Plan::api_keys(
                schema,
                api_key_columns,
                user_columns,
            )?))
        };
        Ok(Self {
            pool,
            sessions,
            api_keys,
            query_timeout: options.query_timeout,
        })
    }

    /// The connection pool.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The session lookup query (for logs and `EXPLAIN`).
    pub fn lookup_sql(&self) -> &str {
        self.sessions.as_ref().map_or("", |query| &query.sql)
    }

    /// Whether the database has the API key plugin's table.
    pub fn supports_api_keys(&self) -> bool {
        self.api_keys.is_some()
    }
}

/// SQLite is dynamically typed: each value is decoded by the type it actually holds.
fn decode_cell(row: &SqliteRow, index: usize) -> Result<Cell, sqlx::Error> {
    let raw = row.try_get_raw(index)?;
    if raw.is_null() {
        return Ok(Cell::Null);
    }
    let storage = raw.type_info().name().to_owned();
    Ok(match storage.as_str() {
        "INTEGER" => Cell::Int(row.try_get_unchecked::<i64, _>(index)?),
        "REAL" => Cell::Float(row.try_get_unchecked::<f64, _>(index)?),
        "BLOB" => {
            let bytes = row.try_get_unchecked::<Vec<u8>, _>(index)?;
            Cell::Text(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => Cell::Text(row.try_get_unchecked::<String, _>(index)?),
    })
}

/// The columns of `table`; empty if there is no such table.
async fn columns_of(pool: &SqlitePool, table: &str) -> Result<Vec<ColumnInfo>, ConfigError> {
    let rows = sqlx::query("SELECT name, type FROM pragma_table_info(?1) ORDER BY cid")
        .bind(table)
        .fetch_all(pool)
        .await
        .map_err(|error| ConfigError::Connect {
            backend: BACKEND,
            source: error.into(),
        })?;
    rows.iter()
        .map(|row| {
            Ok(ColumnInfo {
                name: row.try_get(0)?,
                data_type: row.try_get::<String, _>(1)?.to_lowercase(),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(|error| ConfigError::Connect {
            backend: BACKEND,
            source: error.into(),
        })
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn find_session(&self, token: &str) -> Result<Option<SessionRecord>, BackendError> {
        let Some(sessions) = &self.sessions else {
            return Err(BackendError::invalid_data(
                BACKEND,
                "the database has no session table",
            ));
        };
        let Some(builder) = sessions
            .fetch(&self.pool, token, self.query_timeout)
            .await?
        else {
            return Ok(None);
        };
        builder
            .finish()
            .map(Some)
            .map_err(|detail| BackendError::invalid_data(BACKEND, detail))
    }

    async fn check_health(&self) -> Result<(), BackendError> {
        let ping = || sqlx::query("SELECT 1").execute(&self.pool);
        with_deadline(BACKEND, self.query_timeout, ping)
            .await
            .map(|_| ())
    }

    fn backend(&self) -> &'static str {
        BACKEND
    }
}

#[async_trait]
impl ApiKeyStore for SqliteStore {
    async fn find_api_key(&self, hashed_key: &str) -> Result<Option<ApiKeyRecord>, BackendError> {
        let Some(query) = &self.api_keys else {
            return Err(BackendError::invalid_data(
                BACKEND,
                "the database has no apikey table",
            ));
        };
        let Some(builder) = query
            .fetch(&self.pool, hashed_key, self.query_timeout)
            .await?
        else {
            return Ok(None);
        };
        builder
            .finish_api_key()
            .map(Some)
            .map_err(|detail| BackendError::invalid_data(BACKEND, detail))
    }
}

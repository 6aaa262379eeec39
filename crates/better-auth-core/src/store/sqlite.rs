//! The SQLite session store (sqlx, bundled SQLite), for the layout Better Auth's migrations
//! create: dates as ISO-8601 text in `date` columns, booleans as integers 0/1.

use std::{str::FromStr, sync::Arc, time::Duration};

use async_trait::async_trait;
use sqlx::{
    AssertSqlSafe, Row, TypeInfo, ValueRef,
    sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteRow},
};

use super::{
    SessionStore,
    sql::{Cell, ColumnInfo, Plan, RecordBuilder, SqlOptions, Target, quote_double, with_deadline},
};
use crate::{config::ConfigError, error::BackendError, model::SessionRecord, store::Model};

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
    sql: Arc<str>,
    targets: Arc<[Target]>,
    query_timeout: Duration,
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
        let plan = Plan::new(schema, session_columns, user_columns)?;
        let sql = plan.select_sql(quote_double, |_, qualified| qualified.to_owned(), "?1");
        let targets = plan
            .columns
            .into_iter()
            .map(|column| column.target)
            .collect();
        Ok(Self {
            pool,
            sql: sql.into(),
            targets,
            query_timeout: options.query_timeout,
        })
    }

    /// The connection pool.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The lookup query.
    pub fn lookup_sql(&self) -> &str {
        &self.sql
    }

    fn decode(&self, row: &SqliteRow) -> Result<SessionRecord, String> {
        let mut builder = RecordBuilder::default();
        for (index, target) in self.targets.iter().enumerate() {
            let cell = decode_cell(row, index).map_err(|error| format!("{target:?}: {error}"))?;
            builder.set(target, cell)?;
        }
        builder.finish()
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
        let query = sqlx::query(AssertSqlSafe(self.sql.clone()))
            .bind(token)
            .fetch_optional(&self.pool);
        let row = with_deadline(BACKEND, self.query_timeout, query).await?;
        row.map(|row| self.decode(&row))
            .transpose()
            .map_err(|detail| BackendError::invalid_data(BACKEND, detail))
    }

    async fn check_health(&self) -> Result<(), BackendError> {
        let ping = sqlx::query("SELECT 1").execute(&self.pool);
        with_deadline(BACKEND, self.query_timeout, ping)
            .await
            .map(|_| ())
    }

    fn backend(&self) -> &'static str {
        BACKEND
    }
}

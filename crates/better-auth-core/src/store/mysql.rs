//! The MySQL / MariaDB session store (sqlx), for the layout Better Auth's migrations create there:
//! `varchar(36)` ids, `timestamp(3)` / `datetime(3)` dates, booleans as `tinyint(1)` 1/0.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use sqlx::{
    AssertSqlSafe, Row,
    mysql::{MySqlPool, MySqlPoolOptions, MySqlRow},
};

use super::{
    ApiKeyStore, SessionStore,
    sql::{Cell, ColumnInfo, Plan, RecordBuilder, SqlOptions, Target, with_deadline},
};
use crate::{
    config::ConfigError,
    error::BackendError,
    model::{ApiKeyRecord, SessionRecord},
    store::Model,
};

const BACKEND: &str = "mysql";

/// How a column is selected and decoded.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Int,
    Float,
    Timestamp,
    DateTime,
    Text,
}

impl Kind {
    fn of(data_type: &str) -> Self {
        match data_type {
            "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" | "bit"
            | "year" => Self::Int,
            "float" | "double" | "real" => Self::Float,
            "timestamp" => Self::Timestamp,
            "datetime" | "date" => Self::DateTime,
            _ => Self::Text,
        }
    }

    /// The select expression: casts bring every type to one Rust decoding per kind.
    fn select(self, column: &str) -> String {
        match self {
            Self::Int => format!("CAST({column} AS SIGNED)"),
            Self::Float => format!("CAST({column} AS DOUBLE)"),
            Self::Timestamp => column.to_owned(),
            Self::DateTime => format!("CAST({column} AS DATETIME(6))"),
            Self::Text => format!("CAST({column} AS CHAR)"),
        }
    }
}

/// Quotes an identifier with backticks, doubling embedded ones.
fn quote_backtick(identifier: &str) -> String {
    format!("`{}`", identifier.replace('`', "``"))
}

/// Sessions in MySQL or MariaDB: one prepared query joining `session` to `user` by token.
///
/// ```no_run
/// # async fn demo() -> Result<(), better_auth_core::ConfigError> {
/// use better_auth_core::store::{MySqlStore, SqlOptions};
///
/// let store = MySqlStore::connect("mysql://root@localhost/app", SqlOptions::default()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct MySqlStore {
    pool: MySqlPool,
    sessions: Option<Query>,
    api_keys: Option<Query>,
    query_timeout: Duration,
}

/// A planned lookup: its SQL and how to read each column.
#[derive(Debug, Clone)]
struct Query {
    sql: Arc<str>,
    columns: Arc<[(Target, Kind)]>,
}

impl Query {
    fn new(plan: &Plan) -> Self {
        let sql = plan.select_sql(
            quote_backtick,
            |column, qualified| Kind::of(&column.info.data_type).select(qualified),
            "?",
        );
        let columns = plan
            .columns
            .iter()
            .map(|column| (column.target.clone(), Kind::of(&column.info.data_type)))
            .collect();
        Self {
            sql: sql.into(),
            columns,
        }
    }

    /// Runs the lookup for `value`; the row's cells, collected.
    async fn fetch(
        &self,
        pool: &MySqlPool,
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
        for (index, (target, kind)) in self.columns.iter().enumerate() {
            let cell = decode_cell(&row, index, *kind).map_err(|error| {
                BackendError::invalid_data(BACKEND, format!("{target:?}: {error}"))
            })?;
            builder
                .set(target, cell)
                .map_err(|detail| BackendError::invalid_data(BACKEND, detail))?;
        }
        Ok(Some(builder))
    }
}

impl MySqlStore {
    /// Connects a pool to `url` and plans the lookup from the live tables. Fails with a clear
    /// error if the database is unreachable or a table or column is missing.
    pub async fn connect(url: &str, options: SqlOptions) -> Result<Self, ConfigError> {
        let pool = MySqlPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            // No ping before each lookup: a dead connection is retried (see `with_deadline`).
            .test_before_acquire(false)
            .connect(url)
            .await
            .map_err(|error| ConfigError::Connect {
                backend: BACKEND,
                source: error.into(),
            })?;
        Self::from_pool(pool, options).await
    }

    /// Uses an existing pool. sqlx sets each connection's `time_zone` to UTC, so `timestamp`
    /// columns read as UTC; `datetime` columns are read as UTC too.
    pub async fn from_pool(pool: MySqlPool, options: SqlOptions) -> Result<Self, ConfigError> {
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
    pub fn pool(&self) -> &MySqlPool {
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

fn decode_cell(row: &MySqlRow, index: usize, kind: Kind) -> Result<Cell, sqlx::Error> {
    fn or_null<T>(value: Option<T>, cell: impl FnOnce(T) -> Cell) -> Cell {
        value.map_or(Cell::Null, cell)
    }
    Ok(match kind {
        Kind::Int => or_null(row.try_get::<Option<i64>, _>(index)?, Cell::Int),
        Kind::Float => or_null(row.try_get::<Option<f64>, _>(index)?, Cell::Float),
        Kind::Timestamp => or_null(row.try_get::<Option<DateTime<Utc>>, _>(index)?, Cell::Time),
        Kind::DateTime => or_null(row.try_get::<Option<NaiveDateTime>, _>(index)?, |naive| {
            Cell::Time(Utc.from_utc_datetime(&naive))
        }),
        Kind::Text => or_null(row.try_get::<Option<String>, _>(index)?, Cell::Text),
    })
}

/// The columns of `table` in the current database; empty if there is no such table.
async fn columns_of(pool: &MySqlPool, table: &str) -> Result<Vec<ColumnInfo>, ConfigError> {
    let rows = sqlx::query(
        "SELECT CAST(COLUMN_NAME AS CHAR), CAST(DATA_TYPE AS CHAR) FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
    )
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
impl SessionStore for MySqlStore {
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
impl ApiKeyStore for MySqlStore {
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

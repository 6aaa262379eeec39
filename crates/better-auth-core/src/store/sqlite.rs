//! The SQLite session store (sqlx, bundled SQLite), for the layout Better Auth's migrations
//! create: dates as ISO-8601 text in `date` columns, booleans as integers 0/1.

use sqlx::{
    Row, Sqlite, TypeInfo, ValueRef,
    sqlite::{SqlitePool, SqliteRow},
};

use super::sql::{
    Cell, ColumnInfo, Dialect, SqlOptions, SqlStore, column_infos, delegate_to_sql_store,
    iso_millis, quote_double,
};
use crate::config::ConfigError;

const BACKEND: &str = "sqlite";

/// SQLite as the shared SQL store sees it. SQLite is dynamically typed: every column is
/// selected as it is and each value decoded by the type it actually holds, so there is one kind.
#[derive(Debug)]
pub(crate) struct SqliteDialect;

impl Dialect for SqliteDialect {
    type Db = Sqlite;
    type Kind = ();

    const BACKEND: &'static str = BACKEND;
    const PLACEHOLDER: &'static str = "?1";

    fn quote(identifier: &str) -> String {
        quote_double(identifier)
    }

    fn kind_of(_data_type: &str) {}

    fn select((): (), column: &str) -> String {
        column.to_owned()
    }

    fn decode_cell(row: &SqliteRow, index: usize, (): ()) -> Result<Cell, sqlx::Error> {
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

    fn param(n: usize) -> String {
        format!("?{n}")
    }

    /// Better Auth's SQLite layout keeps dates as `toISOString()` text, which also compares
    /// in time order.
    fn time_param((): (), n: usize) -> Option<String> {
        Some(format!("?{n}"))
    }

    fn time_text((): (), time: chrono::DateTime<chrono::Utc>) -> String {
        iso_millis(time)
    }

    fn rows_affected(result: &sqlx::sqlite::SqliteQueryResult) -> u64 {
        result.rows_affected()
    }

    async fn columns_of(pool: &SqlitePool, table: &str) -> Result<Vec<ColumnInfo>, sqlx::Error> {
        let rows = sqlx::query_as("SELECT name, type FROM pragma_table_info(?1) ORDER BY cid")
            .bind(table)
            .fetch_all(pool)
            .await?;
        Ok(column_infos(rows))
    }
}

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
    inner: SqlStore<SqliteDialect>,
}

impl SqliteStore {
    /// Opens the database at `url` (`sqlite://path`; the file must exist) and plans the lookup
    /// from its tables. Fails with a clear error if a table or column is missing.
    pub async fn connect(url: &str, options: SqlOptions) -> Result<Self, ConfigError> {
        let inner = SqlStore::connect(url, options).await?;
        Ok(Self { inner })
    }

    /// Uses an existing pool.
    pub async fn from_pool(pool: SqlitePool, options: SqlOptions) -> Result<Self, ConfigError> {
        let inner = SqlStore::plan(pool, options).await?;
        Ok(Self { inner })
    }
}

delegate_to_sql_store!(SqliteStore, SqlitePool);

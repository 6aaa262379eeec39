//! The MySQL / MariaDB session store (sqlx), for the layout Better Auth's migrations create there:
//! `varchar(36)` ids, `timestamp(3)` / `datetime(3)` dates, booleans as `tinyint(1)` 1/0.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use sqlx::{
    MySql, Row,
    mysql::{MySqlPool, MySqlRow},
};

use super::sql::{
    Cell, ColumnInfo, Dialect, SqlOptions, SqlStore, column_infos, delegate_to_sql_store,
};
use crate::config::ConfigError;

const BACKEND: &str = "mysql";

/// How a column is selected and decoded.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Int,
    Float,
    Timestamp,
    DateTime,
    Text,
}

/// MySQL and MariaDB as the shared SQL store sees them.
#[derive(Debug)]
pub(crate) struct MySqlDialect;

impl Dialect for MySqlDialect {
    type Db = MySql;
    type Kind = Kind;

    const BACKEND: &'static str = BACKEND;
    const PLACEHOLDER: &'static str = "?";

    /// Backticks, doubling embedded ones.
    fn quote(identifier: &str) -> String {
        format!("`{}`", identifier.replace('`', "``"))
    }

    fn kind_of(data_type: &str) -> Kind {
        match data_type {
            "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" | "bit"
            | "year" => Kind::Int,
            "float" | "double" | "real" => Kind::Float,
            "timestamp" => Kind::Timestamp,
            "datetime" | "date" => Kind::DateTime,
            _ => Kind::Text,
        }
    }

    /// Casts bring every type to one Rust decoding per kind.
    fn select(kind: Kind, column: &str) -> String {
        match kind {
            Kind::Int => format!("CAST({column} AS SIGNED)"),
            Kind::Float => format!("CAST({column} AS DOUBLE)"),
            Kind::Timestamp => column.to_owned(),
            Kind::DateTime => format!("CAST({column} AS DATETIME(6))"),
            Kind::Text => format!("CAST({column} AS CHAR)"),
        }
    }

    /// sqlx sets each connection's `time_zone` to UTC, so `timestamp` columns read as UTC;
    /// `datetime` columns are read as UTC too.
    fn decode_cell(row: &MySqlRow, index: usize, kind: Kind) -> Result<Cell, sqlx::Error> {
        Ok(match kind {
            Kind::Int => Cell::from(row.try_get::<Option<i64>, _>(index)?),
            Kind::Float => Cell::from(row.try_get::<Option<f64>, _>(index)?),
            Kind::Timestamp => Cell::from(row.try_get::<Option<DateTime<Utc>>, _>(index)?),
            Kind::DateTime => Cell::from(
                row.try_get::<Option<NaiveDateTime>, _>(index)?
                    .map(|naive| Utc.from_utc_datetime(&naive)),
            ),
            Kind::Text => Cell::from(row.try_get::<Option<String>, _>(index)?),
        })
    }

    fn param(_n: usize) -> String {
        "?".to_owned()
    }

    /// `timestamp` columns take UTC text (sqlx sets the session's `time_zone` to UTC), and so
    /// do `datetime` ones, read as UTC.
    fn time_param(kind: Kind, _n: usize) -> Option<String> {
        match kind {
            Kind::Timestamp | Kind::DateTime | Kind::Text => Some("?".to_owned()),
            Kind::Int | Kind::Float => None,
        }
    }

    fn time_text(kind: Kind, time: DateTime<Utc>) -> String {
        match kind {
            Kind::Text => super::sql::iso_millis(time),
            _ => time.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        }
    }

    fn rows_affected(result: &sqlx::mysql::MySqlQueryResult) -> u64 {
        result.rows_affected()
    }

    /// The columns of `table` in the current database.
    async fn columns_of(pool: &MySqlPool, table: &str) -> Result<Vec<ColumnInfo>, sqlx::Error> {
        let rows = sqlx::query_as(
            "SELECT CAST(COLUMN_NAME AS CHAR), CAST(DATA_TYPE AS CHAR) \
             FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
        )
        .bind(table)
        .fetch_all(pool)
        .await?;
        Ok(column_infos(rows))
    }
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
    inner: SqlStore<MySqlDialect>,
}

impl MySqlStore {
    /// Connects a pool to `url` and plans the lookup from the live tables. Fails with a clear
    /// error if the database is unreachable or a table or column is missing.
    pub async fn connect(url: &str, options: SqlOptions) -> Result<Self, ConfigError> {
        let inner = SqlStore::connect(url, options).await?;
        Ok(Self { inner })
    }

    /// Uses an existing pool (its own size and timeouts apply).
    pub async fn from_pool(pool: MySqlPool, options: SqlOptions) -> Result<Self, ConfigError> {
        let inner = SqlStore::plan(pool, options).await?;
        Ok(Self { inner })
    }
}

delegate_to_sql_store!(MySqlStore, MySqlPool);

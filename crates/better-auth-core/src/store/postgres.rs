//! The PostgreSQL session store (sqlx), for the layout Better Auth's migrations create
//! (`text` ids, `timestamptz` dates, `boolean`s) and its variants (uuid or integer ids,
//! `timestamp` without time zone read as UTC, renamed tables and columns).

use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use sqlx::{
    Postgres, Row,
    postgres::{PgPool, PgRow},
};

use super::sql::{
    Cell, ColumnInfo, Dialect, SqlOptions, SqlStore, column_infos, delegate_to_sql_store,
    iso_millis, quote_double,
};
use crate::config::ConfigError;

const BACKEND: &str = "postgres";

/// How a column is selected and decoded.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Bool,
    Int,
    Float,
    Timestamptz,
    Timestamp,
    Json,
    Array,
    Text,
}

/// PostgreSQL as the shared SQL store sees it.
#[derive(Debug)]
pub(crate) struct PgDialect;

impl Dialect for PgDialect {
    type Db = Postgres;
    type Kind = Kind;

    const BACKEND: &'static str = BACKEND;
    const PLACEHOLDER: &'static str = "$1";

    fn quote(identifier: &str) -> String {
        quote_double(identifier)
    }

    fn kind_of(data_type: &str) -> Kind {
        match data_type {
            "boolean" => Kind::Bool,
            "smallint" | "integer" | "bigint" => Kind::Int,
            "real" | "double precision" => Kind::Float,
            "timestamp with time zone" => Kind::Timestamptz,
            "timestamp without time zone" | "date" => Kind::Timestamp,
            "json" | "jsonb" => Kind::Json,
            array if array.ends_with("[]") => Kind::Array,
            _ => Kind::Text,
        }
    }

    /// Casts bring every type to one Rust decoding per kind.
    fn select(kind: Kind, column: &str) -> String {
        match kind {
            Kind::Bool | Kind::Timestamptz | Kind::Json => column.to_owned(),
            Kind::Int => format!("{column}::int8"),
            Kind::Float => format!("{column}::float8"),
            Kind::Timestamp => format!("{column}::timestamp"),
            Kind::Array => format!("to_jsonb({column})"),
            Kind::Text => format!("{column}::text"),
        }
    }

    fn decode_cell(row: &PgRow, index: usize, kind: Kind) -> Result<Cell, sqlx::Error> {
        Ok(match kind {
            Kind::Bool => Cell::from(row.try_get::<Option<bool>, _>(index)?),
            Kind::Int => Cell::from(row.try_get::<Option<i64>, _>(index)?),
            Kind::Float => Cell::from(row.try_get::<Option<f64>, _>(index)?),
            Kind::Timestamptz => Cell::from(row.try_get::<Option<DateTime<Utc>>, _>(index)?),
            Kind::Timestamp => Cell::from(
                row.try_get::<Option<NaiveDateTime>, _>(index)?
                    .map(|naive| Utc.from_utc_datetime(&naive)),
            ),
            Kind::Json | Kind::Array => {
                Cell::from(row.try_get::<Option<serde_json::Value>, _>(index)?)
            }
            Kind::Text => Cell::from(row.try_get::<Option<String>, _>(index)?),
        })
    }

    fn param(n: usize) -> String {
        format!("${n}")
    }

    const BATCH_AS_ARRAY: bool = true;

    /// One text array, whatever the number of values: one statement for every batch.
    fn batch_condition(column: &str, _width: usize) -> String {
        format!("{column} = ANY($1)")
    }

    async fn fetch_batch(
        pool: &PgPool,
        sql: Arc<str>,
        values: Vec<String>,
    ) -> Result<Vec<PgRow>, sqlx::Error> {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(values)
            .fetch_all(pool)
            .await
    }

    fn param_for(n: usize, data_type: &str) -> String {
        format!("${n}::{data_type}")
    }

    /// `timestamptz` takes the ISO text as it is; `timestamp` (without time zone, read as UTC)
    /// gets its UTC wall time.
    fn time_param(kind: Kind, n: usize) -> Option<String> {
        match kind {
            Kind::Timestamptz => Some(format!("${n}::timestamptz")),
            Kind::Timestamp => Some(format!("(${n}::timestamptz AT TIME ZONE 'UTC')")),
            Kind::Text => Some(format!("${n}")),
            _ => None,
        }
    }

    fn time_text(_kind: Kind, time: DateTime<Utc>) -> String {
        iso_millis(time)
    }

    fn rows_affected(result: &sqlx::postgres::PgQueryResult) -> u64 {
        result.rows_affected()
    }

    /// The columns of `table` as the search path resolves it.
    async fn columns_of(pool: &PgPool, table: &str) -> Result<Vec<ColumnInfo>, sqlx::Error> {
        let rows = sqlx::query_as(
            "SELECT a.attname::text, a.atttypid::regtype::text \
             FROM pg_catalog.pg_attribute a \
             WHERE a.attrelid = to_regclass(quote_ident($1)) AND a.attnum > 0 \
             AND NOT a.attisdropped ORDER BY a.attnum",
        )
        .bind(table)
        .fetch_all(pool)
        .await?;
        Ok(column_infos(rows))
    }
}

/// Sessions in PostgreSQL: one prepared query joining `session` to `user` by token.
///
/// ```no_run
/// # async fn demo() -> Result<(), better_auth_core::ConfigError> {
/// use better_auth_core::store::{PostgresStore, SqlOptions};
///
/// let store = PostgresStore::connect("postgres://localhost/app", SqlOptions::default()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PostgresStore {
    inner: SqlStore<PgDialect>,
}

impl PostgresStore {
    /// Connects a pool to `url` and plans the lookup from the live tables. Fails with a clear
    /// error if the database is unreachable or a table or column is missing.
    pub async fn connect(url: &str, options: SqlOptions) -> Result<Self, ConfigError> {
        let inner = SqlStore::connect(url, options).await?;
        Ok(Self { inner })
    }

    /// Uses an existing pool (its own size and timeouts apply).
    pub async fn from_pool(pool: PgPool, options: SqlOptions) -> Result<Self, ConfigError> {
        let inner = SqlStore::plan(pool, options).await?;
        Ok(Self { inner })
    }
}

delegate_to_sql_store!(PostgresStore, PgPool);

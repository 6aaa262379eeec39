//! What differs between the SQL databases: quoting, placeholders, how each column type is
//! selected and decoded, where the table layout is read from. Each backend module implements
//! [`Dialect`] for a unit type; [`SqlStore`](super::SqlStore) does the rest once.

use std::{future::Future, sync::Arc};

use chrono::{DateTime, Utc};

use super::{Cell, ColumnInfo};

/// The placeholder counts of the batched session lookup's statements (`IN (?, ?, ...)`): a
/// batch is padded to the next of them (repeating its last value), so that a handful of
/// prepared statements serve every size; a larger batch is asked in chunks of the largest.
pub(crate) const BATCH_WIDTHS: [usize; 11] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/// One SQL database as the stores see it.
pub(crate) trait Dialect: Send + Sync + 'static {
    /// The sqlx database.
    type Db: SqlDatabase;
    /// How a column is selected and decoded, chosen from its declared type.
    type Kind: Copy + std::fmt::Debug + Send + Sync + 'static;

    /// A short name for logs and errors.
    const BACKEND: &'static str;
    /// The placeholder of the lookup's one parameter.
    const PLACEHOLDER: &'static str;

    /// Quotes a table or column name.
    fn quote(identifier: &str) -> String;

    /// The kind of a column of this declared type (lowercase).
    fn kind_of(data_type: &str) -> Self::Kind;

    /// The select expression for `column` (already qualified and quoted).
    fn select(kind: Self::Kind, column: &str) -> String;

    /// Reads cell `index` of `row`.
    fn decode_cell(
        row: &<Self::Db as sqlx::Database>::Row,
        index: usize,
        kind: Self::Kind,
    ) -> Result<Cell, sqlx::Error>;

    /// The columns of `table` (name, declared type) in order; none if there is no such table.
    fn columns_of(
        pool: &sqlx::Pool<Self::Db>,
        table: &str,
    ) -> impl Future<Output = Result<Vec<ColumnInfo>, sqlx::Error>> + Send;

    /// Parameter `n` (1-based) of a statement with several.
    fn param(n: usize) -> String;

    /// Whether a batched lookup binds its values as one array parameter, any number of them in
    /// one statement (PostgreSQL), rather than one placeholder each ([`BATCH_WIDTHS`]).
    const BATCH_AS_ARRAY: bool = false;

    /// The condition of a batched lookup on `column` (qualified and quoted) for `width` values:
    /// `column IN (<width parameters>)`.
    fn batch_condition(column: &str, width: usize) -> String {
        let params: Vec<String> = (1..=width).map(Self::param).collect();
        format!("{column} IN ({})", params.join(", "))
    }

    /// Runs a batched lookup written by [`batch_condition`](Self::batch_condition) with
    /// `values`, each bound to its own parameter; every row.
    fn fetch_batch(
        pool: &sqlx::Pool<Self::Db>,
        sql: Arc<str>,
        values: Vec<String>,
    ) -> impl Future<Output = Result<Vec<<Self::Db as sqlx::Database>::Row>, sqlx::Error>> + Send + '_
    {
        Self::Db::fetch_all_values(pool, sql, values)
    }

    /// Parameter `n`, bound as text, compared with a column of `data_type` (PostgreSQL casts it
    /// to the column's type, so a `uuid` or integer id compares and its index is used; the
    /// others convert by themselves).
    fn param_for(n: usize, data_type: &str) -> String {
        let _ = data_type;
        Self::param(n)
    }

    /// Parameter `n` as a value of a date column of this kind, bound as the text
    /// [`time_text`](Self::time_text) writes; `None` when this library does not write dates
    /// into such a column (then sessions are not refreshed).
    fn time_param(kind: Self::Kind, n: usize) -> Option<String>;

    /// `time` as the text bound for a date column of this kind: what Better Auth's driver
    /// writes there, to the millisecond.
    fn time_text(kind: Self::Kind, time: DateTime<Utc>) -> String;

    /// The rows a statement changed.
    fn rows_affected(result: &<Self::Db as sqlx::Database>::QueryResult) -> u64;
}

pub(crate) use crate::js::iso_string as iso_millis;

/// Whether `value`, bound as text and compared with a column of `data_type` (as
/// [`Dialect::param_for`] compares it), can equal a value of that column: an integer column
/// (`generateId: "serial"`) holds only integers in its range, a `uuid` column only UUIDs. A
/// value that cannot is no row, known without asking: PostgreSQL would fail the query on it
/// (a 503, and an error quoting the value in the log), and MySQL and SQLite would compare
/// `12abc` with 12 as equal.
pub(crate) fn can_hold(data_type: &str, value: &str) -> bool {
    let data_type = data_type.to_ascii_lowercase();
    let base = data_type.split('(').next().unwrap_or_default().trim();
    match base {
        "smallint" | "int2" | "smallserial" => value.parse::<i16>().is_ok() && is_integer(value),
        "integer" | "int" | "int4" | "serial" | "mediumint" | "tinyint" => {
            value.parse::<i32>().is_ok() && is_integer(value)
        }
        "bigint" | "int8" | "bigserial" => value.parse::<i64>().is_ok() && is_integer(value),
        "uuid" => {
            let hex: Vec<u8> = value
                .trim_start_matches('{')
                .trim_end_matches('}')
                .bytes()
                .filter(|byte| *byte != b'-')
                .collect();
            hex.len() == 32 && hex.iter().all(u8::is_ascii_hexdigit)
        }
        _ => true,
    }
}

/// Digits, with an optional leading minus: what an integer column compares equal (no `+`, no
/// spaces, which some databases would trim).
fn is_integer(value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())
}

/// What the store runs on any sqlx database whose pool takes a query with one text parameter
/// (PostgreSQL, MySQL, SQLite alike): written once, for all of them.
pub(crate) trait SqlDatabase: sqlx::Database {
    /// Runs `sql` with `value` bound to its one parameter; at most one row.
    fn fetch_optional<'a>(
        pool: &'a sqlx::Pool<Self>,
        sql: Arc<str>,
        value: &'a str,
    ) -> impl Future<Output = Result<Option<Self::Row>, sqlx::Error>> + Send + 'a;

    /// Runs `sql` with `values` bound to its parameters, in order; at most one row.
    fn fetch_optional_values(
        pool: &sqlx::Pool<Self>,
        sql: Arc<str>,
        values: Vec<String>,
    ) -> impl Future<Output = Result<Option<Self::Row>, sqlx::Error>> + Send + '_;

    /// Runs `sql` with `values` bound to its parameters, in order; every row.
    fn fetch_all_values(
        pool: &sqlx::Pool<Self>,
        sql: Arc<str>,
        values: Vec<String>,
    ) -> impl Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send + '_;

    /// Runs `sql` (no parameter); every row.
    #[cfg(feature = "jwks")]
    fn fetch_all(
        pool: &sqlx::Pool<Self>,
        sql: Arc<str>,
    ) -> impl Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send + '_;

    /// Runs `sql` with `values` bound to its parameters, in order.
    fn execute(
        pool: &sqlx::Pool<Self>,
        sql: Arc<str>,
        values: Vec<String>,
    ) -> impl Future<Output = Result<Self::QueryResult, sqlx::Error>> + Send + '_;

    /// A round trip that needs no table (`SELECT 1`).
    fn ping(pool: &sqlx::Pool<Self>) -> impl Future<Output = Result<(), sqlx::Error>> + Send + '_;
}

impl<Db> SqlDatabase for Db
where
    Db: sqlx::Database,
    for<'c> &'c mut Db::Connection: sqlx::Executor<'c, Database = Db>,
    Db::Arguments: sqlx::IntoArguments<Db>,
    for<'t> &'t str: sqlx::Encode<'t, Db> + sqlx::Type<Db>,
    String: for<'t> sqlx::Encode<'t, Db> + sqlx::Type<Db>,
{
    async fn fetch_optional(
        pool: &sqlx::Pool<Self>,
        sql: Arc<str>,
        value: &str,
    ) -> Result<Option<Self::Row>, sqlx::Error> {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(value)
            .fetch_optional(pool)
            .await
    }

    async fn fetch_optional_values(
        pool: &sqlx::Pool<Self>,
        sql: Arc<str>,
        values: Vec<String>,
    ) -> Result<Option<Self::Row>, sqlx::Error> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in values {
            query = query.bind(value);
        }
        query.fetch_optional(pool).await
    }

    async fn fetch_all_values(
        pool: &sqlx::Pool<Self>,
        sql: Arc<str>,
        values: Vec<String>,
    ) -> Result<Vec<Self::Row>, sqlx::Error> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in values {
            query = query.bind(value);
        }
        query.fetch_all(pool).await
    }

    #[cfg(feature = "jwks")]
    async fn fetch_all(
        pool: &sqlx::Pool<Self>,
        sql: Arc<str>,
    ) -> Result<Vec<Self::Row>, sqlx::Error> {
        sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await
    }

    async fn execute(
        pool: &sqlx::Pool<Self>,
        sql: Arc<str>,
        values: Vec<String>,
    ) -> Result<Self::QueryResult, sqlx::Error> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in values {
            query = query.bind(value);
        }
        query.execute(pool).await
    }

    async fn ping(pool: &sqlx::Pool<Self>) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(pool).await.map(drop)
    }
}

/// Turns `(name, declared type)` rows into [`ColumnInfo`]s (types lowercased).
pub(crate) fn column_infos(rows: Vec<(String, String)>) -> Vec<ColumnInfo> {
    rows.into_iter()
        .map(|(name, data_type)| ColumnInfo {
            name,
            data_type: data_type.to_lowercase(),
        })
        .collect()
}

#[cfg(test)]
mod can_hold_tests {
    use super::can_hold;

    #[test]
    fn ids_of_other_shapes_are_no_row() {
        assert!(can_hold("text", "x'; --\n"));
        assert!(can_hold("integer", "12") && can_hold("integer", "-3"));
        for bad in ["12abc", "x'; --", "", "1.5", "+1", " 1", "99999999999"] {
            assert!(!can_hold("integer", bad), "{bad}");
        }
        assert!(can_hold("bigint", "99999999999"));
        assert!(can_hold("int(11)", "7"));
        assert!(can_hold("uuid", "0b6c9c3e-7c7a-4c1e-9f0a-2b1f3c4d5e6f"));
        assert!(can_hold("uuid", "{0B6C9C3E7C7A4C1E9F0A2B1F3C4D5E6F}"));
        assert!(!can_hold("uuid", "not-a-uuid"));
    }
}

//! Counting one API key use in one transaction: the `apikey` row is read under a row lock
//! (`SELECT ... FOR UPDATE` on PostgreSQL and MySQL/MariaDB; `BEGIN IMMEDIATE` on SQLite, which
//! takes the database's write lock before the read), [`decide`] says what to write, the
//! `UPDATE` (or `DELETE`) runs, then `COMMIT`. A concurrent verification of the same key waits
//! for the lock and then reads the row as this one left it, so no use is lost or counted twice.
//!
//! Only a key that exists, belongs to the configuration it was sent for and whose use writes
//! something gets here: the authenticator reads the row first with a plain `SELECT`
//! (`SqlStore::find_api_key`), so an unknown key takes no lock (no `BEGIN IMMEDIATE` holding
//! SQLite's write lock, no MySQL gap lock in the key's index) and stalls no one's writes.
//!
//! Values are written in the column's own type, as Better Auth writes them: integers, dates as
//! `timestamptz` (PostgreSQL), `timestamp(3)`/`datetime(3)` (MySQL, UTC) or ISO-8601 text
//! `2026-11-30T05:00:00.000Z` (SQLite), to the millisecond.

use std::{future::Future, sync::Arc, sync::OnceLock, time::Duration};

use chrono::{DateTime, Utc};

use super::{Dialect, Plan, RecordBuilder, Target, connection_lost};
use crate::{
    api_key_usage::{ApiKeyVerdict, Changes, decide},
    config::ApiKeyConfig,
    config::{Model, Schema},
    error::BackendError,
    js::{iso_string, now_ms},
};

/// What differs between the databases when counting a use.
pub(crate) trait UsageDialect: Dialect<Db: TxDatabase> {
    /// The statement opening the transaction, when not the plain `BEGIN`.
    const BEGIN: Option<&'static str>;
    /// What follows the lookup to lock the key's row.
    const LOCK: &'static str;

    /// The placeholder of parameter `index` (from 1).
    fn placeholder(index: usize) -> String;

    /// How a date is written to a column of `kind`: the SQL expression around `placeholder`,
    /// and the text bound to it.
    fn time_value(kind: Self::Kind, placeholder: &str, time: DateTime<Utc>) -> (String, String);
}

#[cfg(feature = "postgres")]
impl UsageDialect for crate::store::postgres::PgDialect {
    const BEGIN: Option<&'static str> = None;
    const LOCK: &'static str = " FOR UPDATE";

    fn placeholder(index: usize) -> String {
        format!("${index}")
    }

    fn time_value(kind: Self::Kind, placeholder: &str, time: DateTime<Utc>) -> (String, String) {
        use crate::store::postgres::Kind;
        let expr = match kind {
            Kind::Timestamptz => format!("CAST({placeholder} AS timestamptz)"),
            Kind::Timestamp => {
                format!("CAST(CAST({placeholder} AS timestamptz) AT TIME ZONE 'UTC' AS timestamp)")
            }
            Kind::Int => {
                format!(
                    "CAST(EXTRACT(EPOCH FROM CAST({placeholder} AS timestamptz)) * 1000 AS int8)"
                )
            }
            _ => placeholder.to_owned(),
        };
        (expr, iso_string(time))
    }
}

#[cfg(feature = "mysql")]
impl UsageDialect for crate::store::mysql::MySqlDialect {
    const BEGIN: Option<&'static str> = None;
    const LOCK: &'static str = " FOR UPDATE";

    fn placeholder(_index: usize) -> String {
        "?".to_owned()
    }

    /// sqlx sets each connection's `time_zone` to UTC: a `DATETIME(3)` value assigned to a
    /// `timestamp` column is read as UTC.
    fn time_value(kind: Self::Kind, placeholder: &str, time: DateTime<Utc>) -> (String, String) {
        use crate::store::mysql::Kind;
        let text = time.format("%Y-%m-%d %H:%M:%S%.3f").to_string();
        match kind {
            Kind::Timestamp | Kind::DateTime => {
                (format!("CAST({placeholder} AS DATETIME(3))"), text)
            }
            Kind::Int => (
                format!(
                    "CAST(ROUND(UNIX_TIMESTAMP(CAST({placeholder} AS DATETIME(3))) * 1000) AS SIGNED)"
                ),
                text,
            ),
            _ => (placeholder.to_owned(), iso_string(time)),
        }
    }
}

#[cfg(feature = "sqlite")]
impl UsageDialect for crate::store::sqlite::SqliteDialect {
    // Takes the write lock before the read: a concurrent verification waits (busy timeout)
    // instead of reading the row this one is about to change.
    const BEGIN: Option<&'static str> = Some("BEGIN IMMEDIATE");
    const LOCK: &'static str = "";

    fn placeholder(index: usize) -> String {
        format!("?{index}")
    }

    /// Better Auth's SQLite adapter writes dates as `toISOString()` text.
    fn time_value((): (), placeholder: &str, time: DateTime<Utc>) -> (String, String) {
        (placeholder.to_owned(), iso_string(time))
    }
}

/// A parameter of the `UPDATE`/`DELETE`.
#[derive(Debug, Clone)]
pub(crate) enum Param {
    Int(i64),
    Text(String),
}

/// What the transaction runs on any sqlx database (PostgreSQL, MySQL, SQLite alike).
pub(crate) trait TxDatabase: sqlx::Database {
    /// Opens a transaction with `statement` (`BEGIN` when `None`).
    fn begin_tx<'a>(
        pool: &'a sqlx::Pool<Self>,
        statement: Option<&'static str>,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self>, sqlx::Error>> + Send + 'a;

    /// Runs `sql` with `value` bound to its one parameter, in `tx`; at most one row.
    fn fetch_optional_in<'a>(
        tx: &'a mut sqlx::Transaction<'static, Self>,
        sql: Arc<str>,
        value: &'a str,
    ) -> impl Future<Output = Result<Option<Self::Row>, sqlx::Error>> + Send + 'a;

    /// Runs `sql` with `params`, in `tx`.
    fn execute_in<'a>(
        tx: &'a mut sqlx::Transaction<'static, Self>,
        sql: String,
        params: &'a [Param],
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'a;
}

impl<Db> TxDatabase for Db
where
    Db: sqlx::Database,
    for<'c> &'c mut Db::Connection: sqlx::Executor<'c, Database = Db>,
    Db::Arguments: sqlx::IntoArguments<Db>,
    for<'t> &'t str: sqlx::Encode<'t, Db> + sqlx::Type<Db>,
    for<'t> i64: sqlx::Encode<'t, Db> + sqlx::Type<Db>,
{
    async fn begin_tx(
        pool: &sqlx::Pool<Self>,
        statement: Option<&'static str>,
    ) -> Result<sqlx::Transaction<'static, Self>, sqlx::Error> {
        match statement {
            Some(statement) => pool.begin_with(statement).await,
            None => pool.begin().await,
        }
    }

    async fn fetch_optional_in<'a>(
        tx: &'a mut sqlx::Transaction<'static, Self>,
        sql: Arc<str>,
        value: &'a str,
    ) -> Result<Option<Self::Row>, sqlx::Error> {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(value)
            .fetch_optional(&mut **tx)
            .await
    }

    async fn execute_in<'a>(
        tx: &'a mut sqlx::Transaction<'static, Self>,
        sql: String,
        params: &'a [Param],
    ) -> Result<(), sqlx::Error> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for param in params {
            query = match param {
                Param::Int(number) => query.bind(*number),
                Param::Text(text) => query.bind(text.as_str()),
            };
        }
        query.execute(&mut **tx).await.map(drop)
    }
}

/// The counters Better Auth's verification writes, by field name.
const WRITTEN: [&str; 5] = [
    "remaining",
    "lastRefillAt",
    "requestCount",
    "lastRequest",
    "updatedAt",
];

/// The API key plan, kept until the first counted use builds the statements from it.
pub(crate) struct UsagePlan<D: Dialect> {
    plan: Plan,
    /// The column of each [`WRITTEN`] field (unquoted), when the table has it.
    columns: Vec<(&'static str, String)>,
    built: OnceLock<UsageSql<D>>,
}

impl<D: Dialect> UsagePlan<D> {
    /// Keeps `plan` (the API key lookup) and the names of the counters' columns.
    pub(crate) fn new(plan: Plan, schema: &Schema) -> Self {
        let columns = WRITTEN
            .iter()
            .map(|field| (*field, schema.column(Model::ApiKey, field)))
            .filter(|(_, column)| {
                plan.columns.iter().any(|planned| {
                    matches!(planned.target, Target::ApiKey(_)) && &planned.info.name == column
                })
            })
            .collect();
        Self {
            plan,
            columns,
            built: OnceLock::new(),
        }
    }
}

/// The statements of a counted use, for one database.
struct UsageSql<D: Dialect> {
    /// The key's row alone, locked.
    select: Arc<str>,
    /// How to read each selected column.
    read: Vec<(Target, D::Kind)>,
    /// `apikey`, quoted.
    table: String,
    /// `key`, quoted.
    key_column: String,
    /// Each written field: its quoted column and its kind.
    written: Vec<(&'static str, String, D::Kind)>,
}

impl<D: UsageDialect> UsageSql<D> {
    fn build(usage: &UsagePlan<D>) -> Self {
        let plan = &usage.plan;
        let select = plan.select_primary_sql(
            D::quote,
            |column, qualified| D::select(D::kind_of(&column.info.data_type), qualified),
            &D::placeholder(1),
        ) + D::LOCK;
        let kind_of_column = |name: &str| {
            plan.columns
                .iter()
                .find(|planned| {
                    matches!(planned.target, Target::ApiKey(_)) && planned.info.name == name
                })
                .map(|planned| D::kind_of(&planned.info.data_type))
        };
        let written = usage
            .columns
            .iter()
            .filter_map(|(field, column)| {
                kind_of_column(column).map(|kind| (*field, D::quote(column), kind))
            })
            .collect();
        Self {
            select: select.into(),
            read: plan
                .primary_columns()
                .map(|column| (column.target.clone(), D::kind_of(&column.info.data_type)))
                .collect(),
            table: D::quote(plan.primary_table()),
            key_column: D::quote(plan.lookup_column()),
            written,
        }
    }

    /// `UPDATE apikey SET ... WHERE key = ?` for `changes`, with its parameters.
    fn update(&self, changes: &Changes, hashed_key: &str) -> (String, Vec<Param>) {
        let mut sets = Vec::new();
        let mut params = Vec::new();
        for (field, column, kind) in &self.written {
            let placeholder = D::placeholder(params.len() + 1);
            let (expr, param) = match *field {
                "remaining" => match changes.remaining {
                    Some(value) => (placeholder, Param::Int(value)),
                    None => continue,
                },
                "requestCount" => match changes.request_count {
                    Some(value) => (placeholder, Param::Int(value)),
                    None => continue,
                },
                time_field => {
                    let time = match time_field {
                        "lastRefillAt" => changes.last_refill_at,
                        "lastRequest" => changes.last_request,
                        _ => changes.updated_at,
                    };
                    let Some(time) = time else { continue };
                    let (expr, text) = D::time_value(*kind, &placeholder, time);
                    (expr, Param::Text(text))
                }
            };
            sets.push(format!("{column} = {expr}"));
            params.push(param);
        }
        let placeholder = D::placeholder(params.len() + 1);
        params.push(Param::Text(hashed_key.to_owned()));
        let sql = format!(
            "UPDATE {} SET {} WHERE {} = {placeholder}",
            self.table,
            sets.join(", "),
            self.key_column
        );
        (sql, params)
    }

    /// `DELETE FROM apikey WHERE key = ?`.
    fn delete(&self, hashed_key: &str) -> (String, Vec<Param>) {
        let sql = format!(
            "DELETE FROM {} WHERE {} = {}",
            self.table,
            self.key_column,
            D::placeholder(1)
        );
        (sql, vec![Param::Text(hashed_key.to_owned())])
    }
}

/// Why one attempt failed.
enum Failure {
    /// A database error; `retry` when nothing can have been committed.
    Sql { error: sqlx::Error, retry: bool },
    /// The row could not be read.
    Data(String),
}

/// Verifies and counts one use of the key whose `key` column is `hashed_key`, of `config`,
/// within `timeout` (pool wait included). A connection found dead before the `COMMIT` was sent
/// gets one more attempt (the database rolled the first one back); a failure at the `COMMIT`
/// itself does not, since the use may have been counted.
pub(crate) async fn use_api_key<D: UsageDialect>(
    pool: &sqlx::Pool<D::Db>,
    usage: &UsagePlan<D>,
    hashed_key: &str,
    config: &ApiKeyConfig,
    timeout: Duration,
) -> Result<ApiKeyVerdict, BackendError> {
    let sql = usage.built.get_or_init(|| UsageSql::build(usage));
    let attempts = async {
        match attempt(pool, sql, hashed_key, config).await {
            Err(Failure::Sql { error, retry: true }) if connection_lost(&error) => {
                tracing::debug!(backend = D::BACKEND, error = %crate::error::LogSafe(&error), "connection lost; trying another one");
                attempt(pool, sql, hashed_key, config).await
            }
            other => other,
        }
    };
    match tokio::time::timeout(timeout, attempts).await {
        Ok(Ok(verdict)) => Ok(verdict),
        Ok(Err(Failure::Data(detail))) => Err(BackendError::invalid_data(D::BACKEND, detail)),
        Ok(Err(Failure::Sql {
            error: sqlx::Error::PoolTimedOut,
            ..
        }))
        | Err(_) => Err(BackendError::timeout(D::BACKEND, timeout)),
        Ok(Err(Failure::Sql { error, .. })) => Err(BackendError::unavailable(D::BACKEND, error)),
    }
}

async fn attempt<D: UsageDialect>(
    pool: &sqlx::Pool<D::Db>,
    sql: &UsageSql<D>,
    hashed_key: &str,
    config: &ApiKeyConfig,
) -> Result<ApiKeyVerdict, Failure> {
    let before_commit = |error| Failure::Sql { error, retry: true };
    let mut tx = D::Db::begin_tx(pool, D::BEGIN)
        .await
        .map_err(before_commit)?;
    let Some(row) = D::Db::fetch_optional_in(&mut tx, sql.select.clone(), hashed_key)
        .await
        .map_err(before_commit)?
    else {
        // Ended now, not when the connection is next used: MySQL keeps the gap lock of this
        // read until then.
        tx.rollback().await.map_err(before_commit)?;
        return Ok(ApiKeyVerdict::Unknown);
    };
    let mut key = match decode::<D>(&row, &sql.read) {
        Ok(key) => key,
        Err(detail) => {
            tx.rollback().await.map_err(before_commit)?;
            return Err(Failure::Data(detail));
        }
    };
    if !config.owns(key.config_id.as_deref()) {
        // Read again under the lock: a key of another configuration is never counted here.
        tx.rollback().await.map_err(before_commit)?;
        return Ok(ApiKeyVerdict::Unknown);
    }

    let decision = decide(&key, now_ms());
    let statement = if decision.delete {
        Some(sql.delete(hashed_key))
    } else if decision.changes.is_empty() {
        None
    } else {
        Some(sql.update(&decision.changes, hashed_key))
    };
    match statement {
        Some((statement, params)) => {
            D::Db::execute_in(&mut tx, statement, &params)
                .await
                .map_err(before_commit)?;
            tx.commit().await.map_err(|error| Failure::Sql {
                error,
                retry: false,
            })?;
        }
        // A refusal that writes nothing (a disabled key): the row lock is released now. A
        // dropped transaction would only be rolled back when its connection is next used,
        // holding the lock (and stalling Better Auth's writes to the key) until then.
        None => tx.rollback().await.map_err(before_commit)?,
    }
    decision.changes.apply(&mut key);
    Ok(match decision.verdict {
        Ok(()) => ApiKeyVerdict::Accepted { key: Arc::new(key) },
        Err(error) => ApiKeyVerdict::Refused(error),
    })
}

/// The key from a row of the locked lookup.
fn decode<D: UsageDialect>(
    row: &<D::Db as sqlx::Database>::Row,
    read: &[(Target, D::Kind)],
) -> Result<crate::model::ApiKey, String> {
    let mut builder = RecordBuilder::default();
    for (index, (target, kind)) in read.iter().enumerate() {
        let cell =
            D::decode_cell(row, index, *kind).map_err(|error| format!("{target:?}: {error}"))?;
        builder.set(target, cell)?;
    }
    builder.finish_api_key()
}

#[cfg(all(test, feature = "postgres"))]
mod tests {
    use super::*;
    use crate::store::{postgres::PgDialect, sql::ColumnInfo};

    fn columns(names: &[(&str, &str)]) -> Vec<ColumnInfo> {
        names
            .iter()
            .map(|(name, data_type)| ColumnInfo {
                name: (*name).to_owned(),
                data_type: (*data_type).to_owned(),
            })
            .collect()
    }

    #[test]
    fn writes_only_what_changed_in_the_columns_types() {
        let schema = Schema::default();
        let plan = Plan::api_keys(
            &schema,
            columns(&[
                ("id", "text"),
                ("key", "text"),
                ("referenceId", "text"),
                ("remaining", "integer"),
                ("requestCount", "integer"),
                ("lastRequest", "timestamp with time zone"),
                ("updatedAt", "timestamp without time zone"),
            ]),
            columns(&[
                ("id", "text"),
                ("name", "text"),
                ("email", "text"),
                ("emailVerified", "boolean"),
                ("createdAt", "timestamp with time zone"),
                ("updatedAt", "timestamp with time zone"),
            ]),
        )
        .unwrap();
        let usage = UsagePlan::<PgDialect>::new(plan, &schema);
        let sql = UsageSql::build(&usage);
        assert!(!sql.select.contains("JOIN"), "{}", sql.select);
        assert!(
            sql.select
                .ends_with("FROM \"apikey\" AS p WHERE p.\"key\" = $1 FOR UPDATE"),
            "{}",
            sql.select
        );
        let now = DateTime::from_timestamp_millis(1_800_000_000_123).unwrap();
        let changes = Changes {
            remaining: Some(4),
            last_refill_at: Some(now),
            updated_at: Some(now),
            ..Changes::default()
        };
        let (update, params) = sql.update(&changes, "hash");
        assert_eq!(
            update,
            "UPDATE \"apikey\" SET \"remaining\" = $1, \"updatedAt\" = \
             CAST(CAST($2 AS timestamptz) AT TIME ZONE 'UTC' AS timestamp) WHERE \"key\" = $3"
        );
        assert!(matches!(&params[1], Param::Text(text) if text == "2027-01-15T08:00:00.123Z"));
        assert_eq!(params.len(), 3, "lastRefillAt has no column here");
    }
}

//! Keys read straight from Better Auth's `jwks` table, for services that share its database
//! and cannot (or need not) reach its HTTP endpoint. Only `publicKey` (the public JWK, stored
//! in plain JSON) is read; the encrypted private key is never touched.
//!
//! The table is read through the same [`Dialect`] as the session stores (PostgreSQL, SQLite,
//! MySQL/MariaDB): its columns are looked up once, then each fetch selects and decodes them the
//! way the stores do (`timestamptz`, `datetime(3)` and ISO-text dates alike).

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::OnceCell;

use super::{Jwk, KeySource};
use crate::{
    error::BackendError,
    store::{Cell, ColumnInfo, Dialect, SqlDatabase, with_deadline},
};

const BACKEND: &str = "jwks-table";

/// Settings of a [`JwksTable`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JwksTableOptions {
    /// The table (`jwks`, or the JWT plugin schema's `modelName`).
    pub table: String,
    /// How long an expired key stays valid (the plugin's `jwks.gracePeriod`, 30 days by
    /// default): the same rule Better Auth's JWKS endpoint applies.
    pub grace_period: Duration,
    /// The algorithm of rows without `alg` (the plugin's `keyPairConfig.alg`, `EdDSA` by default).
    pub default_alg: String,
    /// The time limit of one read (default 2 s).
    pub timeout: Duration,
}

impl Default for JwksTableOptions {
    fn default() -> Self {
        Self {
            table: "jwks".to_owned(),
            grace_period: Duration::from_secs(30 * 24 * 3600),
            default_alg: "EdDSA".to_owned(),
            timeout: Duration::from_secs(2),
        }
    }
}

/// A [`KeySource`] reading Better Auth's `jwks` table.
#[derive(Debug, Clone)]
pub struct JwksTable {
    rows: Arc<dyn ReadRows>,
    options: JwksTableOptions,
}

/// One row, as read.
struct Row {
    id: String,
    public_key: String,
    alg: Option<String>,
    crv: Option<String>,
    expires_at: Option<DateTime<Utc>>,
}

impl JwksTable {
    /// Reads the table through a PostgreSQL pool.
    #[cfg(feature = "postgres")]
    pub fn postgres(pool: sqlx::PgPool, options: JwksTableOptions) -> Self {
        Self::over::<crate::store::PgDialect>(pool, options)
    }

    /// Reads the table through a SQLite pool.
    #[cfg(feature = "sqlite")]
    pub fn sqlite(pool: sqlx::SqlitePool, options: JwksTableOptions) -> Self {
        Self::over::<crate::store::SqliteDialect>(pool, options)
    }

    /// Reads the table through a MySQL or MariaDB pool.
    #[cfg(feature = "mysql")]
    pub fn mysql(pool: sqlx::MySqlPool, options: JwksTableOptions) -> Self {
        Self::over::<crate::store::MySqlDialect>(pool, options)
    }

    fn over<D: Dialect>(pool: sqlx::Pool<D::Db>, options: JwksTableOptions) -> Self {
        Self {
            rows: Arc::new(TableRows::<D> {
                pool,
                table: options.table.clone(),
                timeout: options.timeout,
                query: OnceCell::new(),
            }),
            options,
        }
    }
}

/// Reading the rows, whatever the database.
#[async_trait]
trait ReadRows: std::fmt::Debug + Send + Sync {
    async fn rows(&self) -> Result<Vec<Row>, BackendError>;
}

/// The columns the query reads, in its order.
#[derive(Debug, Clone, Copy)]
enum Column {
    Id,
    PublicKey,
    Alg,
    Crv,
    ExpiresAt,
}

impl Column {
    const ALL: [(Self, &'static str, bool); 5] = [
        (Self::Id, "id", true),
        (Self::PublicKey, "publicKey", true),
        (Self::Alg, "alg", false),
        (Self::Crv, "crv", false),
        (Self::ExpiresAt, "expiresAt", false),
    ];
}

/// The select of the table's columns, planned from its layout on the first fetch.
struct Query<D: Dialect> {
    sql: Arc<str>,
    columns: Vec<(Column, D::Kind)>,
}

struct TableRows<D: Dialect> {
    pool: sqlx::Pool<D::Db>,
    table: String,
    timeout: Duration,
    query: OnceCell<Query<D>>,
}

impl<D: Dialect> std::fmt::Debug for TableRows<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksTableRows")
            .field("backend", &D::BACKEND)
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl<D: Dialect> TableRows<D> {
    async fn plan(&self) -> Result<Query<D>, BackendError> {
        let layout: Vec<ColumnInfo> = with_deadline(BACKEND, self.timeout, || {
            D::columns_of(&self.pool, &self.table)
        })
        .await?;
        let mut selects = Vec::new();
        let mut columns = Vec::new();
        for (column, name, required) in Column::ALL {
            match layout.iter().find(|info| info.name == name) {
                Some(info) => {
                    let kind = D::kind_of(&info.data_type);
                    selects.push(D::select(kind, &D::quote(name)));
                    columns.push((column, kind));
                }
                None if required => {
                    return Err(BackendError::invalid_data(
                        BACKEND,
                        format!("table `{}` has no column `{name}`", self.table),
                    ));
                }
                None => {}
            }
        }
        let sql = format!(
            "SELECT {} FROM {}",
            selects.join(", "),
            D::quote(&self.table)
        );
        Ok(Query {
            sql: sql.into(),
            columns,
        })
    }

    fn decode(query: &Query<D>, row: &<D::Db as sqlx::Database>::Row) -> Result<Row, String> {
        let mut read = Row {
            id: String::new(),
            public_key: String::new(),
            alg: None,
            crv: None,
            expires_at: None,
        };
        for (index, (column, kind)) in query.columns.iter().enumerate() {
            let cell: Cell =
                D::decode_cell(row, index, *kind).map_err(|error| error.to_string())?;
            match column {
                Column::Id => read.id = cell.into_string("id")?.unwrap_or_default(),
                Column::PublicKey => {
                    read.public_key = cell.into_string("publicKey")?.unwrap_or_default();
                }
                Column::Alg => read.alg = cell.into_string("alg")?,
                Column::Crv => read.crv = cell.into_string("crv")?,
                Column::ExpiresAt => read.expires_at = cell.into_time("expiresAt")?,
            }
        }
        Ok(read)
    }
}

#[async_trait]
impl<D: Dialect> ReadRows for TableRows<D> {
    async fn rows(&self) -> Result<Vec<Row>, BackendError> {
        let query = self.query.get_or_try_init(|| self.plan()).await?;
        let rows = with_deadline(BACKEND, self.timeout, || {
            D::Db::fetch_all(&self.pool, query.sql.clone())
        })
        .await?;
        rows.iter()
            .map(|row| {
                Self::decode(query, row)
                    .map_err(|detail| BackendError::invalid_data(BACKEND, detail))
            })
            .collect()
    }
}

#[async_trait]
impl KeySource for JwksTable {
    async fn fetch_keys(&self) -> Result<Vec<Jwk>, BackendError> {
        let rows = self.rows.rows().await?;
        let grace =
            chrono::Duration::from_std(self.options.grace_period).unwrap_or(chrono::Duration::MAX);
        let now = Utc::now();
        let mut keys = Vec::new();
        for row in rows {
            if row.expires_at.is_some_and(|expires| expires + grace <= now) {
                continue;
            }
            let Ok(mut jwk) = serde_json::from_str::<Jwk>(&row.public_key) else {
                tracing::warn!(target: "better_auth", kid = %row.id, "jwks row with an unreadable publicKey skipped");
                continue;
            };
            jwk.kid = Some(row.id);
            jwk.alg = jwk
                .alg
                .or(row.alg)
                .or_else(|| Some(self.options.default_alg.clone()));
            jwk.crv = jwk.crv.or(row.crv);
            keys.push(jwk);
        }
        Ok(keys)
    }
}

//! Keys read straight from Better Auth's `jwks` table, for services that share its database
//! and cannot (or need not) reach its HTTP endpoint. Only `publicKey` (the public JWK, stored
//! in plain JSON) is read; the encrypted private key is never touched.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Jwk, KeySource};
use crate::error::BackendError;

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

#[derive(Debug, Clone)]
enum Pool {
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
}

/// A [`KeySource`] reading Better Auth's `jwks` table.
#[derive(Debug, Clone)]
pub struct JwksTable {
    pool: Pool,
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
        Self {
            pool: Pool::Postgres(pool),
            options,
        }
    }

    /// Reads the table through a SQLite pool.
    #[cfg(feature = "sqlite")]
    pub fn sqlite(pool: sqlx::SqlitePool, options: JwksTableOptions) -> Self {
        Self {
            pool: Pool::Sqlite(pool),
            options,
        }
    }

    fn sql(&self) -> String {
        format!(
            "SELECT * FROM {}",
            crate::store::quote_identifier(&self.options.table)
        )
    }

    async fn rows(&self) -> Result<Vec<Row>, sqlx::Error> {
        use sqlx::Row as _;
        let sql = sqlx::AssertSqlSafe(self.sql());
        match &self.pool {
            #[cfg(feature = "postgres")]
            Pool::Postgres(pool) => sqlx::query(sql)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| {
                    Ok(Row {
                        id: row.try_get::<String, _>("id")?,
                        public_key: row.try_get("publicKey")?,
                        alg: row.try_get("alg").unwrap_or(None),
                        crv: row.try_get("crv").unwrap_or(None),
                        expires_at: row.try_get("expiresAt")?,
                    })
                })
                .collect(),
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(pool) => sqlx::query(sql)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| {
                    let expires_at: Option<String> = row.try_get("expiresAt")?;
                    Ok(Row {
                        id: row.try_get("id")?,
                        public_key: row.try_get("publicKey")?,
                        alg: row.try_get("alg").unwrap_or(None),
                        crv: row.try_get("crv").unwrap_or(None),
                        expires_at: expires_at.as_deref().and_then(crate::store::parse_time),
                    })
                })
                .collect(),
        }
    }
}

#[async_trait]
impl KeySource for JwksTable {
    async fn fetch_keys(&self) -> Result<Vec<Jwk>, BackendError> {
        let rows = match tokio::time::timeout(self.options.timeout, self.rows()).await {
            Ok(Ok(rows)) => rows,
            Ok(Err(error)) => return Err(BackendError::unavailable(BACKEND, error)),
            Err(_) => return Err(BackendError::timeout(BACKEND, self.options.timeout)),
        };
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

//! The database a Better Auth server and our store share in a test, with the few writes tests
//! make behind Better Auth's back (expire a session, ban a user).

use std::path::PathBuf;

use sqlx::{AssertSqlSafe, PgPool, SqlitePool};

use crate::{mysql::TempMySqlDatabase, postgres::TempDatabase};

/// A test database: a PostgreSQL database of its own, or a SQLite file in a temporary folder.
pub enum TestDb {
    /// PostgreSQL.
    Postgres(TempDatabase),
    /// MySQL / MariaDB.
    MySql(TempMySqlDatabase),
    /// SQLite.
    Sqlite {
        /// Keeps the folder alive.
        dir: tempfile::TempDir,
        /// The database file.
        path: PathBuf,
    },
}

impl TestDb {
    /// A new PostgreSQL database.
    pub async fn postgres() -> Self {
        Self::Postgres(TempDatabase::create().await)
    }

    /// A new MySQL / MariaDB database.
    pub async fn mysql() -> Self {
        Self::MySql(TempMySqlDatabase::create().await)
    }

    /// A new SQLite file (created by whoever opens it first).
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("auth.db");
        Self::Sqlite { dir, path }
    }

    /// `"postgres"` or `"sqlite"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgres",
            Self::MySql(_) => "mysql",
            Self::Sqlite { .. } => "sqlite",
        }
    }

    /// The URL our stores connect to.
    pub fn url(&self) -> String {
        match self {
            Self::Postgres(db) => db.url(),
            Self::MySql(db) => db.url(),
            Self::Sqlite { path, .. } => format!("sqlite://{}", path.display()),
        }
    }

    /// The Better Auth server configuration for this database.
    /// An authenticator with `config` over a SQL store on this database (as Better Auth laid it
    /// out).
    pub async fn authenticator(
        &self,
        config: better_auth_core::AuthConfig,
    ) -> better_auth_core::Authenticator {
        let store = better_auth_core::store::connect(
            &self.url(),
            better_auth_core::store::SqlOptions::default(),
        )
        .await
        .expect("a SQL store on the test database");
        better_auth_core::Authenticator::builder(config)
            .session_store_arc(store)
            .build()
            .expect("the test authenticator")
    }

    pub fn server_config(&self, plugins: serde_json::Value) -> serde_json::Value {
        match self {
            Self::Postgres(db) => {
                crate::better_auth::BetterAuthServer::postgres_config(&db.url(), plugins)
            }
            Self::MySql(db) => serde_json::json!({
                "database": {"kind": "mysql", "url": db.url()},
                "secret": crate::SECRET,
                "plugins": plugins,
            }),
            Self::Sqlite { path, .. } => {
                crate::better_auth::BetterAuthServer::sqlite_config(path, plugins)
            }
        }
    }

    /// Runs one statement with one text parameter; `{}` in `sql` is replaced by the backend's
    /// placeholder (and, for MySQL, double-quoted identifiers by backquoted ones). Returns the
    /// number of rows changed.
    pub async fn execute(&self, sql: &str, param: &str) -> u64 {
        match self {
            Self::Postgres(db) => {
                let pool: PgPool = db.pool().await;
                let sql = sql.replace("{}", "$1");
                let done = sqlx::query(AssertSqlSafe(sql))
                    .bind(param)
                    .execute(&pool)
                    .await;
                pool.close().await;
                done.expect("statement runs").rows_affected()
            }
            Self::MySql(db) => {
                let pool = db.pool().await;
                let sql = backquote_identifiers(sql).replace("{}", "?");
                let done = sqlx::query(AssertSqlSafe(sql))
                    .bind(param)
                    .execute(&pool)
                    .await;
                pool.close().await;
                done.expect("statement runs").rows_affected()
            }
            Self::Sqlite { path, .. } => {
                let pool = SqlitePool::connect(&format!("sqlite://{}", path.display()))
                    .await
                    .expect("open SQLite");
                let sql = sql.replace("{}", "?1");
                let done = sqlx::query(AssertSqlSafe(sql))
                    .bind(param)
                    .execute(&pool)
                    .await;
                pool.close().await;
                done.expect("statement runs").rows_affected()
            }
        }
    }

    /// Sets a session's `expiresAt` one minute in the past, in this backend's date format.
    pub async fn expire_session(&self, token: &str) {
        let past = match self {
            Self::Postgres(_) => "now() - interval '1 minute'".to_owned(),
            Self::MySql(_) => "UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE".to_owned(),
            Self::Sqlite { .. } => {
                let past = chrono::Utc::now() - chrono::Duration::minutes(1);
                format!("'{}'", past.format("%Y-%m-%dT%H:%M:%S%.3fZ"))
            }
        };
        let changed = self
            .execute(
                &format!("UPDATE \"session\" SET \"expiresAt\" = {past} WHERE \"token\" = {{}}"),
                token,
            )
            .await;
        assert_eq!(changed, 1, "one session expired");
    }

    /// Bans a user (admin plugin columns) with no end date.
    pub async fn ban_user(&self, user_id: &str) {
        let truth = match self {
            Self::Postgres(_) | Self::MySql(_) => "true",
            Self::Sqlite { .. } => "1",
        };
        let changed = self
            .execute(
                &format!("UPDATE \"user\" SET \"banned\" = {truth}, \"banReason\" = 'test' WHERE \"id\" = {{}}"),
                user_id,
            )
            .await;
        assert_eq!(changed, 1, "one user banned");
    }
}

/// MySQL quotes identifiers with backquotes: turn `"name"` into `` `name` `` outside of
/// single-quoted string literals.
fn backquote_identifiers(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut in_literal = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                in_literal = !in_literal;
                out.push(c);
            }
            '"' if !in_literal => out.push('`'),
            _ => out.push(c),
        }
    }
    out
}

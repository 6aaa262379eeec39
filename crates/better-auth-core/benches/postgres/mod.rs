//! A PostgreSQL database of a bench's own on the machine's server (`DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`), made with a schema and dropped at the end.
#![allow(dead_code)]

use sqlx::{Connection, Executor, PgConnection};

/// The bench's database.
pub(crate) struct BenchDatabase {
    server: String,
    name: String,
    /// Its URL.
    pub(crate) url: String,
}

impl BenchDatabase {
    /// Creates `{prefix}_{pid}` and runs `schema` (several statements) in it.
    pub(crate) async fn create(prefix: &str, schema: &str) -> Self {
        let server = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("{prefix}_{}", std::process::id());
        let mut admin = PgConnection::connect(&server)
            .await
            .unwrap_or_else(|error| {
                panic!("PostgreSQL is unreachable at DATABASE_URL={server}: {error}")
            });
        for statement in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin
                .execute(sqlx::AssertSqlSafe(statement))
                .await
                .expect("create the bench database");
        }
        let url = match server.rfind('/') {
            Some(slash) if slash > "postgres://".len() => format!("{}/{name}", &server[..slash]),
            _ => format!("{}/{name}", server.trim_end_matches('/')),
        };
        let mut db = PgConnection::connect(&url)
            .await
            .expect("connect to the bench database");
        db.execute(sqlx::AssertSqlSafe(schema.to_owned()))
            .await
            .expect("the bench schema");
        Self { server, name, url }
    }

    /// Drops it (the pools on it are closed by `WITH (FORCE)`).
    pub(crate) async fn drop_database(self) {
        if let Ok(mut admin) = PgConnection::connect(&self.server).await {
            let _ = admin
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                )))
                .await;
        }
    }
}

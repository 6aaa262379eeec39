//! A PostgreSQL database of the test's own, created on the server `DATABASE_URL` names and
//! dropped when the value is dropped.

use sqlx::{Connection, Executor, PgConnection};

use crate::services::postgres_url;

/// A uniquely named database, dropped (with `FORCE`) on drop.
pub struct TempDatabase {
    name: String,
    server_url: String,
}

impl TempDatabase {
    /// Creates `ba_rs_<suffix>` on the server. Panics with a message naming `DATABASE_URL` when
    /// the server cannot be reached: a test never skips silently.
    pub async fn create() -> Self {
        let server_url = postgres_url();
        let mut admin = PgConnection::connect(&server_url)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "PostgreSQL is unreachable at DATABASE_URL={server_url}: {error}. Start it \
                 (pg_ctlcluster --skip-systemctl-redirect 15 main start) or point DATABASE_URL \
                 at a server where the tests may create databases."
                )
            });
        let name = format!("ba_rs_{}", crate::unique_suffix());
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .await
            .unwrap_or_else(|error| panic!("cannot create database {name}: {error}"));
        Self { name, server_url }
    }

    /// The database's URL.
    pub fn url(&self) -> String {
        let mut url = url::Url::parse(&self.server_url).expect("DATABASE_URL is a URL");
        url.set_path(&format!("/{}", self.name));
        url.to_string()
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Opens a connection pool to it.
    pub async fn pool(&self) -> sqlx::PgPool {
        sqlx::PgPool::connect(&self.url())
            .await
            .expect("connect to the test database")
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        crate::drop_database::<PgConnection>(
            self.server_url.clone(),
            &self.name,
            format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
        );
    }
}

//! A MySQL / MariaDB database of the test's own, created on the server `MYSQL_URL` names and
//! dropped when the value is dropped.

use sqlx::{Connection, Executor, MySqlConnection};

use crate::services::mysql_url;

/// A uniquely named database, dropped on drop.
pub struct TempMySqlDatabase {
    name: String,
    server_url: String,
}

impl TempMySqlDatabase {
    /// Creates `ba_rs_<suffix>`. Panics with a message naming `MYSQL_URL` when the server cannot
    /// be reached: a test never skips silently.
    pub async fn create() -> Self {
        let server_url = mysql_url();
        let mut admin = MySqlConnection::connect(&server_url)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "MySQL/MariaDB is unreachable at MYSQL_URL={server_url}: {error}. Start it \
                 (start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd) or \
                 point MYSQL_URL at a server where the tests may create databases."
                )
            });
        let name = format!("ba_rs_{}", crate::unique_suffix());
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{name}`")))
            .await
            .unwrap_or_else(|error| panic!("cannot create database {name}: {error}"));
        Self { name, server_url }
    }

    /// The database's URL.
    pub fn url(&self) -> String {
        let mut url = url::Url::parse(&self.server_url).expect("MYSQL_URL is a URL");
        url.set_path(&format!("/{}", self.name));
        url.to_string()
    }

    /// Opens a connection pool to it.
    pub async fn pool(&self) -> sqlx::MySqlPool {
        sqlx::MySqlPool::connect(&self.url())
            .await
            .expect("connect to the test database")
    }
}

impl Drop for TempMySqlDatabase {
    fn drop(&mut self) {
        crate::drop_database::<MySqlConnection>(
            self.server_url.clone(),
            &self.name,
            format!("DROP DATABASE IF EXISTS `{}`", self.name),
        );
    }
}

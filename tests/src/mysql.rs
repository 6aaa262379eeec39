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
        let name = self.name.clone();
        let server_url = self.server_url.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = MySqlConnection::connect(&server_url).await?;
                admin
                    .execute(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS `{name}`"
                    )))
                    .await?;
                Ok::<_, anyhow::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop test database {}", self.name);
        }
    }
}

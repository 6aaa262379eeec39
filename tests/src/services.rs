//! Where the machine's services are. Each URL comes from an environment variable, read at run
//! time, with the machine's default.

/// `DATABASE_URL`: a PostgreSQL server where the tests may create and drop databases.
pub fn postgres_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|url| url.starts_with("postgres"))
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `MYSQL_URL`: a MySQL or MariaDB server where the tests may create and drop databases.
pub fn mysql_url() -> String {
    std::env::var("MYSQL_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| "mysql://root@127.0.0.1:3306".to_owned())
}

/// `REDIS_URL`: a Redis server the tests may write keys to (each test uses its own prefix).
pub fn redis_url() -> String {
    std::env::var("REDIS_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned())
}

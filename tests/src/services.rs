//! Where the machine's services are. Each URL comes from an environment variable, read at run
//! time, with the machine's default.

/// `DATABASE_URL`: a PostgreSQL server where the tests may create and drop databases.
pub fn postgres_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|url| url.starts_with("postgres"))
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

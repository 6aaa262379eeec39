//! Test support for better-auth-rs: real services, never mocks.
//!
//! - [`services`]: the URLs of the machine's PostgreSQL (and later MariaDB, Redis), from the
//!   environment, with a clear failure naming the variable when a service is unreachable;
//! - [`postgres`]: a uniquely named database per test, dropped afterwards;
//! - [`better_auth`]: a real Better Auth server (Node) started per test, and an HTTP client
//!   that signs users up and in through its API.
//! - [`oauth_provider`]: that server as an OAuth 2.1 authorization server
//!   (`@better-auth/oauth-provider`), with clients and real access tokens got over HTTP.
#![forbid(unsafe_code)]
#![allow(
    missing_docs,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::print_stdout
)]

pub mod better_auth;
pub mod cookie_scenario;
pub mod counting;
pub mod db;
pub mod faults;
pub mod jwks_server;
pub mod jws;
pub mod mysql;
pub mod oauth_provider;
pub mod postgres;
pub mod proxy;
pub mod raw_http;
pub mod resource_scenario;
pub mod scenario;
pub mod services;

/// A secret of the right length for tests (the one the captured vectors use).
pub const SECRET: &str = "a-32+char-test-secret-for-ba-probe-0123456789";

/// Better Auth's defaults with [`SECRET`].
pub fn test_config() -> better_auth_core::AuthConfig {
    better_auth_core::AuthConfig::new(
        better_auth_core::SecretSet::single(SECRET).expect("the test secret is valid"),
    )
}

/// `length` random characters of `alphabet`: a credential nobody was given (a session token of
/// Better Auth's shape with [`ALPHANUMERIC`], an opaque access token or an API key with
/// [`LETTERS`]).
pub fn random_text(length: usize, alphabet: &[u8]) -> String {
    (0..length)
        .map(|_| char::from(alphabet[rand::random_range(0..alphabet.len())]))
        .collect()
}

/// Better Auth's session tokens' alphabet.
pub const ALPHANUMERIC: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// The alphabet of its API keys and of the OAuth provider's opaque tokens.
pub const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// A unique suffix for names made by this test run: process id, time, counter.
pub fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{}_{nanos}_{n}", std::process::id())
}

/// Drops a test database from a `Drop` impl: `drop_statement` runs on a fresh admin connection
/// to `server_url`, on a thread with its own runtime (a `Drop` runs outside any async context we
/// can rely on). A failure is a warning, not a panic inside a drop.
pub(crate) fn drop_database<C>(server_url: String, name: &str, drop_statement: String)
where
    C: sqlx::Connection,
    for<'c> &'c mut C: sqlx::Executor<'c>,
{
    let dropped = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            use sqlx::Executor;
            let mut admin = C::connect(&server_url).await?;
            (&mut admin)
                .execute(sqlx::AssertSqlSafe(drop_statement))
                .await?;
            Ok::<_, anyhow::Error>(())
        })
    })
    .join();
    if !matches!(dropped, Ok(Ok(()))) {
        eprintln!("warning: could not drop test database {name}");
    }
}

/// A request's headers from `(name, value)` pairs (repeated names kept, in order).
pub fn header_map(pairs: &[(&str, &str)]) -> better_auth_core::http::HeaderMap {
    let mut map = better_auth_core::http::HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            better_auth_core::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            better_auth_core::http::HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

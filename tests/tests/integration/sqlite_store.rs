//! The SQLite store on real SQLite files: Better Auth's layout (ISO text dates, 0/1 booleans)
//! is covered by the interop tests; here, the other forms Drizzle and hand-made schemas use.

use better_auth_core::{
    ConfigError, Schema,
    store::SessionStore,
    store::{SqlOptions, SqliteStore},
};
use sqlx::{Executor, SqlitePool, sqlite::SqliteConnectOptions};

async fn database(statements: &[&str]) -> (tempfile::TempDir, SqlitePool) {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("auth.db"))
        .create_if_missing(true);
    let pool = SqlitePool::connect_with(options).await.unwrap();
    for sql in statements {
        pool.execute(sqlx::AssertSqlSafe((*sql).to_owned()))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    (dir, pool)
}

#[tokio::test]
async fn drizzle_timestamp_ms_integers_and_snake_case() {
    let future_ms = (chrono::Utc::now() + chrono::Duration::hours(1)).timestamp_millis();
    let insert_session = format!(
        "INSERT INTO session VALUES ('s1', {future_ms}, 'tok', 1767225600000, 1767225600000, 'u1', '{{\"a\":1}}')"
    );
    let (_dir, pool) = database(&[
        "CREATE TABLE user (id text PRIMARY KEY, name text NOT NULL, email text NOT NULL, email_verified integer NOT NULL,
         image text, created_at integer NOT NULL, updated_at integer NOT NULL, is_anonymous integer, banned integer,
         ban_expires integer)",
        "CREATE TABLE session (id text PRIMARY KEY, expires_at integer NOT NULL, token text NOT NULL, created_at integer NOT NULL,
         updated_at integer NOT NULL, user_id text NOT NULL, metadata text)",
        // Seconds (Drizzle `timestamp` mode) for the user, milliseconds (`timestamp_ms`) for the session.
        "INSERT INTO user VALUES ('u1', 'F', 'f@example.com', 1, NULL, 1767225600, 1767225600, 0, 1, 1767225600)",
        &insert_session,
    ])
    .await;
    let store = SqliteStore::from_pool(pool, SqlOptions::with_schema(Schema::snake_case()))
        .await
        .unwrap();
    let record = store.find_session("tok").await.unwrap().expect("found");
    assert_eq!(
        record.user.created_at.to_rfc3339(),
        "2026-01-01T00:00:00+00:00"
    );
    assert_eq!(record.session.created_at, record.user.created_at);
    assert_eq!(record.session.expires_at.timestamp_millis(), future_ms);
    assert_eq!(record.user.is_anonymous, Some(false));
    assert!(
        !record.user.is_banned_at(chrono::Utc::now()),
        "a ban whose end has passed is lifted"
    );
    assert_eq!(
        record.session.extra["metadata"], "{\"a\":1}",
        "SQLite text stays text"
    );
}

#[tokio::test]
async fn a_missing_column_names_the_fix() {
    let (_dir, pool) = database(&[
        r#"CREATE TABLE "user" ("id" text, "name" text, "email" text, "createdAt" date, "updatedAt" date)"#,
        r#"CREATE TABLE "session" ("id" text, "expiresAt" date, "token" text, "createdAt" date, "updatedAt" date, "userId" text)"#,
    ])
    .await;
    let error = SqliteStore::from_pool(pool, SqlOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ConfigError::MissingColumn { table, field, .. } if table == "user" && field == "emailVerified"),
        "{error}"
    );
}

#[tokio::test]
async fn a_missing_file_is_a_startup_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("absent.db").display());
    let error = SqliteStore::connect(&url, SqlOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            ConfigError::Connect {
                backend: "sqlite",
                ..
            }
        ),
        "{error}"
    );
}

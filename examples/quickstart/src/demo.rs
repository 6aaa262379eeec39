//! The demo database: Better Auth 1.7's SQLite layout (`schema.sql`, as its migrations write
//! it), one demo user and one session signed with a demo secret.

use std::str::FromStr;

use anyhow::Context;
use better_auth_axum::{
    AuthConfig, Authenticator,
    core::{
        SecretSet,
        // The demo signs its own session as Better Auth would (a real service never signs:
        // Better Auth does), with the helpers of this workspace's own tools.
        internals as signing,
        store::{SqlOptions, SqliteStore},
    },
};
use chrono::{Duration, SecondsFormat, Utc};
use rand::{Rng, distr::Alphanumeric};
use sqlx::{SqlitePool, sqlite::SqliteConnectOptions};

/// The secret of the demo database. Never use it for anything else.
pub(crate) const DEMO_SECRET: &str = "better-auth-rs-quickstart-demo-secret-not-for-production";

const SCHEMA: &str = include_str!("../schema.sql");
const DEMO_EMAIL: &str = "ada@example.com";

/// The demo session's raw token.
pub(crate) struct DemoSession {
    token: String,
}

/// A random id or token like Better Auth's: 32 characters of `[A-Za-z0-9]`.
fn random_id() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

fn iso(time: chrono::DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Opens the demo database at `path`, creating and seeding it when new; makes sure the demo
/// user has a live session.
pub(crate) async fn open(path: &str) -> anyhow::Result<(Authenticator, DemoSession)> {
    let options =
        SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?.create_if_missing(true);
    let pool = SqlitePool::connect_with(options)
        .await
        .with_context(|| format!("open the demo database {path}"))?;
    let fresh: bool =
        sqlx::query_scalar("SELECT count(*) = 0 FROM sqlite_master WHERE name = 'session'")
            .fetch_one(&pool)
            .await?;
    if fresh {
        sqlx::raw_sql(SCHEMA)
            .execute(&pool)
            .await
            .context("create the Better Auth tables")?;
        let now = iso(Utc::now());
        sqlx::query(r#"INSERT INTO "user" ("id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt") VALUES (?1, 'Ada Lovelace', ?2, 1, NULL, ?3, ?3)"#)
            .bind(random_id())
            .bind(DEMO_EMAIL)
            .bind(&now)
            .execute(&pool)
            .await?;
    }
    let session = live_session(&pool).await?;

    let store = SqliteStore::from_pool(pool, SqlOptions::default()).await?;
    let auth = Authenticator::builder(AuthConfig::new(SecretSet::single(DEMO_SECRET)?))
        .session_store(store)
        .build()?;
    Ok((auth, session))
}

/// The demo user's newest unexpired session, or a new one (7 days, like Better Auth's default).
async fn live_session(pool: &SqlitePool) -> anyhow::Result<DemoSession> {
    let now = Utc::now();
    let existing: Option<String> = sqlx::query_scalar(
        r#"SELECT s."token" FROM "session" s JOIN "user" u ON u."id" = s."userId"
           WHERE u."email" = ?1 AND s."expiresAt" > ?2 ORDER BY s."expiresAt" DESC LIMIT 1"#,
    )
    .bind(DEMO_EMAIL)
    .bind(iso(now + Duration::hours(1)))
    .fetch_optional(pool)
    .await?;
    if let Some(token) = existing {
        return Ok(DemoSession { token });
    }
    let token = random_id();
    sqlx::query(
        r#"INSERT INTO "session" ("id", "expiresAt", "token", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId")
           SELECT ?1, ?2, ?3, ?4, ?4, '127.0.0.1', 'better-auth-rs quickstart', "id" FROM "user" WHERE "email" = ?5"#,
    )
    .bind(random_id())
    .bind(iso(now + Duration::days(7)))
    .bind(&token)
    .bind(iso(now))
    .bind(DEMO_EMAIL)
    .execute(pool)
    .await
    .context("create the demo session (is the demo user still there?)")?;
    Ok(DemoSession { token })
}

/// Prints what to try.
pub(crate) fn print_hints(base: &str, path: &str, auth: &Authenticator, session: &DemoSession) {
    let secrets = &auth.config().secrets;
    let cookie = signing::cookie_value(&session.token, secrets.current());
    let bearer = signing::sign(&session.token, secrets.current());
    let name = auth.session_cookie_name();
    let mut tampered = cookie.clone();
    tampered.replace_range(0..1, if tampered.starts_with('x') { "y" } else { "x" });
    println!("demo database {path}, demo user {DEMO_EMAIL}, demo secret (not for production)");
    println!("try:");
    println!("  curl -i {base}/me --cookie '{name}={cookie}'");
    println!("  curl -i {base}/me -H 'Authorization: Bearer {bearer}'");
    println!("  curl -i {base}/me --cookie '{name}={tampered}'   # tampered: 401");
    println!("  curl -i {base}/me   # no credentials: 401");
}

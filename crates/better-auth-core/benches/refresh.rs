//! The cost of a session refresh (one guarded `UPDATE`) on the machine's PostgreSQL
//! (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`), against the lookup
//! every request makes, in the same run: `cargo bench -p better-auth-core --features postgres
//! --bench refresh`.
//!
//! It creates a database of its own with Better Auth's PostgreSQL layout (one user, one
//! session) and drops it at the end.

use std::time::Duration;

use better_auth_core::{
    AuthConfig, Authenticator, SecretSet, SessionLifetime, internals as signing,
    store::Extended,
    store::SessionStore,
    store::{PostgresStore, SqlOptions},
};
use criterion::{Criterion, criterion_group, criterion_main};

mod postgres;

const SECRET: &str = "a-32+char-test-secret-for-ba-probe-0123456789";
const TOKEN: &str = "benchrefreshsessiontoken00000001";

const SCHEMA: &str = r#"
CREATE TABLE "user" ("id" text PRIMARY KEY, "name" text NOT NULL, "email" text NOT NULL UNIQUE,
  "emailVerified" boolean NOT NULL, "image" text, "createdAt" timestamptz NOT NULL,
  "updatedAt" timestamptz NOT NULL);
CREATE TABLE "session" ("id" text PRIMARY KEY, "expiresAt" timestamptz NOT NULL,
  "token" text NOT NULL UNIQUE, "createdAt" timestamptz NOT NULL, "updatedAt" timestamptz NOT NULL,
  "ipAddress" text, "userAgent" text, "userId" text NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE);
INSERT INTO "user" VALUES ('u1', 'Bench', 'bench@example.com', true, NULL, now(), now());
INSERT INTO "session" VALUES ('s1', now() + interval '7 days', 'benchrefreshsessiontoken00000001',
  now(), now(), '203.0.113.7', 'bench', 'u1');
"#;

fn headers() -> http::HeaderMap {
    let secrets = SecretSet::single(SECRET).expect("the bench secret is valid");
    let cookie = format!(
        "better-auth.session_token={}",
        signing::cookie_value(TOKEN, secrets.current())
    );
    let mut headers = http::HeaderMap::new();
    headers.insert("cookie", cookie.parse().expect("a header value"));
    headers
}

fn authenticator(runtime: &tokio::runtime::Runtime, url: &str, update_age: i64) -> Authenticator {
    let mut config = AuthConfig::new(SecretSet::single(SECRET).expect("the bench secret"));
    let mut lifetime = SessionLifetime::default();
    lifetime.update_age = chrono::Duration::seconds(update_age);
    config.session = lifetime;
    let store = runtime
        .block_on(PostgresStore::connect(url, SqlOptions::default()))
        .expect("the bench store");
    Authenticator::builder(config)
        .session_store(store)
        .build()
        .expect("the bench authenticator")
}

fn refresh(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let database = runtime.block_on(postgres::BenchDatabase::create(
        "ba_rs_bench_refresh",
        SCHEMA,
    ));
    let url = database.url.clone();
    let store = runtime
        .block_on(PostgresStore::connect(&url, SqlOptions::default()))
        .expect("the bench store");
    let mut group = c.benchmark_group("refresh (postgres)");
    group.measurement_time(Duration::from_secs(5));

    // What every request costs: the session's lookup (one SELECT joining the user).
    group.bench_function("lookup", |b| {
        b.to_async(&runtime).iter(|| async {
            let found = store.find_session(TOKEN).await.expect("the lookup");
            assert!(found.is_some());
        })
    });
    // What a due request adds: one guarded UPDATE, each with new dates (every one is written).
    let mut lifetime = SessionLifetime::default();
    lifetime.update_age = chrono::Duration::zero();
    let start = chrono::Utc::now();
    let step = std::sync::atomic::AtomicI64::new(0);
    group.bench_function("refresh write", |b| {
        b.to_async(&runtime).iter(|| async {
            let ms = step.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let extension = lifetime.extension_at(start + chrono::Duration::milliseconds(ms));
            let written = store
                .extend_session(TOKEN, &extension)
                .await
                .expect("the refresh");
            assert_eq!(written, Extended::Written);
        })
    });
    // A whole request through the authenticator, not due: lookup, signature, checks.
    let request = headers();
    let lookup = authenticator(&runtime, &url, 86_400);
    group.bench_function("authenticate_request, not due", |b| {
        b.to_async(&runtime).iter(|| async {
            let outcome = lookup.authenticate_request("GET", &request).await;
            assert!(outcome.refresh_headers().is_none());
        })
    });
    group.finish();
    drop((lookup, store));
    runtime.block_on(database.drop_database());
}

criterion_group!(benches, refresh);
criterion_main!(benches);

//! The cost of verifying an API key against a real database, counted (Better Auth's
//! behaviour: a plain read of the key, then a locked read, an `UPDATE`, a commit, then its user
//! by id) beside read only (the key's read and its user's), in the same run:
//!
//! - `api_key/sqlite/{count,read_only}`: the conformance fixture's SQLite file (a key with no
//!   quota and no rate limit: each counted use writes `lastRequest` and `updatedAt`);
//! - `api_key/postgres/{count,read_only}`: the same key in a database of its own on the
//!   PostgreSQL at `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432`).
//!
//! `cargo bench -p better-auth-core --features postgres,test-utils --bench api_key`
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use better_auth_core::{
    ApiKeyUsage, AuthConfig, Authenticator, SecretSet,
    http::{HeaderMap, HeaderValue},
    store::{ApiKeyStore, PostgresStore, SqlOptions, SqliteStore},
    testing::{Fixture, FixtureApiKey},
};
use criterion::{Criterion, criterion_group, criterion_main};

mod postgres;

fn authenticator(store: Arc<dyn ApiKeyStore>, usage: ApiKeyUsage) -> Authenticator {
    let mut config =
        AuthConfig::new(SecretSet::single("bench-secret-0123456789abcdef0123").unwrap());
    config.api_key_usage = usage;
    Authenticator::builder(config)
        .api_key_store_arc(store)
        .build()
        .unwrap()
}

fn headers(key: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("x-api-key", HeaderValue::from_str(key).unwrap());
    headers
}

const POSTGRES_SCHEMA: &str = r#"
CREATE TABLE "user" ("id" text primary key, "name" text not null, "email" text not null, "emailVerified" boolean not null, "image" text, "createdAt" timestamptz not null, "updatedAt" timestamptz not null);
CREATE TABLE "apikey" ("id" text primary key, "configId" text not null, "name" text, "start" text, "referenceId" text not null, "prefix" text, "key" text not null, "refillInterval" integer, "refillAmount" integer, "lastRefillAt" timestamptz, "enabled" boolean, "rateLimitEnabled" boolean, "rateLimitTimeWindow" integer, "rateLimitMax" integer, "requestCount" integer, "remaining" integer, "lastRequest" timestamptz, "expiresAt" timestamptz, "createdAt" timestamptz not null, "updatedAt" timestamptz not null, "permissions" text, "metadata" text);
CREATE INDEX "apikey_key_idx" ON "apikey" ("key");
"#;

/// A database of its own on `DATABASE_URL`'s server with the fixture's valid key.
async fn postgres_database(hashed: &str) -> postgres::BenchDatabase {
    let schema = format!(
        r#"{POSTGRES_SCHEMA}
        INSERT INTO "user" VALUES ('u1', 'Bench', 'bench@example.com', true, null, now(), now());
        INSERT INTO "apikey" ("id", "configId", "referenceId", "key", "enabled", "rateLimitEnabled", "requestCount", "createdAt", "updatedAt", "metadata")
        VALUES ('k1', 'default', 'u1', '{hashed}', true, false, 0, now(), now(), 'null');"#
    );
    postgres::BenchDatabase::create("bench_api_key", &schema).await
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let key = FixtureApiKey::Valid.key();
    let fixture = runtime.block_on(Fixture::new());
    let sqlite_url = format!("sqlite://{}", fixture.database_path().display());
    let sqlite: Arc<dyn ApiKeyStore> = Arc::new(
        runtime
            .block_on(SqliteStore::connect(&sqlite_url, SqlOptions::default()))
            .unwrap(),
    );
    let hashed = {
        use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
        use sha2::{Digest, Sha256};
        URL_SAFE_NO_PAD.encode(Sha256::digest(key.as_bytes()))
    };
    let database = runtime.block_on(postgres_database(&hashed));
    let postgres_url = database.url.clone();
    let mut api_keys_only = SqlOptions::default();
    api_keys_only.sessions_required = false;
    let postgres: Arc<dyn ApiKeyStore> = Arc::new(
        runtime
            .block_on(PostgresStore::connect(&postgres_url, api_keys_only))
            .unwrap(),
    );
    let request = headers(&key);
    for (backend, store) in [("sqlite", sqlite), ("postgres", postgres)] {
        for (mode, usage) in [
            ("count", ApiKeyUsage::Count),
            ("read_only", ApiKeyUsage::ReadOnly),
        ] {
            let auth = authenticator(store.clone(), usage);
            runtime.block_on(auth.authenticate(&request)).unwrap();
            c.bench_function(&format!("api_key/{backend}/{mode}"), |b| {
                b.to_async(&runtime)
                    .iter(|| async { auth.authenticate(&request).await.unwrap() });
            });
        }
    }
    // The bench's database goes with it.
    runtime.block_on(database.drop_database());
}

criterion_group!(benches, bench);
criterion_main!(benches);

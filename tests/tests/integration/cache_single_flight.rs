//! The cache in front of a REAL PostgreSQL store: coalescing (N concurrent requests for one
//! uncached token make ONE query), negative answers, and expiry still checked on cached records.
//! Queries are counted by a wrapper around the real store (`CountingStore`: one lookup, single
//! or batched, is one query).

use std::{sync::Arc, time::Duration};

use better_auth_core::{
    AuthConfig, AuthError, Authenticator, CacheOptions, CachedStore, SecretSet,
    http::HeaderMap,
    internals as signing,
    store::SessionStore,
    store::{PostgresStore, SqlOptions},
};
use better_auth_tests::{SECRET, counting::CountingStore, postgres::TempDatabase};
use sqlx::Executor;

async fn counting_store(db: &TempDatabase, expires_in: &str) -> Arc<CountingStore> {
    let pool = db.pool().await;
    for sql in [
        r#"CREATE TABLE "user" ("id" text PRIMARY KEY, "name" text NOT NULL, "email" text NOT NULL,
           "emailVerified" boolean NOT NULL, "image" text, "createdAt" timestamptz NOT NULL, "updatedAt" timestamptz NOT NULL)"#
            .to_owned(),
        r#"CREATE TABLE "session" ("id" text PRIMARY KEY, "expiresAt" timestamptz NOT NULL, "token" text NOT NULL UNIQUE,
           "createdAt" timestamptz NOT NULL, "updatedAt" timestamptz NOT NULL, "userId" text NOT NULL REFERENCES "user"("id"))"#
            .to_owned(),
        r#"INSERT INTO "user" VALUES ('u1','E','e@example.com',true,NULL,now(),now())"#.to_owned(),
        format!(r#"INSERT INTO "session" VALUES ('s1',now() + interval '{expires_in}','hot-token',now(),now(),'u1')"#),
    ] {
        pool.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    }
    let inner = PostgresStore::from_pool(pool, SqlOptions::default())
        .await
        .unwrap();
    CountingStore::new(Arc::new(inner))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_thousand_concurrent_requests_make_one_query() {
    let db = TempDatabase::create().await;
    let counting = counting_store(&db, "1 hour").await;
    let cached = Arc::new(CachedStore::new(counting.clone(), CacheOptions::default()));

    let lookups = (0..1000).map(|_| {
        let cached = cached.clone();
        tokio::spawn(async move { cached.find_session("hot-token").await })
    });
    for result in futures::future::join_all(lookups).await {
        assert!(result.unwrap().unwrap().is_some());
    }
    assert_eq!(counting.lookups(), 1, "1000 concurrent lookups, one query");

    // Unknown tokens are cached as "none" too: 1000 more lookups of one stale token, one query.
    let misses = (0..1000).map(|_| {
        let cached = cached.clone();
        tokio::spawn(async move { cached.find_session("signed-out-token").await })
    });
    for result in futures::future::join_all(misses).await {
        assert!(result.unwrap().unwrap().is_none());
    }
    assert_eq!(counting.lookups(), 2);
}

#[tokio::test]
async fn entries_live_for_the_ttl_only() {
    let db = TempDatabase::create().await;
    let counting = counting_store(&db, "1 hour").await;
    let cached = CachedStore::new(
        counting.clone(),
        CacheOptions::with_ttl(Duration::from_millis(300)),
    );
    cached.find_session("hot-token").await.unwrap();
    cached.find_session("hot-token").await.unwrap();
    assert_eq!(counting.lookups(), 1);
    tokio::time::sleep(Duration::from_millis(600)).await;
    cached.find_session("hot-token").await.unwrap();
    assert_eq!(counting.lookups(), 2, "asked again after the TTL");
}

#[tokio::test]
async fn a_cached_session_still_expires_on_time() {
    let db = TempDatabase::create().await;
    let counting = counting_store(&db, "1 second").await;
    let secrets = SecretSet::single(SECRET).unwrap();
    let cookie = signing::cookie_value("hot-token", secrets.current());
    // Refresh off: this is about the cache never serving a session past its `expiresAt` (a due
    // session would otherwise be refreshed, as Better Auth refreshes it).
    let mut config = AuthConfig::new(secrets);
    config.session.refresh = false;
    let auth = Authenticator::builder(config)
        .session_store_arc(counting.clone())
        .cache(CacheOptions::with_ttl(Duration::from_secs(60)))
        .build()
        .unwrap();
    let mut headers = HeaderMap::new();
    headers.insert(
        "cookie",
        format!("better-auth.session_token={cookie}")
            .parse()
            .unwrap(),
    );
    auth.authenticate(&headers).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let error = auth.authenticate(&headers).await.unwrap_err();
    assert!(matches!(error, AuthError::SessionExpired), "{error:?}");
    assert_eq!(counting.lookups(), 1, "from the cache, yet expired");
}

//! Batched cache misses against a REAL PostgreSQL: concurrent lookups of different tokens share
//! store queries (counted by a wrapper: one `find_sessions` call is one query), a failed batch
//! is a 503 for every waiter (never a pass, never a hang), and a signed value answered from the
//! cache without a second HMAC is only ever the exact value that was verified.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use better_auth_core::{
    AuthConfig, AuthError, Authenticator, BatchOptions, CacheOptions, SecretSet,
    internals as signing,
    store::{self, SqlOptions},
};
use better_auth_tests::{
    SECRET, counting::CountingStore, header_map, postgres::TempDatabase, proxy::TcpProxy,
};
use sqlx::Executor;

const SESSIONS: usize = 400;

/// `SESSIONS` users, one session each (`token-N`, user `uN`), in Better Auth's layout.
async fn populate(db: &TempDatabase) {
    let pool = db.pool().await;
    for sql in [
        r#"CREATE TABLE "user" ("id" text PRIMARY KEY, "name" text NOT NULL, "email" text NOT NULL,
           "emailVerified" boolean NOT NULL, "image" text, "createdAt" timestamptz NOT NULL, "updatedAt" timestamptz NOT NULL)"#.to_owned(),
        r#"CREATE TABLE "session" ("id" text PRIMARY KEY, "expiresAt" timestamptz NOT NULL, "token" text NOT NULL UNIQUE,
           "createdAt" timestamptz NOT NULL, "updatedAt" timestamptz NOT NULL, "ipAddress" text, "userAgent" text,
           "userId" text NOT NULL REFERENCES "user"("id"))"#.to_owned(),
        format!(r#"INSERT INTO "user" SELECT 'u' || n, 'User ' || n, 'u' || n || '@example.com', false, NULL, now(), now()
           FROM generate_series(0, {}) AS n"#, SESSIONS - 1),
        format!(r#"INSERT INTO "session" SELECT 's' || n, now() + interval '1 day', 'token-' || n, now(), now(), '127.0.0.1', 'test', 'u' || n
           FROM generate_series(0, {}) AS n"#, SESSIONS - 1),
    ] {
        pool.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    }
}

fn cookie(token: &str) -> better_auth_core::http::HeaderMap {
    let secrets = SecretSet::single(SECRET).unwrap();
    let value = signing::cookie_value(token, secrets.current());
    header_map(&[("cookie", &format!("better-auth.session_token={value}"))])
}

fn authenticator(
    store: Arc<CountingStore>,
    cache: Option<CacheOptions>,
    batch: BatchOptions,
) -> Authenticator {
    let mut config = AuthConfig::new(SecretSet::single(SECRET).unwrap());
    config.session.refresh = false;
    let mut builder = Authenticator::builder(config)
        .session_store_arc(store)
        .lookup_batch(batch);
    if let Some(cache) = cache {
        builder = builder.cache(cache);
    }
    builder.build().unwrap()
}

async fn counting(url: &str, options: SqlOptions) -> Arc<CountingStore> {
    CountingStore::new(store::connect(url, options).await.unwrap())
}

/// Every session authenticated at once; the answers checked user by user.
async fn all_at_once(auth: &Authenticator) {
    let requests = (0..SESSIONS).map(|n| {
        let auth = auth.clone();
        tokio::spawn(async move {
            let identity = auth.authenticate(&cookie(&format!("token-{n}"))).await;
            (n, identity)
        })
    });
    for joined in futures::future::join_all(requests).await {
        let (n, identity) = joined.unwrap();
        assert_eq!(identity.unwrap().user.id, format!("u{n}"), "token-{n}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_of_different_tokens_share_queries() {
    let db = TempDatabase::create().await;
    populate(&db).await;
    let options = SqlOptions::default().max_connections(2);

    // Cache off, batches of up to 64 tokens, 2 in flight.
    let batched = counting(&db.url(), options.clone()).await;
    let batch = BatchOptions::default().max_tokens(64).max_in_flight(2);
    all_at_once(&authenticator(batched.clone(), None, batch)).await;
    let queries = batched.lookups();
    assert_eq!(batched.tokens(), SESSIONS, "each token asked once");
    // At best 2 + 400 / 64 (the first two alone, then 64 at a time); requests arrive spread
    // over time on a busy machine (12 seen under CI load), so the bound is an eighth of the
    // one-query-per-miss count: batching off makes 400.
    assert!(
        queries <= SESSIONS / 8,
        "{SESSIONS} concurrent misses made {queries} queries"
    );

    // One token per query: one query per miss, as many as requests.
    let single = counting(&db.url(), options).await;
    let batch = BatchOptions::default().max_tokens(1).max_in_flight(2);
    all_at_once(&authenticator(single.clone(), None, batch)).await;
    assert_eq!(single.lookups(), SESSIONS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_batch_is_a_503_for_every_waiter_then_recovers() {
    let db = TempDatabase::create().await;
    populate(&db).await;
    let url = db.url();
    let parsed = url::Url::parse(&url).unwrap();
    let proxy = TcpProxy::start(&format!(
        "{}:{}",
        parsed.host_str().unwrap(),
        parsed.port_or_known_default().unwrap()
    ))
    .await;
    let options = SqlOptions::default()
        .query_timeout(Duration::from_millis(800))
        .acquire_timeout(Duration::from_millis(800))
        .max_connections(2);
    let store = counting(&proxy.url_for(&url), options).await;
    let batch = BatchOptions::default().max_tokens(64).max_in_flight(2);
    let auth = authenticator(store.clone(), None, batch);

    for cut in [true, false] {
        if cut {
            proxy.cut();
        } else {
            proxy.blackhole();
        }
        let started = Instant::now();
        let requests = (0..SESSIONS).map(|n| {
            let auth = auth.clone();
            tokio::spawn(async move { auth.authenticate(&cookie(&format!("token-{n}"))).await })
        });
        let answers =
            tokio::time::timeout(Duration::from_secs(20), futures::future::join_all(requests))
                .await
                .expect("every waiter answered: no hang");
        for answer in answers {
            let error = answer
                .unwrap()
                .expect_err("no pass while the database is unreachable");
            assert!(matches!(error, AuthError::Backend(_)), "{error:?}");
            assert_eq!(error.status().as_u16(), 503);
        }
        assert!(store.lookups() < SESSIONS, "the failures were batched too");
        // Each batch waits for the one before it at most: a bounded wait.
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{:?}",
            started.elapsed()
        );
        proxy.heal();
        let deadline = Instant::now() + Duration::from_secs(15);
        while auth.authenticate(&cookie("token-1")).await.is_err() {
            assert!(Instant::now() < deadline, "not recovered within 15 s");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        all_at_once(&auth).await;
        store.reset_lookups();
    }
}

#[tokio::test]
async fn only_the_exact_verified_value_skips_the_signature_check() {
    let db = TempDatabase::create().await;
    populate(&db).await;
    let store = counting(&db.url(), SqlOptions::default()).await;
    let cache = CacheOptions::with_ttl(Duration::from_secs(60));
    let auth = authenticator(store.clone(), Some(cache), BatchOptions::default());
    let genuine = cookie("token-7");
    assert_eq!(auth.authenticate(&genuine).await.unwrap().user.id, "u7");
    assert_eq!(auth.authenticate(&genuine).await.unwrap().user.id, "u7");
    assert_eq!(store.lookups(), 1, "the second from the cache");

    // The same cached token under another signature: a forged one, one of another secret,
    // and the genuine signature with one character changed.
    let other = SecretSet::single("another-secret-of-at-least-32-characters!!").unwrap();
    let foreign = signing::cookie_value("token-7", other.current());
    let value = signing::cookie_value("token-7", SecretSet::single(SECRET).unwrap().current());
    let mut flipped = value.clone().into_bytes();
    let at = flipped.len() - 8;
    flipped[at] = if flipped[at] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    for forged in [
        format!("token-7.{}", "A".repeat(43) + "%3D"),
        foreign,
        flipped,
    ] {
        let headers = header_map(&[("cookie", &format!("better-auth.session_token={forged}"))]);
        let error = auth.authenticate(&headers).await.unwrap_err();
        assert!(
            matches!(error, AuthError::InvalidSignature),
            "{forged}: {error:?}"
        );
    }
    // And the genuine value is still answered.
    assert_eq!(auth.authenticate(&genuine).await.unwrap().user.id, "u7");
}

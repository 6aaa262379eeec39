//! Better Auth with Redis secondary storage (`@better-auth/redis-storage`), for real: sessions
//! live only in Redis (or in Redis and the database with `storeSessionInDatabase`), and our
//! Redis store must agree with Better Auth's own `get-session` on every case.

use std::{sync::Arc, time::Duration};

use better_auth_core::{
    AuthConfig, AuthError, Authenticator, SecretSet,
    http::{HeaderMap, HeaderValue},
    store::SessionStore,
    store::{self, RedisOptions, RedisStore, SqlOptions},
};
use better_auth_tests::{
    SECRET, better_auth::BetterAuthServer, db::TestDb, proxy::TcpProxy, services::redis_url,
    unique_suffix,
};
use redis::AsyncCommands;
use serde_json::{Value, json};

fn cookie_headers(cookie: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("cookie", HeaderValue::from_str(cookie).unwrap());
    headers
}

fn authenticator(store: Arc<dyn SessionStore>) -> Authenticator {
    Authenticator::builder(AuthConfig::new(SecretSet::single(SECRET).unwrap()))
        .session_store_arc(store)
        .build()
        .unwrap()
}

async fn redis() -> redis::aio::MultiplexedConnection {
    let url = redis_url();
    let client = redis::Client::open(url.as_str()).unwrap();
    client.get_multiplexed_async_connection().await.unwrap_or_else(|error| {
        panic!("Redis is unreachable at REDIS_URL={url}: {error}. Start it (redis-server --daemonize yes) or set REDIS_URL.")
    })
}

struct Setup {
    db: TestDb,
    server: BetterAuthServer,
    prefix: String,
}

async fn setup(options: Value) -> Setup {
    let db = TestDb::sqlite();
    let prefix = format!("ba-rs-test-{}:", unique_suffix());
    let mut config = db.server_config(json!({"bearer": {}}));
    config["redis"] = json!({"url": redis_url(), "keyPrefix": prefix});
    config["options"] = options;
    let server = BetterAuthServer::start(config).await;
    Setup { db, server, prefix }
}

async fn assert_same_verdict(
    server: &BetterAuthServer,
    auth: &Authenticator,
    cookie: &str,
) -> Result<(), AuthError> {
    let theirs = server.get_session(cookie).await;
    let ours = auth.authenticate(&cookie_headers(cookie)).await;
    assert_eq!(
        theirs.is_null(),
        ours.is_err(),
        "Better Auth says {theirs}, we say {ours:?}"
    );
    ours.map(|_| ())
}

#[tokio::test]
async fn redis_only_sessions_match_better_auth() {
    let s = setup(json!({})).await;
    let signed = s
        .server
        .sign_up("redis@example.com", "correct horse battery", "Zoë 🎉")
        .await;
    // The session is in Redis only: Better Auth does not even create a session table.
    let pool = sqlx::SqlitePool::connect(&s.db.url()).await.unwrap();
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'session'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(tables, 0, "no session table with Redis-only sessions");
    let mut redis = redis().await;
    let ttl: i64 = redis
        .ttl(format!("{}{}", s.prefix, signed.token()))
        .await
        .unwrap();
    assert!(ttl > 0, "Better Auth sets a TTL on the session key ({ttl})");

    let store = RedisStore::connect(&redis_url(), RedisOptions::with_prefix(&s.prefix))
        .await
        .unwrap();
    let auth = authenticator(Arc::new(store));
    let cookie = signed.cookie_header();
    assert_same_verdict(&s.server, &auth, &cookie)
        .await
        .unwrap();
    let identity = auth.authenticate(&cookie_headers(&cookie)).await.unwrap();
    let theirs = s.server.get_session(&cookie).await;
    assert_eq!(identity.user.id, theirs["user"]["id"].as_str().unwrap());
    assert_eq!(identity.user.name, "Zoë 🎉");
    assert_eq!(
        serde_json::to_value(identity.session.as_ref().unwrap().expires_at).unwrap(),
        theirs["session"]["expiresAt"]
    );

    // Better Auth's revocation mark: sessions created before it are revoked, key or not.
    let again = s
        .server
        .sign_in("redis@example.com", "correct horse battery")
        .await;
    let mark = chrono::Utc::now().timestamp_millis() + 1000;
    let _: () = redis
        .set(
            format!("{}revoked-sessions-before-{}", s.prefix, again.user_id()),
            mark.to_string(),
        )
        .await
        .unwrap();
    let error = assert_same_verdict(&s.server, &auth, &again.cookie_header())
        .await
        .unwrap_err();
    assert!(matches!(error, AuthError::SessionNotFound), "{error:?}");
    let _: () = redis
        .del(format!(
            "{}revoked-sessions-before-{}",
            s.prefix,
            again.user_id()
        ))
        .await
        .unwrap();

    // Signed out: the key is gone.
    assert_same_verdict(&s.server, &auth, &again.cookie_header())
        .await
        .unwrap();
    s.server.sign_out(&again.cookie_header()).await;
    let error = assert_same_verdict(&s.server, &auth, &again.cookie_header())
        .await
        .unwrap_err();
    assert!(matches!(error, AuthError::SessionNotFound), "{error:?}");
}

#[tokio::test]
async fn short_sessions_leave_redis_with_their_ttl() {
    let s = setup(json!({"session": {"expiresIn": 2, "updateAge": 1}})).await;
    let signed = s
        .server
        .sign_up("ttl@example.com", "correct horse battery", "T")
        .await;
    let store = RedisStore::connect(&redis_url(), RedisOptions::with_prefix(&s.prefix))
        .await
        .unwrap();
    // The server's session settings (a service left at the 7-day default would slide these
    // 2-second sessions to 7 days: the settings must match, docs/deployments.md).
    let mut config = AuthConfig::new(SecretSet::single(SECRET).unwrap());
    config.session.expires_in = chrono::Duration::seconds(2);
    config.session.update_age = chrono::Duration::seconds(1);
    let auth = Authenticator::builder(config)
        .session_store_arc(Arc::new(store))
        .build()
        .unwrap();
    assert_same_verdict(&s.server, &auth, &signed.cookie_header())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2600)).await;
    assert!(
        assert_same_verdict(&s.server, &auth, &signed.cookie_header())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn redis_then_database_with_store_session_in_database() {
    let s = setup(json!({"session": {"storeSessionInDatabase": true}})).await;
    let signed = s
        .server
        .sign_up("both@example.com", "correct horse battery", "B")
        .await;
    // Evict the Redis copy: Better Auth falls back to the database row; so must we.
    let mut redis = redis().await;
    let removed: i64 = redis
        .del(format!("{}{}", s.prefix, signed.token()))
        .await
        .unwrap();
    assert_eq!(removed, 1);
    let redis_only = RedisStore::connect(&redis_url(), RedisOptions::with_prefix(&s.prefix))
        .await
        .unwrap();
    assert!(
        redis_only
            .find_session(&signed.token())
            .await
            .unwrap()
            .is_none()
    );
    let database = store::connect(&s.db.url(), SqlOptions::default())
        .await
        .unwrap();
    let layered = redis_only.with_database_fallback(database);
    let auth = authenticator(Arc::new(layered));
    assert_same_verdict(&s.server, &auth, &signed.cookie_header())
        .await
        .unwrap();
    s.server.sign_out(&signed.cookie_header()).await;
    assert!(
        assert_same_verdict(&s.server, &auth, &signed.cookie_header())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn redis_cut_off_is_a_503_then_recovers() {
    let s = setup(json!({})).await;
    let signed = s
        .server
        .sign_up("cut@example.com", "correct horse battery", "C")
        .await;
    let proxy = TcpProxy::start(
        &url::Url::parse(&redis_url())
            .unwrap()
            .socket_addrs(|| Some(6379))
            .unwrap()[0]
            .to_string(),
    )
    .await;
    let mut options = RedisOptions::with_prefix(&s.prefix);
    options.timeout = Duration::from_millis(500);
    let store = RedisStore::connect(&proxy.url_for(&redis_url()), options)
        .await
        .unwrap();
    let auth = authenticator(Arc::new(store));
    let headers = cookie_headers(&signed.cookie_header());
    auth.authenticate(&headers).await.unwrap();

    proxy.cut();
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let error = auth.authenticate(&headers).await.unwrap_err();
        assert_eq!(error.status().as_u16(), 503, "{error:?}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    proxy.heal();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match auth.authenticate(&headers).await {
            Ok(_) => break,
            Err(error) if std::time::Instant::now() < deadline => {
                assert_eq!(
                    error.status().as_u16(),
                    503,
                    "only 503s while recovering: {error:?}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(error) => panic!("not recovered within 10 s: {error:?}"),
        }
    }
}

/// What one client sends never changes another's answer: 16 signed-in users' requests run
/// beside 16 clients sending Better Auth's own list key as a session token, raw (refused by its
/// shape, no lookup) and signed with the secret (it reaches Redis, in the same `MGET` batches
/// as the users' tokens, and its value, a JSON list, is no session). Every user's request is
/// answered with its user, every poisoned one with 401 `session_not_found`; none is a 503.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poisoned_tokens_never_fail_their_neighbours_in_a_batch() {
    let s = setup(json!({})).await;
    let mut users = Vec::new();
    for n in 0..16 {
        let signed = s
            .server
            .sign_up(
                &format!("batched-{n}-{}@example.com", unique_suffix()),
                "correct horse battery",
                "U",
            )
            .await;
        users.push(signed);
    }
    let list_key = format!("active-sessions-{}", users[0].user_id());
    let mut redis = redis().await;
    let held: Option<String> = redis.get(format!("{}{list_key}", s.prefix)).await.unwrap();
    assert!(
        held.is_some(),
        "Better Auth keeps the list key the poison names"
    );
    let store = RedisStore::connect(&redis_url(), RedisOptions::with_prefix(&s.prefix))
        .await
        .unwrap();
    let auth = authenticator(Arc::new(store));
    let secrets = SecretSet::single(SECRET).unwrap();
    let signed_poison = format!(
        "better-auth.session_token={}",
        better_auth_core::internals::cookie_value(&list_key, secrets.current())
    );
    let raw_poison = format!("Bearer {list_key}");

    let mut tasks = tokio::task::JoinSet::new();
    for user in &users {
        let (auth, cookie, email) = (
            auth.clone(),
            user.cookie_header(),
            user.body["user"]["email"].as_str().unwrap().to_owned(),
        );
        tasks.spawn(async move {
            for _ in 0..60 {
                let identity = auth.authenticate(&cookie_headers(&cookie)).await;
                match identity {
                    Ok(identity) => assert_eq!(identity.user.email, email),
                    Err(error) => return Err(format!("a signed-in user got {error:?}")),
                }
            }
            Ok(())
        });
    }
    for n in 0..16 {
        let (auth, signed_poison, raw_poison) =
            (auth.clone(), signed_poison.clone(), raw_poison.clone());
        tasks.spawn(async move {
            for _ in 0..60 {
                let headers = if n % 2 == 0 {
                    cookie_headers(&signed_poison)
                } else {
                    HeaderMap::from_iter([(
                        better_auth_core::http::header::AUTHORIZATION,
                        HeaderValue::from_str(&raw_poison).unwrap(),
                    )])
                };
                match auth.authenticate(&headers).await {
                    Err(AuthError::SessionNotFound) => {}
                    other => return Err(format!("a poisoned token got {other:?}")),
                }
            }
            Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap().unwrap();
    }
    // Better Auth's own reading of the raw poison (its bearer plugin passes it on; it fails
    // on the list's JSON): never a session.
    let theirs = s
        .server
        .get(
            "/get-session",
            HeaderMap::from_iter([(
                better_auth_core::http::header::AUTHORIZATION,
                HeaderValue::from_str(&raw_poison).unwrap(),
            )]),
        )
        .await;
    let status = theirs.status().as_u16();
    let body = theirs.text().await.unwrap();
    assert!(
        (status == 200 && body == "null") || status == 500,
        "Better Auth gives no session: {status} {body}"
    );
}

/// `storeSessionInDatabase` + `preserveSessionInDatabase`: a sign-out deletes the Redis key and
/// ends the row (its `expiresAt` set to the sign-out time). Better Auth then reads Redis only,
/// and so do we: the session is refused once our cache's entry is gone, although its row is
/// still there; and a refresh that was due when the session was cached is never written to
/// the ended row (which Better Auth would otherwise read back days later).
#[tokio::test]
async fn a_signed_out_preserved_session_stays_ended() {
    let s = setup(json!({"session": {
        "storeSessionInDatabase": true,
        "preserveSessionInDatabase": true,
        "expiresIn": 3600,
        "updateAge": 1,
    }}))
    .await;
    let signed = s
        .server
        .sign_up("preserved@example.com", "correct horse battery", "P")
        .await;
    let cookie = signed.cookie_header();
    let database = store::connect(&s.db.url(), SqlOptions::default())
        .await
        .unwrap();
    let store = RedisStore::connect(&redis_url(), RedisOptions::with_prefix(&s.prefix))
        .await
        .unwrap()
        .with_preserved_sessions_in(database.clone());
    let mut config = AuthConfig::new(SecretSet::single(SECRET).unwrap());
    config.session.expires_in = chrono::Duration::seconds(3600);
    config.session.update_age = chrono::Duration::seconds(1);
    let auth = Authenticator::builder(config)
        .session_store_arc(Arc::new(store))
        .cache(better_auth_core::CacheOptions::with_ttl(
            Duration::from_secs(2),
        ))
        .build()
        .unwrap();
    // Cached while signed in.
    let first = auth
        .authenticate_request("GET", &cookie_headers(&cookie))
        .await;
    assert!(first.result().is_ok());
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    s.server.sign_out(&cookie).await;
    let row = database.find_session(&signed.token()).await.unwrap();
    let ended_at = row.expect("the row is preserved").session.expires_at;
    assert!(ended_at <= chrono::Utc::now(), "Better Auth ended the row");
    // Due now, and still in our cache: served from it, but the refresh writes nothing.
    let cached = auth
        .authenticate_request("GET", &cookie_headers(&cookie))
        .await;
    assert!(
        cached.refresh_headers().is_none(),
        "no refresh of a session Better Auth ended"
    );
    let row = database
        .find_session(&signed.token())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.session.expires_at, ended_at,
        "the ended row is left as it is"
    );
    // Past our cache's TTL: refused, as Better Auth refuses it, whatever the row says.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let after = auth
        .authenticate_request("GET", &cookie_headers(&cookie))
        .await;
    assert_eq!(
        after.result().as_ref().unwrap_err().code(),
        "session_not_found"
    );
    assert!(
        s.server.get_session(&cookie).await.is_null(),
        "Better Auth says null too"
    );
    let row = database
        .find_session(&signed.token())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.session.expires_at, ended_at);
}

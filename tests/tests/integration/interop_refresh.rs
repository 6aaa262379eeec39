//! Sliding sessions against a real Better Auth: what we write when a session is due must be
//! what Better Auth writes (it reads it back as its own), and the headers we send back must be
//! the ones it sends. Sessions are made due by real time: with `updateAge` of one second, a
//! session is due one second after its last refresh.

use std::{sync::Arc, time::Duration};

use better_auth_core::{
    AuthConfig, AuthError, AuthOutcome, Authenticator, SessionLifetime,
    http::HeaderMap,
    store::SessionStore,
    store::{self, RedisOptions, RedisStore, SqlOptions},
};
use better_auth_tests::{
    better_auth::{BetterAuthServer, SignedIn},
    counting::CountingStore,
    db::TestDb,
    services::redis_url,
    test_config, unique_suffix,
};
use chrono::{DateTime, Utc};
use redis::AsyncCommands;
use serde_json::{Value, json};

const EXPIRES_IN: i64 = 30;
const UPDATE_AGE: i64 = 1;

fn lifetime(expires_in: i64, update_age: i64) -> SessionLifetime {
    let mut lifetime = SessionLifetime::default();
    lifetime.expires_in = chrono::Duration::seconds(expires_in);
    lifetime.update_age = chrono::Duration::seconds(update_age);
    lifetime
}

fn config(lifetime: SessionLifetime) -> AuthConfig {
    let mut config = test_config();
    config.session = lifetime;
    config
}

use better_auth_tests::header_map as headers;

fn session_options(expires_in: i64, update_age: i64) -> Value {
    json!({"session": {"expiresIn": expires_in, "updateAge": update_age}})
}

async fn server_on(db: &TestDb, options: Value) -> BetterAuthServer {
    let mut server_config = db.server_config(json!({"bearer": {}}));
    server_config["options"] = options;
    BetterAuthServer::start(server_config).await
}

async fn sign_up(server: &BetterAuthServer) -> SignedIn {
    let email = format!("refresh-{}@example.com", unique_suffix());
    server
        .sign_up(&email, "correct horse battery", "Refresh")
        .await
}

/// Our refresh headers, as `(name, value)` pairs.
fn ours(outcome: &AuthOutcome) -> Vec<(String, String)> {
    outcome
        .refresh_headers()
        .map(|refresh| {
            refresh
                .iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// Better Auth's answer to `get-session` (with `query`) for these headers: its body and the
/// headers of ours' kind it sent.
async fn theirs(
    server: &BetterAuthServer,
    query: &str,
    request: HeaderMap,
) -> (Value, Vec<(String, String)>) {
    let response = server.get(&format!("/get-session{query}"), request).await;
    let mut sent = Vec::new();
    for name in [
        "set-cookie",
        "set-auth-token",
        "access-control-expose-headers",
    ] {
        for value in response.headers().get_all(name) {
            sent.push((name.to_owned(), value.to_str().unwrap().to_owned()));
        }
    }
    (response.json().await.unwrap(), sent)
}

fn session_expiry(outcome: &AuthOutcome) -> DateTime<Utc> {
    outcome
        .result()
        .as_ref()
        .expect("authenticated")
        .session
        .as_ref()
        .expect("a session")
        .expires_at
}

fn iso(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

async fn due_later() {
    tokio::time::sleep(Duration::from_millis(1_100)).await;
}

/// The refresh of a cookie-authenticated request, on one database: written as Better Auth
/// writes it (Better Auth's `get-session` then returns our `expiresAt` and `updatedAt` to the
/// millisecond), at most once per due period, with the very `Set-Cookie` and
/// `set-auth-token` Better Auth sends when it refreshes the same session itself.
async fn cookie_refresh_matches_better_auth(db: TestDb) {
    let server = server_on(&db, session_options(EXPIRES_IN, UPDATE_AGE)).await;
    let signed = sign_up(&server).await;
    let cookie = signed.cookie_header();
    let auth = db
        .authenticator(config(lifetime(EXPIRES_IN, UPDATE_AGE)))
        .await;

    // Not due yet: nothing written, nothing sent.
    let fresh = auth
        .authenticate_request("GET", &headers(&[("cookie", &cookie)]))
        .await;
    assert!(fresh.result().is_ok(), "{:?}", fresh.result());
    assert!(
        fresh.refresh_headers().is_none(),
        "a fresh session is not refreshed"
    );

    due_later().await;
    let refreshed = auth
        .authenticate_request("GET", &headers(&[("cookie", &cookie)]))
        .await;
    let our_headers = ours(&refreshed);
    assert!(!our_headers.is_empty(), "a due session is refreshed");
    let expires_at = session_expiry(&refreshed);
    let lead = expires_at - Utc::now();
    assert!(
        lead > chrono::Duration::seconds(EXPIRES_IN - 2)
            && lead <= chrono::Duration::seconds(EXPIRES_IN),
        "expiresAt is now + expiresIn: {lead}"
    );
    let identity = refreshed.result().as_ref().unwrap();
    let updated_at = identity.session.as_ref().unwrap().updated_at;

    // Better Auth reads what we wrote as its own.
    let (body, sent) = theirs(
        &server,
        "?disableRefresh=true",
        headers(&[("cookie", &cookie)]),
    )
    .await;
    assert!(sent.is_empty(), "disableRefresh: Better Auth sends nothing");
    assert_eq!(body["session"]["expiresAt"], iso(expires_at), "{body}");
    assert_eq!(body["session"]["updatedAt"], iso(updated_at), "{body}");

    // Right after a refresh: not due again, nothing written (Better Auth too writes nothing
    // and sets no cookie then: the next refresh is again updateAge away).
    let again = auth
        .authenticate_request("GET", &headers(&[("cookie", &cookie)]))
        .await;
    assert!(again.refresh_headers().is_none());
    assert_eq!(session_expiry(&again), expires_at);

    // Better Auth refreshing the same session itself sends exactly our headers.
    due_later().await;
    let (body, sent) = theirs(&server, "", headers(&[("cookie", &cookie)])).await;
    assert!(!body.is_null(), "the session is alive");
    assert_eq!(
        our_headers, sent,
        "our refresh headers are the ones Better Auth sends"
    );
}

/// A service left at the 7-day default in front of a Better Auth whose sessions last 30 s
/// (`BETTER_AUTH_SESSION_EXPIRES_IN` not set): its refresh gives the session the 30 s its row
/// shows Better Auth gave it, never 7 days, in the row and in the cookie's `Max-Age`; Better
/// Auth reads the row back as its own.
#[tokio::test]
async fn a_longer_configured_lifetime_never_lengthens_sessions() {
    let db = TestDb::sqlite();
    let server = server_on(&db, session_options(EXPIRES_IN, UPDATE_AGE)).await;
    let signed = sign_up(&server).await;
    let cookie = signed.cookie_header();
    let auth = db
        .authenticator(config(lifetime(7 * 24 * 3600, UPDATE_AGE)))
        .await;
    due_later().await;
    let refreshed = auth
        .authenticate_request("GET", &headers(&[("cookie", &cookie)]))
        .await;
    let sent = ours(&refreshed);
    assert!(!sent.is_empty(), "due by Better Auth's own rule: refreshed");
    let expires_at = session_expiry(&refreshed);
    let lead = expires_at - Utc::now();
    assert!(
        lead > chrono::Duration::seconds(EXPIRES_IN - 3)
            && lead <= chrono::Duration::seconds(EXPIRES_IN),
        "the session's own 30 s, not 7 days: {lead}"
    );
    assert!(
        sent[0].1.contains(&format!("; Max-Age={EXPIRES_IN};")),
        "{:?}",
        sent[0]
    );
    let (body, _) = theirs(
        &server,
        "?disableRefresh=true",
        headers(&[("cookie", &cookie)]),
    )
    .await;
    assert_eq!(body["session"]["expiresAt"], iso(expires_at), "{body}");
}

#[tokio::test]
async fn cookie_refresh_matches_better_auth_on_sqlite() {
    cookie_refresh_matches_better_auth(TestDb::sqlite()).await;
}

#[tokio::test]
async fn cookie_refresh_matches_better_auth_on_postgres() {
    cookie_refresh_matches_better_auth(TestDb::postgres().await).await;
}

#[tokio::test]
async fn cookie_refresh_matches_better_auth_on_mysql() {
    cookie_refresh_matches_better_auth(TestDb::mysql().await).await;
}

/// A session used only through us, by bearer token, outlives its first expiry; with refresh
/// off it expires on time. expiresIn 3 s, updateAge 1 s: due one second after each refresh.
async fn bearer_use_until_past_first_expiry(refresh: bool) -> Result<(), AuthError> {
    let db = TestDb::sqlite();
    let server = server_on(&db, session_options(3, 1)).await;
    let signed = sign_up(&server).await;
    let token = signed.auth_token.clone().expect("set-auth-token");
    let mut lifetime = lifetime(3, 1);
    lifetime.refresh = refresh;
    let auth = db.authenticator(config(lifetime)).await;
    let bearer = format!("Bearer {token}");
    let first_expiry = Utc::now() + chrono::Duration::seconds(3);
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1_200)).await;
        let outcome = auth
            .authenticate_request("GET", &headers(&[("authorization", &bearer)]))
            .await;
        outcome.result().clone()?;
        if refresh {
            let sent = ours(&outcome);
            assert!(
                sent.contains(&("set-auth-token".to_owned(), token.clone())),
                "a bearer refresh sends set-auth-token: {sent:?}"
            );
        } else {
            assert!(outcome.refresh_headers().is_none());
        }
    }
    assert!(
        Utc::now() > first_expiry,
        "the test ran past the first expiry"
    );
    let (body, _) = theirs(
        &server,
        "?disableRefresh=true",
        headers(&[("authorization", &bearer)]),
    )
    .await;
    assert!(
        !body.is_null(),
        "Better Auth agrees the session lives: {body}"
    );
    Ok(())
}

#[tokio::test]
async fn a_session_used_only_by_bearer_outlives_its_first_expiry() {
    bearer_use_until_past_first_expiry(true).await.unwrap();
}

#[tokio::test]
async fn with_refresh_disabled_it_expires_on_time() {
    let result = bearer_use_until_past_first_expiry(false).await;
    assert!(
        matches!(result, Err(AuthError::SessionExpired)),
        "{result:?}"
    );
}

/// `rememberMe: false`: a one-day session and a signed `dont_remember` cookie. With the cookie
/// it is never refreshed (Better Auth does not refresh a session sent with a valid
/// `dont_remember` cookie); a bearer client, which sends no such cookie, refreshes it to
/// expiresIn, as Better Auth does.
#[tokio::test]
async fn remember_me_off_is_not_refreshed_while_its_cookie_comes_along() {
    let db = TestDb::sqlite();
    let server = server_on(&db, json!({})).await;
    let email = format!("forgetful-{}@example.com", unique_suffix());
    server
        .sign_up(&email, "correct horse battery", "Forgetful")
        .await;
    let body = json!({"email": email, "password": "correct horse battery", "rememberMe": false});
    let auth = db.authenticator(test_config()).await;

    let kept = server.sign_in_with(body.clone()).await;
    let cookie = kept.cookie_header();
    assert!(
        cookie.contains("better-auth.dont_remember=true."),
        "{cookie}"
    );
    let outcome = auth
        .authenticate_request("GET", &headers(&[("cookie", &cookie)]))
        .await;
    let one_day = session_expiry(&outcome);
    assert!(
        one_day < Utc::now() + chrono::Duration::days(2),
        "a one-day session"
    );
    assert!(
        outcome.refresh_headers().is_none(),
        "dont_remember: no refresh"
    );
    let (_, sent) = theirs(&server, "", headers(&[("cookie", &cookie)])).await;
    assert!(
        sent.is_empty(),
        "Better Auth does not refresh it either: {sent:?}"
    );

    // A `dont_remember` cookie whose signature does not verify does not count: a session
    // signed in with "remember me", last refreshed two days ago (due), is refreshed with it.
    let remembered = server
        .sign_in_with(json!({"email": email, "password": "correct horse battery"}))
        .await;
    let written = db
        .execute(
            &format!(
                r#"UPDATE "session" SET "expiresAt" = '{}', "updatedAt" = '{}' WHERE "token" = ?1"#,
                iso(Utc::now() + chrono::Duration::days(5)),
                iso(Utc::now() - chrono::Duration::days(2)),
            ),
            &remembered.token(),
        )
        .await;
    assert_eq!(written, 1);
    let forged = format!(
        "{}; better-auth.dont_remember=true.xWrongSignature",
        remembered.cookie_header()
    );
    let outcome = auth
        .authenticate_request("GET", &headers(&[("cookie", &forged)]))
        .await;
    assert!(
        outcome.refresh_headers().is_some(),
        "a forged dont_remember is ignored"
    );
    assert!(session_expiry(&outcome) > Utc::now() + chrono::Duration::days(6));

    // A bearer client sends no such cookie. Better Auth then slides the one-day session to
    // expiresIn on its first use; we never give a session more life than its row shows Better
    // Auth gave it (`SessionLifetime::bounded_by`): a one-day session is not lengthened here.
    let bearer_session = server.sign_in_with(body).await;
    let bearer = format!("Bearer {}", bearer_session.auth_token.clone().unwrap());
    let by_bearer = auth
        .authenticate_request("GET", &headers(&[("authorization", &bearer)]))
        .await;
    assert!(by_bearer.result().is_ok());
    assert!(
        by_bearer.refresh_headers().is_none(),
        "a one-day session is not lengthened"
    );
    assert!(session_expiry(&by_bearer) < Utc::now() + chrono::Duration::days(2));
}

/// Redis secondary storage: our refresh rewrites the session key and the user's
/// `active-sessions` list byte for byte as Better Auth does (only the dates differ), with its
/// TTLs, and Better Auth reads them back.
#[tokio::test]
async fn redis_refresh_is_byte_compatible() {
    let db = TestDb::sqlite();
    let prefix = format!("ba-rs-refresh-{}:", unique_suffix());
    let mut server_config = db.server_config(json!({"bearer": {}}));
    server_config["redis"] = json!({"url": redis_url(), "keyPrefix": prefix});
    server_config["options"] = session_options(EXPIRES_IN, UPDATE_AGE);
    let server = BetterAuthServer::start(server_config).await;
    let signed = sign_up(&server).await;
    let cookie = signed.cookie_header();
    let token = signed.token();
    let user_id = signed.user_id();

    let store = RedisStore::connect(&redis_url(), RedisOptions::with_prefix(prefix.clone()))
        .await
        .unwrap();
    let auth = Authenticator::builder(config(lifetime(EXPIRES_IN, UPDATE_AGE)))
        .session_store_arc(Arc::new(store))
        .build()
        .unwrap();
    let client = redis::Client::open(redis_url().as_str()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let session_key = format!("{prefix}{token}");
    let list_key = format!("{prefix}active-sessions-{user_id}");

    due_later().await;
    let refreshed = auth
        .authenticate_request("GET", &headers(&[("cookie", &cookie)]))
        .await;
    assert!(refreshed.refresh_headers().is_some(), "refreshed");
    let ours_value: String = redis.get(&session_key).await.unwrap();
    let ours_ttl: i64 = redis.ttl(&session_key).await.unwrap();
    let ours_list: String = redis.get(&list_key).await.unwrap();
    let ours_list_ttl: i64 = redis.ttl(&list_key).await.unwrap();
    let expires_at = session_expiry(&refreshed);
    // `floor((expiresAt - now) / 1000)`: expiresIn, or one less once a millisecond passed.
    assert!(
        (EXPIRES_IN - 2..=EXPIRES_IN).contains(&ours_ttl),
        "TTL {ours_ttl}"
    );
    assert!(
        (EXPIRES_IN - 2..=EXPIRES_IN).contains(&ours_list_ttl),
        "TTL {ours_list_ttl}"
    );
    let (body, _) = theirs(
        &server,
        "?disableRefresh=true",
        headers(&[("cookie", &cookie)]),
    )
    .await;
    assert_eq!(body["session"]["expiresAt"], iso(expires_at), "{body}");

    // Better Auth's own refresh of the same session.
    due_later().await;
    let (body, sent) = theirs(&server, "", headers(&[("cookie", &cookie)])).await;
    assert!(!sent.is_empty(), "Better Auth refreshed: {body}");
    let theirs_value: String = redis.get(&session_key).await.unwrap();
    let theirs_list: String = redis.get(&list_key).await.unwrap();
    let their_session = &serde_json::from_str::<Value>(&theirs_value).unwrap()["session"];
    let ours_session = &serde_json::from_str::<Value>(&ours_value).unwrap()["session"];
    let with_their_dates = ours_value
        .replace(
            ours_session["expiresAt"].as_str().unwrap(),
            their_session["expiresAt"].as_str().unwrap(),
        )
        .replace(
            ours_session["updatedAt"].as_str().unwrap(),
            their_session["updatedAt"].as_str().unwrap(),
        );
    assert_eq!(
        with_their_dates, theirs_value,
        "the session value, byte for byte"
    );
    let their_list: Value = serde_json::from_str(&theirs_list).unwrap();
    let with_their_expiry = ours_list.replace(
        &expires_at.timestamp_millis().to_string(),
        &their_list[0]["expiresAt"].to_string(),
    );
    assert_eq!(
        with_their_expiry, theirs_list,
        "the active-sessions list, byte for byte"
    );
    let _: () = redis.del(&[session_key, list_key]).await.unwrap();
}

/// 1000 concurrent requests with the same due session: one refresh write.
#[tokio::test]
async fn one_write_for_a_thousand_concurrent_requests() {
    let db = TestDb::postgres().await;
    let server = server_on(&db, session_options(EXPIRES_IN, UPDATE_AGE)).await;
    let signed = sign_up(&server).await;
    let cookie = signed.cookie_header();
    let sql = store::connect(&db.url(), SqlOptions::default().max_connections(8))
        .await
        .unwrap();
    let counting = CountingStore::new(sql);
    // With the in-process cache on, the 1000 requests share one lookup and all read the
    // session due at once: only the refresh's own single flight keeps them to one write.
    let auth = Authenticator::builder(config(lifetime(EXPIRES_IN, UPDATE_AGE)))
        .session_store_arc(counting.clone() as Arc<dyn SessionStore>)
        .cache(better_auth_core::CacheOptions::with_ttl(
            Duration::from_secs(5),
        ))
        .build()
        .unwrap();
    due_later().await;
    let request = headers(&[("cookie", &cookie)]);
    let outcomes = futures::future::join_all((0..1000).map(|_| {
        let auth = auth.clone();
        let request = request.clone();
        async move { auth.authenticate_request("GET", &request).await }
    }))
    .await;
    assert!(outcomes.iter().all(|outcome| outcome.result().is_ok()));
    assert_eq!(counting.lookups(), 1, "one lookup");
    assert_eq!(counting.extensions(), 1, "one write");
    let expiries: std::collections::HashSet<_> = outcomes.iter().map(session_expiry).collect();
    assert_eq!(expiries.len(), 1, "every request sees the one refresh");
}

/// A refresh that cannot be written (a read-only database user) is logged and the request is
/// served: the session was valid.
#[tokio::test]
async fn a_refresh_that_cannot_be_written_still_serves_the_request() {
    let db = TestDb::postgres().await;
    let server = server_on(&db, session_options(EXPIRES_IN, UPDATE_AGE)).await;
    let signed = sign_up(&server).await;
    let cookie = signed.cookie_header();
    let role = format!("ro_{}", unique_suffix().replace('-', "_"));
    let TestDb::Postgres(database) = &db else {
        unreachable!()
    };
    let admin = database.pool().await;
    for statement in [
        format!("CREATE ROLE {role} LOGIN"),
        format!("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&admin)
            .await
            .unwrap();
    }
    let url = db.url();
    let read_only_url = url.replacen("postgres@", &format!("{role}@"), 1);
    assert_ne!(
        read_only_url, url,
        "the test URL names the postgres user: {url}"
    );
    let store = store::connect(&read_only_url, SqlOptions::default())
        .await
        .unwrap();
    let auth = Authenticator::builder(config(lifetime(EXPIRES_IN, UPDATE_AGE)))
        .session_store_arc(store)
        .build()
        .unwrap();
    due_later().await;
    let outcome = auth
        .authenticate_request("GET", &headers(&[("cookie", &cookie)]))
        .await;
    assert!(outcome.result().is_ok(), "{:?}", outcome.result());
    assert!(
        outcome.refresh_headers().is_none(),
        "nothing written, nothing sent"
    );
    drop(auth);
    for statement in [format!("DROP OWNED BY {role}"), format!("DROP ROLE {role}")] {
        let _ = sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&admin)
            .await;
    }
    admin.close().await;
}

/// Renamed tables and columns (Better Auth's `modelName` / `fields`): the refresh writes the
/// renamed columns, and Better Auth reads them back.
#[tokio::test]
async fn refresh_writes_renamed_columns() {
    let db = TestDb::postgres().await;
    let renames = json!({
        "user": {"modelName": "app_users", "fields": {"emailVerified": "email_verified"}},
        "session": {"modelName": "app_sessions", "fields": {"expiresAt": "expires_at", "updatedAt": "updated_at", "token": "session_token"}}
    });
    let mut options = renames.clone();
    options["session"]["expiresIn"] = json!(EXPIRES_IN);
    options["session"]["updateAge"] = json!(UPDATE_AGE);
    let server = server_on(&db, options).await;
    let signed = sign_up(&server).await;
    let cookie = signed.cookie_header();
    let schema = better_auth_core::Schema::from_json(&renames.to_string()).unwrap();
    let store = store::connect(&db.url(), SqlOptions::with_schema(schema))
        .await
        .unwrap();
    let auth = Authenticator::builder(config(lifetime(EXPIRES_IN, UPDATE_AGE)))
        .session_store_arc(store)
        .build()
        .unwrap();
    due_later().await;
    let refreshed = auth
        .authenticate_request("GET", &headers(&[("cookie", &cookie)]))
        .await;
    assert!(refreshed.refresh_headers().is_some(), "refreshed");
    let (body, _) = theirs(
        &server,
        "?disableRefresh=true",
        headers(&[("cookie", &cookie)]),
    )
    .await;
    assert_eq!(
        body["session"]["expiresAt"],
        iso(session_expiry(&refreshed)),
        "{body}"
    );
}

/// Redis with `storeSessionInDatabase`: the refresh is written to both, as Better Auth writes
/// both.
#[tokio::test]
async fn redis_and_database_are_both_refreshed() {
    let db = TestDb::sqlite();
    let prefix = format!("ba-rs-refresh-both-{}:", unique_suffix());
    let mut server_config = db.server_config(json!({"bearer": {}}));
    server_config["redis"] = json!({"url": redis_url(), "keyPrefix": prefix});
    let mut options = session_options(EXPIRES_IN, UPDATE_AGE);
    options["session"]["storeSessionInDatabase"] = json!(true);
    server_config["options"] = options;
    let server = BetterAuthServer::start(server_config).await;
    let signed = sign_up(&server).await;
    let cookie = signed.cookie_header();
    let token = signed.token();
    let database = store::connect(&db.url(), SqlOptions::default())
        .await
        .unwrap();
    let redis_store = RedisStore::connect(&redis_url(), RedisOptions::with_prefix(prefix.clone()))
        .await
        .unwrap()
        .with_database_fallback(database.clone());
    let auth = Authenticator::builder(config(lifetime(EXPIRES_IN, UPDATE_AGE)))
        .session_store_arc(Arc::new(redis_store))
        .build()
        .unwrap();
    due_later().await;
    let refreshed = auth
        .authenticate_request("GET", &headers(&[("cookie", &cookie)]))
        .await;
    assert!(refreshed.refresh_headers().is_some(), "refreshed");
    let expires_at = session_expiry(&refreshed);
    let in_database = database
        .find_session(&token)
        .await
        .unwrap()
        .expect("the database row");
    assert_eq!(
        in_database.session.expires_at, expires_at,
        "the database row"
    );
    let client = redis::Client::open(redis_url().as_str()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let value: String = redis.get(format!("{prefix}{token}")).await.unwrap();
    assert!(value.contains(&iso(expires_at)), "the Redis value: {value}");
    // Better Auth reads both back: the Redis entry, then (with the entry gone) the row.
    let (body, _) = theirs(
        &server,
        "?disableRefresh=true",
        headers(&[("cookie", &cookie)]),
    )
    .await;
    assert_eq!(
        body["session"]["expiresAt"],
        iso(expires_at),
        "from Redis: {body}"
    );
    let _: () = redis.del(format!("{prefix}{token}")).await.unwrap();
    let (body, _) = theirs(
        &server,
        "?disableRefresh=true",
        headers(&[("cookie", &cookie)]),
    )
    .await;
    assert_eq!(
        body["session"]["expiresAt"],
        iso(expires_at),
        "from the database: {body}"
    );
    let _: () = redis
        .del(&[
            format!("{prefix}{token}"),
            format!("{prefix}active-sessions-{}", signed.user_id()),
        ])
        .await
        .unwrap();
}

/// With Better Auth's cookie cache configured, a refresh also sets its `session_data` entry
/// (as Better Auth's `setSessionCookie` does), and Better Auth accepts that entry as its own:
/// with the session row deleted, it still answers from our entry (and refuses without it).
async fn refresh_sets_a_cookie_cache_entry_better_auth_accepts(strategy: &str) {
    use better_auth_core::cookie_cache::{CookieCacheOptions, CookieCacheStrategy};

    let db = TestDb::sqlite();
    let mut options = session_options(EXPIRES_IN, UPDATE_AGE);
    options["session"]["cookieCache"] =
        json!({"enabled": true, "strategy": strategy, "maxAge": 60});
    let server = server_on(&db, options).await;
    let signed = sign_up(&server).await;
    let token_cookie = format!(
        "better-auth.session_token={}",
        signed.cookie("better-auth.session_token").unwrap()
    );
    let mut cache =
        CookieCacheOptions::with_strategy(CookieCacheStrategy::from_name(strategy).unwrap());
    cache.max_age = chrono::Duration::seconds(60);
    let store = store::connect(&db.url(), SqlOptions::default())
        .await
        .unwrap();
    let auth = Authenticator::builder(config(lifetime(EXPIRES_IN, UPDATE_AGE)))
        .session_store_arc(store)
        .cookie_cache(cache)
        .build()
        .unwrap();
    due_later().await;
    // The session cookie alone (no entry): read from the store, refreshed.
    let refreshed = auth
        .authenticate_request("GET", &headers(&[("cookie", &token_cookie)]))
        .await;
    let sent = ours(&refreshed);
    let entry = sent
        .iter()
        .find_map(|(name, value)| {
            (name == "set-cookie" && value.starts_with("better-auth.session_data="))
                .then(|| value.split(';').next().unwrap().to_owned())
        })
        .unwrap_or_else(|| panic!("{strategy}: a session_data cookie: {sent:?}"));
    assert!(
        sent.iter()
            .any(|(_, value)| value.starts_with("better-auth.session_data=")
                && value.contains("; Max-Age=60; Path=/; HttpOnly; SameSite=Lax")),
        "{sent:?}"
    );
    let with_entry = format!("{token_cookie}; {entry}");
    let changed = db
        .execute(
            r#"DELETE FROM "session" WHERE "token" = {}"#,
            &signed.token(),
        )
        .await;
    assert_eq!(changed, 1);
    let (body, _) = theirs(&server, "", headers(&[("cookie", &with_entry)])).await;
    assert_eq!(
        body["session"]["expiresAt"],
        iso(session_expiry(&refreshed)),
        "{strategy}: Better Auth answers from our entry: {body}"
    );
    let (body, _) = theirs(&server, "", headers(&[("cookie", &token_cookie)])).await;
    assert!(
        body.is_null(),
        "{strategy}: without the entry, no session: {body}"
    );
    let ours_again = auth
        .authenticate_request("GET", &headers(&[("cookie", &with_entry)]))
        .await;
    assert!(ours_again.result().is_ok(), "{:?}", ours_again.result());
}

#[tokio::test]
async fn refresh_sets_a_compact_cookie_cache_entry() {
    refresh_sets_a_cookie_cache_entry_better_auth_accepts("compact").await;
}

#[tokio::test]
async fn refresh_sets_a_jwt_cookie_cache_entry() {
    refresh_sets_a_cookie_cache_entry_better_auth_accepts("jwt").await;
}

/// A JWT-authenticated request never refreshes the session the JWT came from (Better Auth's
/// JWTs are not sessions), while a cookie request at the same moment does.
#[tokio::test]
async fn jwt_requests_do_not_refresh() {
    use better_auth_core::jwt::JwksVerifier;

    let db = TestDb::sqlite();
    let mut server_config = db.server_config(json!({"bearer": {}, "jwt": {}}));
    server_config["options"] = session_options(EXPIRES_IN, UPDATE_AGE);
    let server = BetterAuthServer::start(server_config).await;
    let signed = sign_up(&server).await;
    let cookie = signed.cookie_header();
    let jwt = server.get_jwt(&cookie).await;
    let (before, _) = theirs(
        &server,
        "?disableRefresh=true",
        headers(&[("cookie", &cookie)]),
    )
    .await;
    let store = store::connect(&db.url(), SqlOptions::default())
        .await
        .unwrap();
    let verifier =
        JwksVerifier::for_better_auth(&url::Url::parse(server.base_url()).unwrap()).unwrap();
    let auth = Authenticator::builder(config(lifetime(EXPIRES_IN, UPDATE_AGE)))
        .session_store_arc(store)
        .token_verifier(verifier)
        .build()
        .unwrap();
    due_later().await;
    let by_jwt = auth
        .authenticate_request(
            "GET",
            &headers(&[("authorization", &format!("Bearer {jwt}"))]),
        )
        .await;
    assert_eq!(
        by_jwt.result().as_ref().map(|identity| identity.via).ok(),
        Some(better_auth_core::Via::Jwt),
        "{:?}",
        by_jwt.result()
    );
    assert!(
        by_jwt.refresh_headers().is_none(),
        "a JWT request refreshes nothing"
    );
    let (after, _) = theirs(
        &server,
        "?disableRefresh=true",
        headers(&[("cookie", &cookie)]),
    )
    .await;
    assert_eq!(
        after["session"]["expiresAt"], before["session"]["expiresAt"],
        "nothing written"
    );
    let by_cookie = auth
        .authenticate_request("GET", &headers(&[("cookie", &cookie)]))
        .await;
    assert!(by_cookie.refresh_headers().is_some(), "the session was due");
}

//! Better Auth's cookie cache (`session_data`) in each of its three strategies, written by a
//! REAL Better Auth: we must read it without any store access, with names holding quotes,
//! backslashes, emoji and line separators and numbers beyond 2^53 (the compact signature is over
//! JavaScript's `JSON.stringify`), join chunked cookies, and fall back to the store when the
//! entry is missing, tampered or stale. A signed-out session stays accepted from its cache entry
//! until `maxAge`, by Better Auth and by us alike. `jwks`: the entries its JWT plugin signs.

use std::{sync::Arc, time::Duration};

use better_auth_core::{
    AuthConfig, AuthError, Authenticator, SecretSet,
    cookie_cache::{CookieCacheOptions, CookieCacheStrategy},
    http::{HeaderMap, HeaderValue},
    store::{self, SqlOptions},
};
use better_auth_tests::{
    SECRET, better_auth::BetterAuthServer, counting::CountingStore, db::TestDb,
};
use serde_json::{Value, json};

mod jwks;

const NAME: &str = "Zoë \"Q\" O'Brien \\ 🎉 \u{2028} <&>";

fn cookie_headers(cookie: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("cookie", HeaderValue::from_str(cookie).unwrap());
    headers
}

async fn run(strategy: &str, cache_strategy: CookieCacheStrategy, long_name: bool) {
    let db = TestDb::sqlite();
    let mut config = db.server_config(json!({}));
    config["options"] = json!({
        "session": {"cookieCache": {"enabled": true, "strategy": strategy, "maxAge": 3}},
        "user": {"additionalFields": {
            "score": {"type": "number", "required": false},
            "ratio": {"type": "number", "required": false},
            "note": {"type": "string", "required": false},
        }},
    });
    let server = BetterAuthServer::start(config).await;
    let name = if long_name {
        format!("{NAME} {}", "x".repeat(5000))
    } else {
        NAME.to_owned()
    };
    let body: Value = serde_json::from_str(&format!(
        r#"{{"email": "cache-{strategy}@example.com", "password": "correct horse battery", "name": {},
            "score": 12345678901234567890, "ratio": 0.30000000000000004, "note": "tab\there \u0001 é"}}"#,
        serde_json::to_string(&name).unwrap()
    ))
    .unwrap();
    let signed = server.sign_up_with(body).await;
    let cookie = signed.cookie_header();
    assert!(
        cookie.contains("better-auth.session_data"),
        "Better Auth set the cookie cache: {cookie}"
    );
    if long_name {
        assert!(
            cookie.contains("better-auth.session_data.1="),
            "a large entry is chunked: {cookie:.200}"
        );
    }

    let sql = store::connect(&db.url(), SqlOptions::default())
        .await
        .unwrap();
    let counting = CountingStore::new(sql);
    let auth = Authenticator::builder(AuthConfig::new(SecretSet::single(SECRET).unwrap()))
        .session_store_arc(counting.clone())
        .cookie_cache(CookieCacheOptions::with_strategy(cache_strategy))
        .build()
        .unwrap();

    // Served from the cookie, no store access; the same user Better Auth describes.
    let identity = auth.authenticate(&cookie_headers(&cookie)).await.unwrap();
    assert_eq!(
        counting.lookups(),
        0,
        "{strategy}: answered from the cookie cache"
    );
    let theirs = server.get_session(&cookie).await;
    assert_eq!(identity.user.name, name);
    assert_eq!(identity.user.id, theirs["user"]["id"].as_str().unwrap());
    assert_eq!(
        identity.user.extra["score"], theirs["user"]["score"],
        "large numbers as JavaScript holds them"
    );
    assert_eq!(identity.user.extra["ratio"], theirs["user"]["ratio"]);
    assert_eq!(identity.user.extra["note"], theirs["user"]["note"]);

    // A tampered entry is ignored: the store answers.
    let tampered = tamper_cache_cookie(&cookie);
    auth.authenticate(&cookie_headers(&tampered)).await.unwrap();
    assert_eq!(
        counting.lookups(),
        1,
        "{strategy}: a tampered entry falls back to the store"
    );

    // Signed out in Better Auth: the cache entry still admits the session, there and here.
    server.sign_out(&cookie).await;
    assert!(
        !server.get_session(&cookie).await.is_null(),
        "Better Auth still admits it from its cache"
    );
    auth.authenticate(&cookie_headers(&cookie))
        .await
        .expect("we admit it from the cache too");
    assert_eq!(counting.lookups(), 1);
    // Without the cache entry, the store knows it is gone.
    let without = cookie
        .split("; ")
        .filter(|c| !c.contains("session_data"))
        .collect::<Vec<_>>()
        .join("; ");
    assert!(matches!(
        auth.authenticate(&cookie_headers(&without)).await,
        Err(AuthError::SessionNotFound)
    ));

    // Past maxAge the entry is stale: both refuse.
    tokio::time::sleep(Duration::from_millis(3300)).await;
    assert!(
        server.get_session(&cookie).await.is_null(),
        "Better Auth refuses it after maxAge"
    );
    assert!(matches!(
        auth.authenticate(&cookie_headers(&cookie)).await,
        Err(AuthError::SessionNotFound)
    ));
    let _ = Arc::strong_count(&counting);
}

/// Flips one character in the middle of the (first chunk of the) cache cookie.
fn tamper_cache_cookie(cookie: &str) -> String {
    cookie
        .split("; ")
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap();
            if name.starts_with("better-auth.session_data") && !name.ends_with(".1") {
                let mut value = value.to_owned();
                let at = value.len() / 2;
                let replacement = if &value[at..=at] == "A" { "B" } else { "A" };
                value.replace_range(at..=at, replacement);
                format!("{name}={value}")
            } else {
                pair.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn compact_strategy() {
    run("compact", CookieCacheStrategy::Compact, false).await;
}

#[tokio::test]
async fn compact_strategy_chunked() {
    run("compact", CookieCacheStrategy::Compact, true).await;
}

#[tokio::test]
async fn jwt_strategy() {
    run("jwt", CookieCacheStrategy::Jwt, false).await;
}

#[tokio::test]
async fn jwe_strategy() {
    run("jwe", CookieCacheStrategy::Jwe, false).await;
}

#[tokio::test]
async fn jwe_strategy_chunked() {
    run("jwe", CookieCacheStrategy::Jwe, true).await;
}

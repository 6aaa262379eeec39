//! The cookie cache Better Auth 1.7.25's JWT plugin signs (`jwt({ sessionCookieCache: true })`
//! with `session.cookieCache.strategy: "jwt"`), written by a REAL Better Auth and verified with
//! nothing but its JWKS: answered without any store access; a tampered entry, one signed by
//! another Better Auth's keys, one of another session, and one past its `maxAge` are not used
//! (the store answers, or the session is refused), as Better Auth's own `get-session` decides.

use std::time::Duration;

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use better_auth_core::{
    AuthConfig, AuthError, Authenticator, SecretSet,
    cookie_cache::{CookieCacheKeys, CookieCacheOptions, TOKEN_TYPE},
    jwt::{FetchOptions, KeyCacheOptions},
    store::{self, SqlOptions},
};
use better_auth_tests::{
    SECRET, better_auth::BetterAuthServer, counting::CountingStore, db::TestDb,
};
use serde_json::{Value, json};

use super::{cookie_headers, tamper_cache_cookie};

const CACHE_COOKIE: &str = "better-auth.session_data";

/// A Better Auth signing its cookie cache with its JWT plugin's keys (`jwks`: the plugin's
/// options for them), entries lasting `max_age` seconds.
async fn server(db: &TestDb, jwks: Value, max_age: u64) -> BetterAuthServer {
    let mut config = db.server_config(json!({"jwt": {"sessionCookieCache": true, "jwks": jwks}}));
    config["options"] = json!({
        "session": {"cookieCache": {"enabled": true, "strategy": "jwt", "maxAge": max_age}},
    });
    BetterAuthServer::start(config).await
}

/// Our authenticator for `server`: its database (lookups counted), its JWKS for the cookie
/// cache (an unknown `kid` refetched at once, so each one shows as a fetch).
async fn authenticator(
    db: &TestDb,
    server: &BetterAuthServer,
) -> (
    Authenticator,
    std::sync::Arc<CountingStore>,
    CookieCacheKeys,
) {
    let base_url = url::Url::parse(server.base_url()).unwrap();
    let mut key_cache = KeyCacheOptions::default();
    key_cache.min_refetch_interval = Duration::ZERO;
    let keys = CookieCacheKeys::from_url(
        base_url.join("/api/auth/jwks").unwrap(),
        FetchOptions::default(),
        key_cache,
        CookieCacheKeys::issuer_for(Some(&base_url)),
    )
    .unwrap();
    let sql = store::connect(&db.url(), SqlOptions::default())
        .await
        .unwrap();
    let counting = CountingStore::new(sql);
    let mut config = AuthConfig::new(SecretSet::single(SECRET).unwrap());
    config.base_url = Some(base_url);
    let auth = Authenticator::builder(config)
        .session_store_arc(counting.clone())
        .cookie_cache(CookieCacheOptions::jwks(keys.clone()))
        .build()
        .unwrap();
    (auth, counting, keys)
}

/// The protected header of the cache entry in `cookie`.
fn entry_header(cookie: &str) -> Value {
    entry_part(cookie, 0)
}

/// The claims of the cache entry in `cookie`.
fn entry_claims(cookie: &str) -> Value {
    entry_part(cookie, 1)
}

fn entry_part(cookie: &str, index: usize) -> Value {
    let value = cookie
        .split("; ")
        .find_map(|pair| pair.strip_prefix(&format!("{CACHE_COOKIE}=")))
        .expect("a cookie cache entry");
    let part = value.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// `cookie` with its cache entry's `user.name` rewritten to `name` (the signature kept).
fn forge_name(cookie: &str, name: &str) -> String {
    cookie
        .split("; ")
        .map(
            |pair| match pair.strip_prefix(&format!("{CACHE_COOKIE}=")) {
                Some(value) => {
                    let mut parts: Vec<String> = value.split('.').map(str::to_owned).collect();
                    let mut claims: Value =
                        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap())
                            .unwrap();
                    claims["user"]["name"] = json!(name);
                    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
                    format!("{CACHE_COOKIE}={}", parts.join("."))
                }
                None => pair.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("; ")
}

/// `cookie` with the session token of `token_from` and the cache entry of `cache_from`.
fn mix(token_from: &str, cache_from: &str) -> String {
    let pick = |cookie: &str, prefix: &str| {
        cookie
            .split("; ")
            .filter(|pair| pair.starts_with(prefix))
            .collect::<Vec<_>>()
            .join("; ")
    };
    format!(
        "{}; {}",
        pick(token_from, "better-auth.session_token="),
        pick(cache_from, CACHE_COOKIE)
    )
}

#[tokio::test]
async fn jwks_entry_answers_without_the_store_until_max_age() {
    let db = TestDb::sqlite();
    let server = server(&db, json!({}), 3).await;
    let signed = server
        .sign_up("cache-jwks@example.com", "correct horse battery", "Zoë 🎉")
        .await;
    let cookie = signed.cookie_header();
    let set_cookie = signed
        .set_cookies
        .iter()
        .find(|c| c.starts_with(CACHE_COOKIE))
        .expect("Better Auth set the cookie cache");
    assert!(set_cookie.contains("Max-Age=3"), "{set_cookie}");
    let header = entry_header(&cookie);
    let jwks = server.jwks().await;
    assert_eq!(header["typ"], TOKEN_TYPE);
    assert_eq!(header["alg"], "EdDSA", "the JWT plugin's default key");
    assert_eq!(header["kid"], jwks["keys"][0]["kid"]);

    let (auth, counting, keys) = authenticator(&db, &server).await;
    let identity = auth.authenticate(&cookie_headers(&cookie)).await.unwrap();
    assert_eq!(counting.lookups(), 0, "answered from the cookie cache");
    let theirs = server.get_session(&cookie).await;
    assert_eq!(identity.user.id, theirs["user"]["id"].as_str().unwrap());
    assert_eq!(identity.user.name, "Zoë 🎉");
    let session = identity.session.as_ref().unwrap();
    assert_eq!(session.id, theirs["session"]["id"].as_str().unwrap());
    auth.authenticate(&cookie_headers(&cookie)).await.unwrap();
    assert_eq!(
        (counting.lookups(), keys.fetch_count()),
        (0, 1),
        "the keys are fetched once"
    );

    // Signed out in Better Auth: its cache entry still admits the session, there and here.
    server.sign_out(&cookie).await;
    assert!(!server.get_session(&cookie).await.is_null());
    auth.authenticate(&cookie_headers(&cookie))
        .await
        .expect("admitted from the cache until maxAge, as Better Auth admits it");
    assert_eq!(counting.lookups(), 0);

    // Past maxAge the entry has expired: both refuse (the store knows it is gone).
    tokio::time::sleep(Duration::from_millis(3300)).await;
    assert!(
        server.get_session(&cookie).await.is_null(),
        "Better Auth refuses it after maxAge"
    );
    assert!(matches!(
        auth.authenticate(&cookie_headers(&cookie)).await,
        Err(AuthError::SessionNotFound)
    ));
    assert_eq!(
        counting.lookups(),
        1,
        "the expired entry fell back to the store"
    );
}

#[tokio::test]
async fn tampered_and_other_sessions_entries_fall_back_to_the_store() {
    let db = TestDb::sqlite();
    let server = server(&db, json!({}), 300).await;
    let first = server
        .sign_up("jwks-first@example.com", "correct horse battery", "First")
        .await
        .cookie_header();
    // The same user's second session, and another user's session.
    let second = server
        .sign_in("jwks-first@example.com", "correct horse battery")
        .await
        .cookie_header();
    let other = server
        .sign_up("jwks-other@example.com", "correct horse battery", "Other")
        .await
        .cookie_header();
    let (auth, counting, _) = authenticator(&db, &server).await;
    let first_session = server.get_session(&first).await["session"]["id"].clone();

    // A flipped character: the store answers, as Better Auth's does.
    let tampered = tamper_cache_cookie(&first);
    let identity = auth.authenticate(&cookie_headers(&tampered)).await.unwrap();
    assert_eq!(
        counting.lookups(),
        1,
        "a tampered entry falls back to the store"
    );
    assert_eq!(
        server.get_session(&tampered).await["session"]["id"],
        first_session
    );
    assert_eq!(
        identity.session.unwrap().id,
        first_session.as_str().unwrap()
    );
    // Claims rewritten (another name), the signature kept: the store answers, with the name
    // it holds.
    let forged = forge_name(&first, "Mallory");
    let identity = auth.authenticate(&cookie_headers(&forged)).await.unwrap();
    assert_eq!(
        counting.lookups(),
        2,
        "a forged entry falls back to the store"
    );
    assert_eq!(identity.user.name, "First");
    assert_eq!(server.get_session(&forged).await["user"]["name"], "First");

    // The first session's token with the entry of another session (`sid` is not this token):
    // not used; the store answers for the first session, as Better Auth answers.
    for (case, entry_of) in [("same user", &second), ("another user", &other)] {
        counting.reset_lookups();
        let mixed = mix(&first, entry_of);
        let identity = auth.authenticate(&cookie_headers(&mixed)).await.unwrap();
        assert_eq!(counting.lookups(), 1, "{case}: the store answered");
        assert_eq!(
            identity.session.unwrap().id,
            first_session.as_str().unwrap(),
            "{case}"
        );
        assert_eq!(
            server.get_session(&mixed).await["session"]["id"],
            first_session,
            "{case}: Better Auth answers for the token too"
        );
    }
}

#[tokio::test]
async fn an_entry_signed_by_another_better_auth_is_refused() {
    let db = TestDb::sqlite();
    let server = server(&db, json!({}), 300).await;
    // Another deployment with the same secret (so its session cookie's signature verifies
    // here) and the same base URL (so its entries carry our `iss`), but its own database and
    // keys: only the `kid` and the signature tell its entries apart.
    let foreign_db = TestDb::sqlite();
    let mut config = foreign_db.server_config(json!({"jwt": {"sessionCookieCache": true}}));
    config["options"] = json!({
        "baseURL": server.base_url(),
        "trustedOrigins": ["http://127.0.0.1:*"],
        "session": {"cookieCache": {"enabled": true, "strategy": "jwt"}},
    });
    let foreign = BetterAuthServer::start(config).await;
    let cookie = foreign
        .sign_up(
            "jwks-foreign@example.com",
            "correct horse battery",
            "Foreign",
        )
        .await
        .cookie_header();
    assert_eq!(entry_claims(&cookie)["iss"], server.base_url());
    let foreign_kid = entry_header(&cookie)["kid"].clone();
    assert_ne!(foreign_kid, server.jwks().await["keys"][0]["kid"]);

    let (auth, counting, keys) = authenticator(&db, &server).await;
    assert_eq!(keys.refresh().await.unwrap(), 1);
    assert!(matches!(
        auth.authenticate(&cookie_headers(&cookie)).await,
        Err(AuthError::SessionNotFound)
    ));
    assert_eq!(
        (counting.lookups(), keys.fetch_count()),
        (1, 2),
        "the unknown kid refetched the keys once, then the store was asked"
    );
    assert!(
        server.get_session(&cookie).await.is_null(),
        "Better Auth refuses it too"
    );
}

#[tokio::test]
async fn es256_keys_and_the_version() {
    let db = TestDb::sqlite();
    let server = server(&db, json!({"keyPairConfig": {"alg": "ES256"}}), 300).await;
    let cookie = server
        .sign_up("jwks-es256@example.com", "correct horse battery", "Ec")
        .await
        .cookie_header();
    assert_eq!(entry_header(&cookie)["alg"], "ES256");
    let (auth, counting, _) = authenticator(&db, &server).await;
    auth.authenticate(&cookie_headers(&cookie)).await.unwrap();
    assert_eq!(counting.lookups(), 0, "answered from the cookie cache");

    // Expecting another `cookieCache.version`: the entry is not used.
    let mut options = CookieCacheOptions::jwks(
        CookieCacheKeys::for_better_auth(&url::Url::parse(server.base_url()).unwrap()).unwrap(),
    );
    options.version = "2".to_owned();
    let sql = store::connect(&db.url(), SqlOptions::default())
        .await
        .unwrap();
    let counting = CountingStore::new(sql);
    let auth = Authenticator::builder(AuthConfig::new(SecretSet::single(SECRET).unwrap()))
        .session_store_arc(counting.clone())
        .cookie_cache(options)
        .build()
        .unwrap();
    auth.authenticate(&cookie_headers(&cookie)).await.unwrap();
    assert_eq!(
        counting.lookups(),
        1,
        "another version falls back to the store"
    );
}

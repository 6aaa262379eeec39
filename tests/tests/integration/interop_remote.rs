//! Remote mode against a REAL Better Auth: sessions asked of its `get-session`, with the
//! in-process cache in front (positive and negative), and a 503 when it is down.

use std::{sync::Arc, time::Duration};

use better_auth_core::{
    AuthConfig, AuthError, Authenticator, CacheOptions, CachedStore, SecretSet,
    http::{HeaderMap, HeaderValue},
    store::SessionStore,
    store::{RemoteOptions, RemoteSessionStore},
};
use better_auth_tests::{
    ALPHANUMERIC, SECRET, better_auth::BetterAuthServer, counting::CountingStore, db::TestDb,
    random_text,
};
use serde_json::json;

fn cookie_headers(cookie: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("cookie", HeaderValue::from_str(cookie).unwrap());
    headers
}

fn config(server: &BetterAuthServer) -> AuthConfig {
    let mut config = AuthConfig::new(SecretSet::single(SECRET).unwrap());
    config.base_url = Some(url::Url::parse(server.base_url()).unwrap());
    config
}

#[tokio::test]
async fn remote_sessions_match_better_auth_and_are_cached() {
    let db = TestDb::sqlite();
    let server = BetterAuthServer::start(db.server_config(json!({"bearer": {}}))).await;
    let signed = server
        .sign_up("remote@example.com", "correct horse battery", "Zoë 🎉")
        .await;

    let remote = RemoteSessionStore::new(&config(&server), RemoteOptions::default()).unwrap();
    let counting = CountingStore::new(Arc::new(remote));
    let cached = CachedStore::new(
        counting.clone(),
        CacheOptions::with_ttl(Duration::from_millis(500)).negative_ttl(Duration::from_secs(5)),
    );
    let auth = Authenticator::builder(config(&server))
        .session_store(cached)
        .build()
        .unwrap();

    let cookie = signed.cookie_header();
    let identity = auth.authenticate(&cookie_headers(&cookie)).await.unwrap();
    let theirs = server.get_session(&cookie).await;
    assert_eq!(identity.user.id, theirs["user"]["id"].as_str().unwrap());
    assert_eq!(identity.user.name, "Zoë 🎉");
    assert_eq!(
        identity.session.as_ref().unwrap().id,
        theirs["session"]["id"].as_str().unwrap()
    );
    // The bearer token leads to the same remote session.
    let mut bearer = HeaderMap::new();
    bearer.insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {}", signed.auth_token.clone().unwrap())).unwrap(),
    );
    for _ in 0..20 {
        auth.authenticate(&cookie_headers(&cookie)).await.unwrap();
        auth.authenticate(&bearer).await.unwrap();
    }
    assert_eq!(
        counting.lookups(),
        1,
        "41 requests within the TTL, one call to Better Auth"
    );

    // Negative answers are cached too.
    let unknown = format!(
        "better-auth.session_token={}",
        better_auth_core::internals::cookie_value(
            "unknown-token",
            SecretSet::single(SECRET).unwrap().current()
        )
    );
    for _ in 0..10 {
        assert!(matches!(
            auth.authenticate(&cookie_headers(&unknown)).await,
            Err(AuthError::SessionNotFound)
        ));
    }
    assert_eq!(counting.lookups(), 2);

    // Signed out: refused once the positive entry has expired.
    server.sign_out(&cookie).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(matches!(
        auth.authenticate(&cookie_headers(&cookie)).await,
        Err(AuthError::SessionNotFound)
    ));
    auth.check_health().await.unwrap();
}

#[tokio::test]
async fn better_auth_down_is_a_503() {
    let db = TestDb::sqlite();
    let server = BetterAuthServer::start(db.server_config(json!({}))).await;
    let signed = server
        .sign_up("down@example.com", "correct horse battery", "D")
        .await;
    let config = config(&server);
    let mut options = RemoteOptions::default();
    options.timeout = Duration::from_millis(700);
    let remote = RemoteSessionStore::new(&config, options).unwrap();
    remote
        .find_session(&signed.token())
        .await
        .unwrap()
        .expect("up: found");
    drop(server);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let error = AuthError::from(remote.find_session(&signed.token()).await.unwrap_err());
    assert_eq!(error.status().as_u16(), 503, "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(remote.check_health().await.is_err());
}

/// Better Auth as production runs it (its rate limiter on: 100 requests per 10 s per client
/// address), remote mode with its default budget of lookups that find nothing (20 per 10 s per
/// client): a client sending random bearer tokens is refused (429 `rate_limited`) after its 20th
/// miss, before any call, so it cannot even spend its own limit at Better Auth; garbage that
/// cannot be a token is refused with no call at all; another client's session is answered
/// throughout, cached or not.
#[tokio::test]
async fn one_client_spends_its_own_budget_not_anothers() {
    let db = TestDb::sqlite();
    let server = BetterAuthServer::start(BetterAuthServer::production(
        db.server_config(json!({"bearer": {}})),
    ))
    .await;
    let signed = server
        .sign_up("budget@example.com", "correct horse battery", "B")
        .await;
    let remote = RemoteSessionStore::new(&config(&server), RemoteOptions::default()).unwrap();
    let counting = CountingStore::new(Arc::new(remote));
    let auth = Authenticator::builder(config(&server))
        .session_store(counting.clone())
        .build()
        .unwrap();
    let attacker: std::net::IpAddr = "198.51.100.66".parse().unwrap();
    let victim: std::net::IpAddr = "198.51.100.7".parse().unwrap();

    // Not a token Better Auth issues (Redis's list key, too short, not alphanumeric): refused
    // with no call.
    for garbage in [
        format!("active-sessions-{}", signed.user_id()),
        "short".to_owned(),
        "x".repeat(200),
    ] {
        let bearer = HeaderMap::from_iter([(
            better_auth_core::http::header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {garbage}")).unwrap(),
        )]);
        let outcome = auth
            .authenticate_request_from(Some(attacker), "GET", &bearer)
            .await;
        assert_eq!(
            outcome.result().as_ref().unwrap_err().code(),
            "session_not_found"
        );
    }
    assert_eq!(counting.lookups(), 0, "no call for what cannot be a token");

    let mut codes = std::collections::BTreeMap::<&str, usize>::new();
    for _ in 0..150 {
        let bearer = HeaderMap::from_iter([(
            better_auth_core::http::header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {}", random_text(32, ALPHANUMERIC))).unwrap(),
        )]);
        let outcome = auth
            .authenticate_request_from(Some(attacker), "GET", &bearer)
            .await;
        let error = outcome.result().as_ref().unwrap_err();
        *codes.entry(error.code()).or_default() += 1;
        if error.code() == "rate_limited" {
            assert_eq!(error.status().as_u16(), 429);
            assert!(
                error
                    .retry_after()
                    .is_some_and(|wait| wait <= Duration::from_secs(10))
            );
        }
    }
    assert_eq!(
        codes,
        [("rate_limited", 130), ("session_not_found", 20)].into(),
        "20 misses, then refused before any call"
    );
    let cookie = signed.cookie_header();
    for _ in 0..5 {
        let outcome = auth
            .authenticate_request_from(Some(victim), "GET", &cookie_headers(&cookie))
            .await;
        assert_eq!(
            outcome.result().as_ref().unwrap().user.email,
            "budget@example.com"
        );
    }
    // The attacker's valid session is still answered: a lookup that would find a session is
    // refused too while its budget is spent (the budget is per client, not per token), and
    // answered again once the window has passed. Its misses cost nobody else anything.
    let outcome = auth
        .authenticate_request_from(Some(attacker), "GET", &cookie_headers(&cookie))
        .await;
    assert_eq!(
        outcome.result().as_ref().unwrap_err().code(),
        "rate_limited"
    );
}

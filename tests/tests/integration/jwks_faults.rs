//! The key cache against a JWKS server of the test's own that breaks on purpose: down at start,
//! down after a good fetch, slow, garbage, huge, rotating. Its request counter proves
//! single-flight and rate limiting.

use std::{sync::Arc, time::Duration};

use better_auth_core::{
    AuthError,
    jwt::{
        FetchOptions, JwksVerifier, JwtValidation, KeyCacheOptions, TokenVerifier,
        VerifiedTokenCacheOptions,
    },
};
use better_auth_tests::{
    jwks_server::{Behaviour, JwksServer},
    jws::{TestKey, claims},
};

fn verifier(server: &JwksServer, cache: KeyCacheOptions, fetch: FetchOptions) -> JwksVerifier {
    let url = url::Url::parse(&format!("{}/api/auth/jwks", server.base_url())).unwrap();
    JwksVerifier::from_url(
        url,
        fetch,
        cache,
        JwtValidation::for_origin(server.base_url()),
    )
    .unwrap()
}

fn cache_options(min_refetch_ms: u64) -> KeyCacheOptions {
    let mut options = KeyCacheOptions::default();
    options.min_refetch_interval = Duration::from_millis(min_refetch_ms);
    options
}

fn fetch_options(timeout_ms: u64) -> FetchOptions {
    let mut options = FetchOptions::default();
    options.timeout = Duration::from_millis(timeout_ms);
    options
}

fn assert_unavailable(result: Result<std::sync::Arc<better_auth_core::JwtClaims>, AuthError>) {
    let error = result.unwrap_err();
    assert!(matches!(error, AuthError::JwksUnavailable(_)), "{error:?}");
    assert_eq!(
        (error.status().as_u16(), error.code()),
        (503, "jwks_unavailable")
    );
}

#[tokio::test]
async fn down_at_start_is_a_503_then_recovers() {
    let key = TestKey::generate("EdDSA", "k1");
    let mut server = JwksServer::down(Behaviour::Keys(JwksServer::document(&[key.jwk()]))).await;
    let verifier = verifier(&server, cache_options(100), fetch_options(1000));
    let token = key.sign(&claims("u1", &server.base_url(), 600));
    assert_unavailable(verifier.verify_token(&token).await);
    // Within the refetch interval the source is not asked again: still 503, no hammering.
    assert_unavailable(verifier.verify_token(&token).await);
    assert_eq!(verifier.fetch_count(), 1);

    server.up().await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(verifier.verify_token(&token).await.unwrap().subject, "u1");
}

#[tokio::test]
async fn down_after_a_good_fetch_keeps_serving_known_keys_until_max_stale() {
    let known = TestKey::generate("EdDSA", "known");
    let unknown = TestKey::generate("EdDSA", "unknown");
    let mut server = JwksServer::start(Behaviour::Keys(JwksServer::document(&[known.jwk()]))).await;
    let mut options = cache_options(50);
    options.max_stale = Duration::from_millis(800);
    options.refresh_interval = Duration::from_millis(200);
    let verifier = verifier(&server, options, fetch_options(1000));
    let good = known.sign(&claims("u1", &server.base_url(), 600));
    verifier.verify_token(&good).await.unwrap();

    server.stop().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The known key still verifies (a background refresh fails quietly).
    verifier.verify_token(&good).await.unwrap();
    // A key we do not have, and cannot fetch: 503, not 401 (the token may be good).
    let other = unknown.sign(&claims("u2", &server.base_url(), 600));
    assert_unavailable(verifier.verify_token(&other).await);

    // Past max_stale, even the known key stops verifying.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_unavailable(verifier.verify_token(&good).await);

    server.up().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    verifier.verify_token(&good).await.unwrap();
}

#[tokio::test]
async fn a_slow_jwks_times_out_quickly() {
    let key = TestKey::generate("ES256", "k1");
    let server = JwksServer::start(Behaviour::Slow(
        Duration::from_secs(10),
        JwksServer::document(&[key.jwk()]),
    ))
    .await;
    let verifier = verifier(&server, cache_options(50), fetch_options(300));
    let started = std::time::Instant::now();
    let error = verifier
        .verify_token(&key.sign(&claims("u1", &server.base_url(), 600)))
        .await
        .unwrap_err();
    // A timeout is reported as one (kind, code, message), not as "unavailable".
    assert!(
        matches!(&error, AuthError::JwksUnavailable(backend)
            if backend.kind() == better_auth_core::BackendErrorKind::Timeout),
        "{error:?}"
    );
    assert_eq!(
        (error.status().as_u16(), error.code()),
        (503, "jwks_timeout")
    );
    assert_eq!(error.public_message(), "token signing keys timed out");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn garbage_error_statuses_and_huge_bodies_are_refused_and_keep_the_last_good_keys() {
    let key = TestKey::generate("RS256", "k1");
    let server = JwksServer::start(Behaviour::Garbage).await;
    let verifier = verifier(&server, cache_options(20), fetch_options(2000));
    let token = key.sign(&claims("u1", &server.base_url(), 600));
    assert_unavailable(verifier.verify_token(&token).await);

    for bad in [Behaviour::Status(500), Behaviour::Huge(10 * 1024 * 1024)] {
        server.set(bad.clone());
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_unavailable(verifier.verify_token(&token).await);
    }

    // 404: a Better Auth without the JWT plugin publishes no key, so no JWT verifies: a 401
    // (Better Auth answers such a bearer token with no session), not a 503 for a backend
    // that is up.
    server.set(Behaviour::Status(404));
    tokio::time::sleep(Duration::from_millis(30)).await;
    let error = verifier.verify_token(&token).await.unwrap_err();
    assert_eq!(
        (error.status().as_u16(), error.code()),
        (401, "unknown_key")
    );

    server.set(Behaviour::Keys(JwksServer::document(&[key.jwk()])));
    tokio::time::sleep(Duration::from_millis(30)).await;
    verifier.verify_token(&token).await.unwrap();

    // Garbage, or a 404, after a good fetch: the good keys stay.
    for bad in [Behaviour::Garbage, Behaviour::Status(404)] {
        server.set(bad);
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(verifier.refresh().await.is_err());
        verifier.verify_token(&token).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_thousand_concurrent_tokens_with_a_new_kid_make_one_fetch() {
    let old = TestKey::generate("EdDSA", "old");
    let new = TestKey::generate("EdDSA", "new");
    let server = JwksServer::start(Behaviour::Keys(JwksServer::document(&[old.jwk()]))).await;
    let verifier = Arc::new(verifier(&server, cache_options(10), fetch_options(2000)));
    verifier
        .verify_token(&old.sign(&claims("u0", &server.base_url(), 600)))
        .await
        .unwrap();
    assert_eq!(server.hits(), 1);
    tokio::time::sleep(Duration::from_millis(20)).await;

    // The server rotates: the new key appears. 1000 requests carry a token signed by it.
    server.set(Behaviour::Keys(JwksServer::document(&[
        old.jwk(),
        new.jwk(),
    ])));
    let token = Arc::new(new.sign(&claims("u1", &server.base_url(), 600)));
    let tasks = (0..1000).map(|_| {
        let verifier = verifier.clone();
        let token = token.clone();
        tokio::spawn(async move { verifier.verify_token(&token).await })
    });
    for result in futures::future::join_all(tasks).await {
        assert_eq!(result.unwrap().unwrap().subject, "u1");
    }
    assert_eq!(
        server.hits(),
        2,
        "1000 concurrent unknown-kid tokens, one fetch"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_random_kids_cannot_hammer_the_auth_server() {
    let key = TestKey::generate("EdDSA", "real");
    let server = JwksServer::start(Behaviour::Keys(JwksServer::document(&[key.jwk()]))).await;
    // The default refetch interval (5 s).
    let verifier = Arc::new(verifier(
        &server,
        KeyCacheOptions::default(),
        fetch_options(2000),
    ));
    let tasks = (0..1000).map(|i| {
        let verifier = verifier.clone();
        let forged = TestKey::generate("EdDSA", &format!("random-{i}"));
        let token = forged.sign(&claims("attacker", &server.base_url(), 600));
        tokio::spawn(async move { verifier.verify_token(&token).await })
    });
    for result in futures::future::join_all(tasks).await {
        let error = result.unwrap().unwrap_err();
        assert!(matches!(error, AuthError::UnknownKey), "{error:?}");
        assert_eq!(error.status().as_u16(), 401);
    }
    assert_eq!(
        server.hits(),
        1,
        "1000 random kids within the refetch interval, one fetch"
    );
    // The real key still works, from the cache.
    verifier
        .verify_token(&key.sign(&claims("u1", &server.base_url(), 600)))
        .await
        .unwrap();
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn keys_that_leave_the_set_stop_verifying_after_a_refresh() {
    let first = TestKey::generate("ES512", "first");
    let second = TestKey::generate("ES512", "second");
    let server = JwksServer::start(Behaviour::Keys(JwksServer::document(&[first.jwk()]))).await;
    let verifier = verifier(&server, cache_options(10), fetch_options(2000));
    let old = first.sign(&claims("u1", &server.base_url(), 600));
    verifier.verify_token(&old).await.unwrap();

    server.set(Behaviour::Keys(JwksServer::document(&[second.jwk()])));
    verifier.refresh().await.unwrap();
    assert!(matches!(
        verifier.verify_token(&old).await,
        Err(AuthError::UnknownKey)
    ));
    verifier
        .verify_token(&second.sign(&claims("u1", &server.base_url(), 600)))
        .await
        .unwrap();
}

/// The verified-token cache answers for a token only while the key that verified it is the
/// one published under its `kid`: a key replaced under the same `kid` (a rotation that reuses
/// the id, or a compromised key swapped out) stops the cached token at once after the refresh.
#[tokio::test]
async fn a_cached_token_stops_verifying_when_its_key_is_replaced_under_the_same_kid() {
    let original = TestKey::generate("EdDSA", "same-kid");
    let replacement = TestKey::generate("EdDSA", "same-kid");
    let server = JwksServer::start(Behaviour::Keys(JwksServer::document(&[original.jwk()]))).await;
    let verifier = verifier(&server, cache_options(10), fetch_options(2000));
    let old = original.sign(&claims("u1", &server.base_url(), 600));
    verifier.verify_token(&old).await.unwrap();
    verifier.verify_token(&old).await.expect("cached");

    server.set(Behaviour::Keys(JwksServer::document(&[replacement.jwk()])));
    verifier.refresh().await.unwrap();
    let error = verifier.verify_token(&old).await.unwrap_err();
    assert!(matches!(error, AuthError::InvalidToken { .. }), "{error:?}");
    verifier
        .verify_token(&replacement.sign(&claims("u1", &server.base_url(), 600)))
        .await
        .unwrap();
}

/// With the verified-token cache off, every request verifies its signature; answers are the
/// same.
#[tokio::test]
async fn a_token_is_verified_once_then_answered_by_the_cache_unless_it_is_off() {
    let key = TestKey::generate("ES256", "k1");
    let server = JwksServer::start(Behaviour::Keys(JwksServer::document(&[key.jwk()]))).await;
    let token = key.sign(&claims("u1", &server.base_url(), 600));
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });

    let remembering = verifier(&server, cache_options(10), fetch_options(2000));
    for _ in 0..3 {
        assert_eq!(
            remembering.verify_token(&token).await.unwrap().subject,
            "u1"
        );
    }
    assert_eq!(
        remembering.verified_cache_hits(),
        2,
        "the second and third requests are cache hits"
    );
    assert!(remembering.verify_token(&tampered).await.is_err());
    assert_eq!(
        remembering.verified_cache_hits(),
        2,
        "another token is no hit"
    );

    let verifying = verifier(&server, cache_options(10), fetch_options(2000))
        .verified_token_cache(VerifiedTokenCacheOptions::disabled());
    for _ in 0..3 {
        assert_eq!(verifying.verify_token(&token).await.unwrap().subject, "u1");
    }
    assert_eq!(
        verifying.verified_cache_hits(),
        0,
        "off: every signature verified"
    );
    assert!(verifying.verify_token(&tampered).await.is_err());
}

#[tokio::test]
async fn a_cache_hit_is_held_to_every_claim_rule_the_maximum_age_included() {
    let key = TestKey::generate("EdDSA", "k1");
    let server = JwksServer::start(Behaviour::Keys(JwksServer::document(&[key.jwk()]))).await;
    let url = url::Url::parse(&format!("{}/api/auth/jwks", server.base_url())).unwrap();
    let mut validation = JwtValidation::for_origin(server.base_url());
    validation.leeway = Duration::ZERO;
    validation.max_age = Some(Duration::from_secs(2));
    let verifier =
        JwksVerifier::from_url(url, fetch_options(2000), cache_options(10), validation).unwrap();
    // Issued 1.6 s ago, valid for ten more minutes: within the maximum age for 0.4 s more.
    let mut payload = claims("u1", &server.base_url(), 600);
    let issued = chrono::Utc::now() - chrono::Duration::milliseconds(1600);
    payload["iat"] = serde_json::json!(issued.timestamp_millis() as f64 / 1000.0);
    let token = key.sign(&payload);
    verifier.verify_token(&token).await.unwrap();
    verifier.verify_token(&token).await.unwrap();
    assert_eq!(verifier.verified_cache_hits(), 1);
    tokio::time::sleep(Duration::from_millis(600)).await;
    // Past iat + max_age: refused on the hit, as a fresh verification refuses it.
    let error = verifier.verify_token(&token).await.unwrap_err();
    assert!(matches!(error, AuthError::TokenExpired), "{error:?}");
    assert_eq!(verifier.verified_cache_hits(), 2, "it was a cache hit");
    // And the entry is gone: the next one is a full verification, refused too.
    let error = verifier.verify_token(&token).await.unwrap_err();
    assert!(matches!(error, AuthError::TokenExpired), "{error:?}");
    assert_eq!(verifier.verified_cache_hits(), 2);
}

#[tokio::test]
async fn an_old_key_set_is_refreshed_in_the_background_while_it_keeps_serving() {
    let key = TestKey::generate("EdDSA", "k1");
    let server = JwksServer::start(Behaviour::Keys(JwksServer::document(&[key.jwk()]))).await;
    let mut options = cache_options(10);
    options.refresh_interval = Duration::from_millis(100);
    let verifier = verifier(&server, options, fetch_options(2000));
    let token = key.sign(&claims("u1", &server.base_url(), 600));
    verifier.verify_token(&token).await.unwrap();
    assert_eq!(server.hits(), 1);
    tokio::time::sleep(Duration::from_millis(150)).await;
    // This request is answered from the cache and starts a refresh behind it.
    verifier.verify_token(&token).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.hits(), 2, "refreshed in the background");
}

//! How long a session signed out in a REAL Better Auth stays accepted, per mode: measured, not
//! assumed. Each mode gets its own user; the user signs out through Better Auth's HTTP API and
//! the old credential is presented every 25 ms until it is refused.
//!
//! | mode | bound |
//! |---|---|
//! | database lookup, no cache | 0: the first request after sign-out is refused |
//! | in-process cache (TTL) | at most the TTL |
//! | cookie cache (`maxAge`) | at most `maxAge` (Better Auth itself accepts it as long) |
//! | JWT | until `exp` |
//!
//! The measured windows are printed (`revocation <mode>: ...`) for `docs/security.md`.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use better_auth_core::{
    AuthConfig, AuthError, Authenticator, CacheOptions, SecretSet,
    cookie_cache::{CookieCacheOptions, CookieCacheStrategy},
    http::{HeaderMap, HeaderValue},
    jwt::{FetchOptions, JwksVerifier, JwtValidation, KeyCacheOptions},
    store::{self, SqlOptions},
};
use better_auth_tests::{SECRET, better_auth::BetterAuthServer, db::TestDb};
use serde_json::json;

/// The in-process cache's TTL in the cached mode.
const CACHE_TTL: Duration = Duration::from_secs(2);
/// Better Auth's cookie cache `maxAge`, in seconds.
const COOKIE_CACHE_MAX_AGE: u64 = 3;
/// The JWT plugin's `expirationTime`, in seconds.
const JWT_LIFETIME: u64 = 4;
/// How often the old credential is presented again.
const POLL: Duration = Duration::from_millis(25);

fn header(name: &'static str, value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(name, HeaderValue::from_str(value).unwrap());
    headers
}

fn config() -> AuthConfig {
    AuthConfig::new(SecretSet::single(SECRET).unwrap())
}

/// Presents `headers` until they are refused; the time from `signed_out` to the first refusal.
/// Every refusal must be a 401 (never a 5xx).
async fn window(
    auth: &Authenticator,
    headers: &HeaderMap,
    signed_out: Instant,
    limit: Duration,
) -> Duration {
    loop {
        match auth.authenticate(headers).await {
            Ok(_) => {
                let open = signed_out.elapsed();
                assert!(
                    open <= limit,
                    "still accepted {open:?} after sign-out (bound {limit:?})"
                );
                tokio::time::sleep(POLL).await;
            }
            Err(error) => {
                assert_eq!(error.status().as_u16(), 401, "{error:?}");
                return signed_out.elapsed();
            }
        }
    }
}

fn report(mode: &str, bound: &str, measured: Duration) {
    println!(
        "revocation {mode}: accepted for {} ms after sign-out (bound: {bound})",
        measured.as_millis()
    );
}

struct Setup {
    db: TestDb,
    server: BetterAuthServer,
}

async fn setup() -> Setup {
    let db = TestDb::sqlite();
    let mut config =
        db.server_config(json!({"jwt": {"jwt": {"expirationTime": format!("{JWT_LIFETIME}s")}}}));
    config["options"] = json!({
        "session": {"cookieCache": {"enabled": true, "strategy": "compact", "maxAge": COOKIE_CACHE_MAX_AGE}}
    });
    let server = BetterAuthServer::start(config).await;
    Setup { db, server }
}

#[tokio::test]
async fn revocation_windows_per_mode() {
    let Setup { db, server } = setup().await;
    let sql = store::connect(&db.url(), SqlOptions::default())
        .await
        .unwrap();
    tokio::join!(
        no_cache(&server, sql.clone()),
        in_process_cache(&server, sql.clone()),
        cookie_cache(&server, sql.clone()),
        jwt(&server),
    );
}

/// The token alone (no cookie cache), looked up in the database on every request.
async fn no_cache(server: &BetterAuthServer, sql: Arc<dyn better_auth_core::store::SessionStore>) {
    let signed = server
        .sign_up("revoke-db@example.com", "correct horse battery", "Db")
        .await;
    let auth = Authenticator::builder(config())
        .session_store_arc(sql)
        .build()
        .unwrap();
    let token_cookie = format!(
        "better-auth.session_token={}",
        signed.cookie("better-auth.session_token").unwrap()
    );
    let headers = header("cookie", &token_cookie);
    auth.authenticate(&headers)
        .await
        .expect("valid before sign-out");
    server.sign_out(&signed.cookie_header()).await;
    let signed_out = Instant::now();
    let error = auth
        .authenticate(&headers)
        .await
        .expect_err("refused at once");
    assert!(matches!(error, AuthError::SessionNotFound), "{error:?}");
    report(
        "database, no cache",
        "0: the first request after sign-out",
        signed_out.elapsed(),
    );
}

/// The token alone, through the in-process cache: the entry made before sign-out keeps
/// answering until its TTL runs out.
async fn in_process_cache(
    server: &BetterAuthServer,
    sql: Arc<dyn better_auth_core::store::SessionStore>,
) {
    let signed = server
        .sign_up("revoke-cache@example.com", "correct horse battery", "Cache")
        .await;
    let auth = Authenticator::builder(config())
        .session_store_arc(sql)
        .cache(CacheOptions::with_ttl(CACHE_TTL))
        .build()
        .unwrap();
    let token_cookie = format!(
        "better-auth.session_token={}",
        signed.cookie("better-auth.session_token").unwrap()
    );
    let headers = header("cookie", &token_cookie);
    let cached_at = Instant::now();
    auth.authenticate(&headers)
        .await
        .expect("valid before sign-out");
    server.sign_out(&signed.cookie_header()).await;
    let signed_out = Instant::now();
    // The first request after the sign-out is still served, by the cache entry made before it.
    auth.authenticate(&headers)
        .await
        .expect("the cache entry answers after the sign-out");
    let bound = CACHE_TTL.saturating_sub(signed_out - cached_at) + POLL * 4;
    let measured = window(&auth, &headers, signed_out, bound).await;
    report(
        "in-process cache",
        &format!("TTL {} ms", CACHE_TTL.as_millis()),
        measured,
    );
}

/// Every cookie Better Auth set, with the cookie cache read first: the signed `session_data`
/// keeps answering until its `maxAge`.
async fn cookie_cache(
    server: &BetterAuthServer,
    sql: Arc<dyn better_auth_core::store::SessionStore>,
) {
    let signed = server
        .sign_up(
            "revoke-cookie@example.com",
            "correct horse battery",
            "Cookie",
        )
        .await;
    let issued = Instant::now();
    let auth = Authenticator::builder(config())
        .session_store_arc(sql)
        .cookie_cache(CookieCacheOptions::with_strategy(
            CookieCacheStrategy::Compact,
        ))
        .build()
        .unwrap();
    let cookie = signed.cookie_header();
    assert!(cookie.contains("better-auth.session_data="), "{cookie}");
    let headers = header("cookie", &cookie);
    auth.authenticate(&headers)
        .await
        .expect("valid before sign-out");
    server.sign_out(&cookie).await;
    let signed_out = Instant::now();
    // The first request after the sign-out is still served, from the cookie cache entry.
    auth.authenticate(&headers)
        .await
        .expect("the cookie cache entry answers after the sign-out");
    let max_age = Duration::from_secs(COOKIE_CACHE_MAX_AGE);
    let bound = max_age.saturating_sub(signed_out - issued) + POLL * 4;
    let measured = window(&auth, &headers, signed_out, bound).await;
    report(
        "cookie cache",
        &format!("maxAge {COOKIE_CACHE_MAX_AGE} s"),
        measured,
    );
}

/// The JWT from `/token`, verified against the JWKS: valid until `exp`, whatever happens to the
/// session.
async fn jwt(server: &BetterAuthServer) {
    let signed = server
        .sign_up("revoke-jwt@example.com", "correct horse battery", "Jwt")
        .await;
    let token = server.get_jwt(&signed.cookie_header()).await;
    let issued = Instant::now();
    let url = url::Url::parse(&format!("{}/api/auth/jwks", server.base_url())).unwrap();
    let mut validation = JwtValidation::for_origin(server.base_url());
    validation.leeway = Duration::ZERO;
    let verifier = JwksVerifier::from_url(
        url,
        FetchOptions::default(),
        KeyCacheOptions::default(),
        validation,
    )
    .unwrap();
    let auth = Authenticator::builder(config())
        .token_verifier(verifier)
        .build()
        .unwrap();
    let headers = header("authorization", &format!("Bearer {token}"));
    auth.authenticate(&headers)
        .await
        .expect("valid before sign-out");
    server.sign_out(&signed.cookie_header()).await;
    let signed_out = Instant::now();
    // `exp` is in whole seconds: up to one second less than the lifetime, never more.
    let bound = Duration::from_secs(JWT_LIFETIME).saturating_sub(signed_out - issued) + POLL * 4;
    let measured = window(&auth, &headers, signed_out, bound).await;
    assert!(
        measured > Duration::from_secs(1),
        "a JWT outlives its session"
    );
    report(
        "JWT",
        &format!("exp, {JWT_LIFETIME} s after issue"),
        measured,
    );
}

//! The OAuth resource server's hot path, measured against the session JWT path of the same run:
//!
//! - `resource_server/jwt_again`: `ResourceServer::authenticate` of an `at+jwt` access token
//!   seen before (header read, verified-token cache hit, the claim rules, the `AccessToken`);
//! - `resource_server/session_jwt_again` (baseline): a session JWT seen before through
//!   `JwksVerifier::verify_token` (the same verified-token cache).
//!
//! `cargo bench -p better-auth-core --features resource-server --bench resource_server`
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use better_auth_core::{
    jwt::{Jwk, StaticKeys, TokenVerifier},
    resource_server::ResourceServer,
};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

mod support;

const RESOURCE: &str = "https://api.example.com";
const BASE: &str = "https://auth.example.com";

/// An access token as Better Auth's OAuth provider issues it for a user (an EdDSA `at+jwt`
/// carrying `sub`, `sid`, `client_id`, `azp`, `scope` and an `aud` array that ends with the
/// userinfo URL), and its key.
fn access_token() -> (String, Jwk) {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "sub": "N3fwbt6SZLl0scIL397KVd1hZuZByJHb",
        "aud": [RESOURCE, format!("{BASE}/api/auth/oauth2/userinfo")],
        "client_id": "LcQhxqZbWnVTyRpKdJmFsGaEoUiAJAaP", "azp": "LcQhxqZbWnVTyRpKdJmFsGaEoUiAJAaP",
        "scope": "openid profile email offline_access read:items",
        "sid": "oMvQe3r0s9bHcXkP2aYtW1nLzD8fGj4u",
        "iss": format!("{BASE}/api/auth"), "iat": now, "exp": now + 3600,
        "jti": "Zq8mXw2LkT5rVb9NcY3hJf6GdS1aPe0U",
    });
    let header = json!({"alg": "EdDSA", "kid": "bench-key", "typ": "at+jwt"});
    support::jwt::eddsa_signed(&header, &claims)
}

fn server(jwk: Jwk) -> ResourceServer {
    ResourceServer::builder(RESOURCE, &url::Url::parse(BASE).unwrap())
        .unwrap()
        .key_source(StaticKeys::new(vec![jwk]))
        .build()
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (token, jwk) = access_token();
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    let cached = server(jwk.clone());
    runtime.block_on(cached.authenticate(&headers)).unwrap();
    let (session_token, session_verifier) =
        runtime.block_on(support::jwt::eddsa_token_and_verifier());
    runtime
        .block_on(session_verifier.verify_token(&session_token))
        .unwrap();

    let mut group = c.benchmark_group("resource_server");
    group.bench_function("jwt_again", |b| {
        b.iter(|| {
            runtime
                .block_on(cached.authenticate(black_box(&headers)))
                .unwrap()
        })
    });
    group.bench_function("session_jwt_again", |b| {
        b.iter(|| {
            runtime
                .block_on(session_verifier.verify_token(black_box(&session_token)))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

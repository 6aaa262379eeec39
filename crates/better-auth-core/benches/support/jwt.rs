//! A Better Auth-shaped EdDSA token and a verifier that knows its key (feature `jwks`).

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use better_auth_core::jwt::{Jwk, JwksVerifier, JwtValidation, KeyCacheOptions, StaticKeys};
use serde_json::json;

/// The issuer and audience of the token.
pub(crate) const ISSUER: &str = "https://app.example.com";

/// The claims of a token as Better Auth's JWT plugin issues it: the user's fields, issued now,
/// an hour to live.
pub(crate) fn better_auth_claims() -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iat": now, "name": "Ada Lovelace", "email": "ada@example.com", "emailVerified": true,
        "image": null, "createdAt": "2026-11-25T12:00:00.000Z", "updatedAt": "2026-11-25T12:00:00.000Z",
        "role": "user", "id": "N3fwbt6SZLl0scIL397KVd1hZuZByJHb", "sub": "N3fwbt6SZLl0scIL397KVd1hZuZByJHb",
        "exp": now + 3600, "iss": ISSUER, "aud": ISSUER,
    })
}

/// A token as Better Auth's JWT plugin issues it (EdDSA, the user's fields as claims, an hour
/// to live), and a verifier holding its key (keys loaded).
pub(crate) async fn eddsa_token_and_verifier() -> (String, JwksVerifier) {
    let (token, jwk) = eddsa_signed(
        &json!({"alg": "EdDSA", "kid": "bench-key"}),
        &better_auth_claims(),
    );
    let verifier = JwksVerifier::new(
        StaticKeys::new(vec![jwk]),
        KeyCacheOptions::default(),
        JwtValidation::for_origin(ISSUER),
    );
    verifier.refresh().await.expect("static keys load");
    (token, verifier)
}

/// `header.claims` signed with a new Ed25519 key (`kid` `bench-key`), and that key's JWK.
pub(crate) fn eddsa_signed(
    header: &serde_json::Value,
    claims: &serde_json::Value,
) -> (String, Jwk) {
    let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let pair = Ed25519KeyPair::generate().expect("a key pair");
    let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key().as_ref()), "kid": "bench-key", "alg": "EdDSA"});
    let token = format!("{input}.{}", b64(pair.sign(input.as_bytes()).as_ref()));
    (token, serde_json::from_value(jwk).expect("a JWK"))
}

//! The `jwks` strategy's checks: a real Better Auth entry verifies; each header and claim rule
//! refuses an entry signed with the right key but breaking it.

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::*;
use crate::{
    cookie_cache::{CookieCacheOptions, usable},
    jwt::{Jwk, KeyCacheOptions, StaticKeys},
};

const ISSUER: &str = "https://app.example.com";

/// A `session_data` cookie a real Better Auth 1.7.25 set on sign-up
/// (`jwt({ sessionCookieCache: true })`, `cookieCache: {enabled: true, strategy: "jwt"}`,
/// `baseURL: "http://127.0.0.1:37117"`), and its JWKS.
const CAPTURED: &str = "eyJhbGciOiJFZERTQSIsImtpZCI6Ilc1VGlCblBhR0R0OXF1bGd1NTgweWI3enUwNGx1eUtIIiwidHlwIjoiYmV0dGVyLWF1dGguc2Vzc2lvbi1jYWNoZStqd3QifQ.eyJzZXNzaW9uIjp7ImV4cGlyZXNBdCI6IjIwMjYtMTItMDdUMTQ6MjA6NDguNzE4WiIsInRva2VuIjoiUkc3aUF4RWZtMEdTeEFQMWcwUDdXcDBOUHFONUZVckwiLCJjcmVhdGVkQXQiOiIyMDI2LTExLTMwVDE0OjIwOjQ4LjcxOFoiLCJ1cGRhdGVkQXQiOiIyMDI2LTExLTMwVDE0OjIwOjQ4LjcxOFoiLCJpcEFkZHJlc3MiOiIiLCJ1c2VyQWdlbnQiOiJjdXJsLzcuODguMSIsInVzZXJJZCI6InZjdm5MSU04ZmowVm9VaVVNNEtTWFFiSTkxTE1wNUV1IiwiaWQiOiJKeDZuM0wzMkxmY1d6eVhSeldYdnJPWXQxS2g0dmZHciJ9LCJ1c2VyIjp7Im5hbWUiOiJBIiwiZW1haWwiOiJhQGV4YW1wbGUuY29tIiwiZW1haWxWZXJpZmllZCI6ZmFsc2UsImltYWdlIjpudWxsLCJjcmVhdGVkQXQiOiIyMDI2LTExLTMwVDE0OjIwOjQ4LjcwOFoiLCJ1cGRhdGVkQXQiOiIyMDI2LTExLTMwVDE0OjIwOjQ4LjcwOFoiLCJpZCI6InZjdm5MSU04ZmowVm9VaVVNNEtTWFFiSTkxTE1wNUV1In0sInVwZGF0ZWRBdCI6MTc5NjA0ODQ0ODcyMiwidmVyc2lvbiI6IjEiLCJzaWQiOiJSRzdpQXhFZm0wR1N4QVAxZzBQN1dwME5QcU41RlVyTCIsImlhdCI6MTc5NjA0ODQ0OCwiZXhwIjoxNzk2MDQ4NzQ4LCJpc3MiOiJodHRwOi8vMTI3LjAuMC4xOjM3MTE3IiwiYXVkIjoiYmV0dGVyLWF1dGg6c2Vzc2lvbi1jYWNoZSIsInN1YiI6InZjdm5MSU04ZmowVm9VaVVNNEtTWFFiSTkxTE1wNUV1In0.VdK9P3uUhX-6dJdHsu8re9skiEGU6PWJG0d3-Xb_Q5_4Rz7VdO5Se-JrgN57hXvdjELLdBDwMfUdYldTOoiDAw";
const CAPTURED_JWKS: &str = r#"{"keys":[{"alg":"EdDSA","crv":"Ed25519","x":"VGcKb5UMe3L5nYMIRiw2fx2xB28JGPjHqBPt1pJaZvA","kty":"OKP","kid":"W5TiBnPaGDt9qulgu580yb7zu04luyKH"}]}"#;

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

fn now() -> DateTime<Utc> {
    at(1_800_000_000)
}

/// An Ed25519 key pair published under `kid`.
struct Signer {
    pair: Ed25519KeyPair,
    kid: &'static str,
}

impl Signer {
    fn new(kid: &'static str) -> Self {
        Self {
            pair: Ed25519KeyPair::generate().unwrap(),
            kid,
        }
    }

    fn jwk(&self) -> Jwk {
        Jwk {
            kty: "OKP".to_owned(),
            kid: Some(self.kid.to_owned()),
            alg: Some("EdDSA".to_owned()),
            crv: Some("Ed25519".to_owned()),
            x: Some(URL_SAFE_NO_PAD.encode(self.pair.public_key().as_ref())),
            ..Jwk::default()
        }
    }

    fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.pair.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }
}

fn keys_of(signers: &[&Signer]) -> CookieCacheKeys {
    let jwks = signers.iter().map(|signer| signer.jwk()).collect();
    CookieCacheKeys::new(StaticKeys::new(jwks), KeyCacheOptions::default(), ISSUER)
}

fn header(kid: &str) -> Value {
    json!({"alg": "EdDSA", "kid": kid, "typ": TOKEN_TYPE})
}

/// Better Auth's claims for session `tok` of user `u1` at [`now`], with `overrides` (a `null`
/// removes the claim).
fn claims(overrides: Value) -> Value {
    let t = now().timestamp();
    let mut claims = json!({
        "session": {
            "id": "s1", "token": "tok", "userId": "u1", "ipAddress": "", "userAgent": "x",
            "expiresAt": "2027-02-01T00:00:00.000Z",
            "createdAt": "2027-01-15T08:00:00.000Z", "updatedAt": "2027-01-15T08:00:00.000Z"
        },
        "user": {
            "id": "u1", "name": "Zoë", "email": "z@example.com", "emailVerified": true,
            "image": null, "createdAt": "2027-01-15T08:00:00.000Z",
            "updatedAt": "2027-01-15T08:00:00.000Z"
        },
        "updatedAt": t * 1000, "version": "1", "sid": "tok", "iat": t, "exp": t + 300,
        "iss": ISSUER, "aud": AUDIENCE, "sub": "u1"
    });
    for (key, value) in overrides.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(key);
        } else {
            claims[key] = value.clone();
        }
    }
    claims
}

#[tokio::test]
async fn a_real_better_auth_entry_verifies() {
    let keys = CookieCacheKeys::new(
        StaticKeys::from_jwks_json(CAPTURED_JWKS).unwrap(),
        KeyCacheOptions::default(),
        "http://127.0.0.1:37117",
    );
    let entry = verify(CAPTURED, &keys, at(1_796_048_448)).await.unwrap();
    assert_eq!(entry.expires_at, at(1_796_048_748));
    let token = "RG7iAxEfm0GSxAP1g0P7Wp0NPqN5FUrL";
    let options = CookieCacheOptions::jwks(keys.clone());
    let record = usable(entry, token, &options, at(1_796_048_448)).unwrap();
    assert_eq!(record.user.email, "a@example.com");
    assert_eq!(record.session.user_id, record.user.id);

    // Another issuer (base URL), or past `exp` and its tolerance: refused.
    let other = CookieCacheKeys::new(
        StaticKeys::from_jwks_json(CAPTURED_JWKS).unwrap(),
        KeyCacheOptions::default(),
        "http://127.0.0.1:3000",
    );
    assert_eq!(
        verify(CAPTURED, &other, at(1_796_048_448)).await.err(),
        Some("wrong issuer")
    );
    assert!(
        verify(CAPTURED, &keys, at(1_796_048_748 + 16))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn an_entry_is_used_for_its_own_session_token_only() {
    let signer = Signer::new("k1");
    let keys = keys_of(&[&signer]);
    let options = CookieCacheOptions::jwks(keys.clone());
    let value = signer.sign(&header("k1"), &claims(json!({})));
    let entry = verify(&value, &keys, now()).await.unwrap();
    assert!(usable(entry, "tok", &options, now()).is_some());
    let entry = verify(&value, &keys, now()).await.unwrap();
    assert!(usable(entry, "another-token", &options, now()).is_none());
}

#[tokio::test]
async fn header_rules_refuse() {
    let signer = Signer::new("k1");
    let keys = keys_of(&[&signer]);
    let good = claims(json!({}));
    let cases = [
        ("no typ", json!({"alg": "EdDSA", "kid": "k1"})),
        (
            "plain JWT",
            json!({"alg": "EdDSA", "kid": "k1", "typ": "JWT"}),
        ),
        (
            "access token",
            json!({"alg": "EdDSA", "kid": "k1", "typ": "at+jwt"}),
        ),
        (
            "typ in another case",
            json!({"alg": "EdDSA", "kid": "k1", "typ": "Better-Auth.Session-Cache+JWT"}),
        ),
        ("no kid", json!({"alg": "EdDSA", "typ": TOKEN_TYPE})),
        ("unknown kid", header("k2")),
        (
            "not the key's alg",
            json!({"alg": "ES256", "kid": "k1", "typ": TOKEN_TYPE}),
        ),
        (
            "HMAC",
            json!({"alg": "HS256", "kid": "k1", "typ": TOKEN_TYPE}),
        ),
        (
            "none",
            json!({"alg": "none", "kid": "k1", "typ": TOKEN_TYPE}),
        ),
    ];
    for (case, header) in cases {
        let value = signer.sign(&header, &good);
        assert!(verify(&value, &keys, now()).await.is_err(), "{case}");
    }
}

#[tokio::test]
async fn a_signature_by_another_key_under_the_same_kid_is_refused() {
    let published = Signer::new("k1");
    let impostor = Signer::new("k1");
    let keys = keys_of(&[&published]);
    let value = impostor.sign(&header("k1"), &claims(json!({})));
    assert_eq!(
        verify(&value, &keys, now()).await.err(),
        Some("the signature does not verify")
    );
    // A flipped byte of a good signature too.
    let mut value = published.sign(&header("k1"), &claims(json!({})));
    let last = value.pop().unwrap();
    value.push(if last == 'A' { 'B' } else { 'A' });
    assert!(verify(&value, &keys, now()).await.is_err());
}

#[tokio::test]
async fn claim_rules_refuse() {
    let signer = Signer::new("k1");
    let keys = keys_of(&[&signer]);
    let t = now().timestamp();
    let cases = [
        ("wrong audience", json!({"aud": "https://app.example.com"})),
        ("no audience", json!({"aud": null})),
        ("wrong issuer", json!({"iss": "https://evil.example.com"})),
        ("no issuer", json!({"iss": null})),
        ("expired beyond the tolerance", json!({"exp": t - 16})),
        ("no exp", json!({"exp": null})),
        ("exp not a number", json!({"exp": "soon"})),
        ("not valid yet", json!({"nbf": t + 16})),
        ("sid of another session", json!({"sid": "other-token"})),
        ("no sid", json!({"sid": null})),
        ("sub of another user", json!({"sub": "u2"})),
        ("no sub", json!({"sub": null})),
        ("no user", json!({"user": null})),
    ];
    for (case, overrides) in cases {
        let value = signer.sign(&header("k1"), &claims(overrides));
        assert!(verify(&value, &keys, now()).await.is_err(), "{case}");
    }
    let specific = [
        (
            json!({"sid": "other-token"}),
            "its `sid` is not its session's token",
        ),
        (json!({"sub": "u2"}), "its `sub` is not its user's id"),
        (json!({"aud": ["x", "y"]}), "wrong audience"),
    ];
    for (overrides, reason) in specific {
        let value = signer.sign(&header("k1"), &claims(overrides));
        assert_eq!(verify(&value, &keys, now()).await.err(), Some(reason));
    }
}

#[tokio::test]
async fn clock_tolerance_as_better_auth() {
    let signer = Signer::new("k1");
    let keys = keys_of(&[&signer]);
    let options = CookieCacheOptions::jwks(keys.clone());
    let t = now().timestamp();
    // Within 15 s past `exp` it verifies, but the entry is past its expiry: not used (Better
    // Auth's `get-session` refuses it too).
    let value = signer.sign(&header("k1"), &claims(json!({"exp": t - 10})));
    let entry = verify(&value, &keys, now()).await.unwrap();
    assert!(usable(entry, "tok", &options, now()).is_none());
    // `nbf` a little ahead, `aud` as an array holding ours: fine.
    let value = signer.sign(
        &header("k1"),
        &claims(json!({"nbf": t + 10, "aud": ["x", AUDIENCE]})),
    );
    assert!(verify(&value, &keys, now()).await.is_ok());
}

#[tokio::test]
async fn another_key_of_the_set_and_rotation() {
    let old = Signer::new("k1");
    let new = Signer::new("k2");
    let keys = keys_of(&[&old, &new]);
    for signer in [&old, &new] {
        let value = signer.sign(&header(signer.kid), &claims(json!({})));
        assert!(verify(&value, &keys, now()).await.is_ok(), "{}", signer.kid);
    }
    // The kid of one key with the signature of the other: refused.
    let value = new.sign(&header("k1"), &claims(json!({})));
    assert!(verify(&value, &keys, now()).await.is_err());
}

#[tokio::test]
async fn decode_entry_needs_the_keys() {
    let signer = Signer::new("k1");
    let keys = keys_of(&[&signer]);
    let secrets =
        crate::secret::SecretSet::single("a-32+char-test-secret-for-ba-probe-0123456789").unwrap();
    let value = signer.sign(&header("k1"), &claims(json!({})));
    // `decode_entry` checks the claims at the real time: an entry valid now.
    let t = Utc::now().timestamp();
    let fresh = signer.sign(&header("k1"), &claims(json!({"iat": t, "exp": t + 300})));
    let options = CookieCacheOptions::jwks(keys);
    assert!(
        crate::cookie_cache::decode_entry(&fresh, &options, &secrets)
            .await
            .is_some()
    );
    // The sync path (the secret's strategies) never takes a `jwks` entry.
    assert!(crate::cookie_cache::decode(&value, &options, &secrets).is_none());
    let without_keys =
        CookieCacheOptions::with_strategy(crate::cookie_cache::CookieCacheStrategy::Jwks);
    assert!(!without_keys.has_keys());
    assert!(
        crate::cookie_cache::decode_entry(&fresh, &without_keys, &secrets)
            .await
            .is_none()
    );
}

#[test]
fn issuer_as_better_auth_writes_it() {
    let url = url::Url::parse("https://app.example.com:8443/api/auth/").unwrap();
    assert_eq!(
        CookieCacheKeys::issuer_for(Some(&url)),
        "https://app.example.com:8443"
    );
    assert_eq!(CookieCacheKeys::issuer_for(None), ISSUER_WITHOUT_BASE_URL);
}

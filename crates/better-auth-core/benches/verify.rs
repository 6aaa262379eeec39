//! The pure parts of request authentication, measured:
//!
//! - `session_cookie/parse_and_verify`: a whole `authenticate` of a cookie signed with another
//!   secret: parse the `Cookie` header, percent-decode the cookie, verify its HMAC and refuse
//!   (what every cookie request costs before any I/O);
//! - `bearer/parse_and_verify`: the same for `Authorization: Bearer TOKEN.SIGNATURE`;
//! - `authenticate/cache_hit`: a whole `Authenticator::authenticate` answered by the in-process
//!   cache's hot tier (cookie, keyed-hash keys, a value verified before needs no second HMAC,
//!   lookup, expiry and ban checks, the identity);
//! - `authenticate/cold_cache_hit`: the same answered by the cache's cold tier (the record
//!   unpacked, the HMAC checked);
//! - `authenticate/cookie_cache_{compact,jwt,jwe}`: the same answered by Better Auth's cookie
//!   cache (`session_data`), no store at all;
//! - `jwt/<alg>/verify_token`: the whole JWT path with the key cached (split, header, key
//!   lookup, signature, claims), beside `jwt/<alg>/raw_signature`: aws-lc-rs verifying the same
//!   signature with the same parsed key, the floor of that path; and
//!   `jwt/<alg>/verify_token_again`: the same token a second time, answered by the
//!   verified-token cache (digest, lookup, key check, `exp`).
//!
//! `cargo bench -p better-auth-core --features jwks,cookie-cache-jwe --bench verify`
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use aws_lc_rs::{
    rand::SystemRandom,
    rsa::KeySize,
    signature::{
        ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P521_SHA512_FIXED,
        ECDSA_P521_SHA512_FIXED_SIGNING, ED25519, EcdsaKeyPair, Ed25519KeyPair, KeyPair,
        ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RSA_PSS_2048_8192_SHA256,
        RSA_PSS_SHA256, RsaKeyPair, RsaPublicKeyComponents,
    },
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use better_auth_core::{
    AuthConfig, Authenticator, SecretSet,
    cookie_cache::{CookieCacheOptions, CookieCacheStrategy},
    internals as signing,
    jwt::{
        Jwk, JwksVerifier, JwtValidation, KeyCacheOptions, StaticKeys, TokenVerifier,
        VerifiedTokenCacheOptions,
    },
};

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

use support::jwt::ISSUER;

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A Better Auth-shaped token for `alg`, its JWK, and the parsed key for the raw baseline.
fn token_for(alg: &str) -> (String, Jwk, ParsedPublicKey) {
    let claims = support::jwt::better_auth_claims();
    let header = json!({"alg": alg, "kid": "bench-key"});
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let rng = SystemRandom::new();
    let (signature, jwk, parsed) = match alg {
        "EdDSA" => {
            let pair = Ed25519KeyPair::generate().unwrap();
            let x = pair.public_key().as_ref().to_vec();
            let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": b64(&x)});
            (
                pair.sign(input.as_bytes()).as_ref().to_vec(),
                jwk,
                ParsedPublicKey::new(&ED25519, &x).unwrap(),
            )
        }
        "ES256" | "ES512" => {
            let (signing, verifying, crv) = if alg == "ES256" {
                (
                    &ECDSA_P256_SHA256_FIXED_SIGNING,
                    &ECDSA_P256_SHA256_FIXED,
                    "P-256",
                )
            } else {
                (
                    &ECDSA_P521_SHA512_FIXED_SIGNING,
                    &ECDSA_P521_SHA512_FIXED,
                    "P-521",
                )
            };
            let pair = EcdsaKeyPair::generate(signing).unwrap();
            let point = pair.public_key().as_ref().to_vec();
            let len = (point.len() - 1) / 2;
            let jwk = json!({"kty": "EC", "crv": crv, "x": b64(&point[1..=len]), "y": b64(&point[1 + len..])});
            let signature = pair.sign(&rng, input.as_bytes()).unwrap().as_ref().to_vec();
            (
                signature,
                jwk,
                ParsedPublicKey::new(verifying, &point).unwrap(),
            )
        }
        _ => {
            let pair = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
            let (padding, params): (&'static dyn aws_lc_rs::signature::RsaEncoding, _) =
                if alg == "PS256" {
                    (&RSA_PSS_SHA256, &RSA_PSS_2048_8192_SHA256)
                } else {
                    (&RSA_PKCS1_SHA256, &RSA_PKCS1_2048_8192_SHA256)
                };
            let mut signature = vec![0; pair.public_modulus_len()];
            pair.sign(padding, &rng, input.as_bytes(), &mut signature)
                .unwrap();
            let public = pair.public_key();
            let n = public.modulus().big_endian_without_leading_zero().to_vec();
            let e = public.exponent().big_endian_without_leading_zero().to_vec();
            let jwk = json!({"kty": "RSA", "n": b64(&n), "e": b64(&e)});
            let parsed = RsaPublicKeyComponents { n: &n, e: &e }
                .to_parsed_public_key(params)
                .unwrap();
            (signature, jwk, parsed)
        }
    };
    let mut jwk: Jwk = serde_json::from_value(jwk).unwrap();
    jwk.kid = Some("bench-key".into());
    jwk.alg = Some(alg.into());
    (format!("{input}.{}", b64(&signature)), jwk, parsed)
}

fn jwt(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for alg in ["EdDSA", "ES256", "ES512", "PS256", "RS256"] {
        let (token, jwk, parsed) = token_for(alg);
        let verifier = JwksVerifier::new(
            StaticKeys::new(vec![jwk]),
            KeyCacheOptions::default(),
            JwtValidation::for_origin(ISSUER),
        );
        let remembering = verifier.clone();
        let verifier = verifier.verified_token_cache(VerifiedTokenCacheOptions::disabled());
        runtime.block_on(verifier.refresh()).unwrap();
        runtime.block_on(remembering.refresh()).unwrap();
        runtime
            .block_on(remembering.verify_token(&token))
            .expect("the bench token verifies");
        runtime
            .block_on(verifier.verify_token(&token))
            .expect("the bench token verifies");
        let (input, signature) = token.rsplit_once('.').unwrap();
        let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();

        let mut group = c.benchmark_group(format!("jwt/{alg}"));
        group.bench_function("verify_token", |b| {
            b.to_async(&runtime).iter(|| async {
                black_box(verifier.verify_token(black_box(&token)).await.unwrap())
            })
        });
        group.bench_function("verify_token_again", |b| {
            b.to_async(&runtime).iter(|| async {
                black_box(remembering.verify_token(black_box(&token)).await.unwrap())
            })
        });
        group.bench_function("raw_signature", |b| {
            b.iter(|| {
                black_box(
                    parsed
                        .verify_sig(black_box(input.as_bytes()), black_box(&signature))
                        .is_ok(),
                )
            })
        });
        group.finish();
    }
}

/// A whole `authenticate` that stops at the HMAC: the cookie is signed with another secret, so
/// the request is refused (`invalid_signature`) before any store is asked. What it costs is
/// finding the cookie in a realistic `Cookie` header, percent-decoding it and verifying the MAC.
fn session_cookie(c: &mut Criterion) {
    let runtime = current_thread();
    let other = SecretSet::single("another-32+char-secret-for-the-refusal-bench").unwrap();
    let value = signing::cookie_value("MDrWaU1xxyq7RBvYdIPdO3CyhI7mSGPE", other.current());
    let header = format!(
        "_ga=GA1.1.123456789.1700000000; theme=dark; better-auth.session_token={value}; better-auth.dont_remember=x"
    );
    let headers = cookie_headers(&header);
    let auth = support::cached_authenticator();
    c.bench_function("session_cookie/parse_and_verify", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(auth.authenticate(black_box(&headers)).await.is_err()) })
    });
}

/// The same for `Authorization: Bearer TOKEN.SIGNATURE`.
fn bearer(c: &mut Criterion) {
    let runtime = current_thread();
    let other = SecretSet::single("another-32+char-secret-for-the-refusal-bench").unwrap();
    let signed = signing::sign("MDrWaU1xxyq7RBvYdIPdO3CyhI7mSGPE", other.current());
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::AUTHORIZATION,
        format!("Bearer {signed}").parse().unwrap(),
    );
    let auth = support::cached_authenticator();
    c.bench_function("bearer/parse_and_verify", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(auth.authenticate(black_box(&headers)).await.is_err()) })
    });
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn cookie_headers(value: &str) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::COOKIE, value.parse().unwrap());
    headers
}

fn cache_hit(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let secrets = SecretSet::single(support::SECRET).unwrap();
    let auth = support::cached_authenticator();
    let headers = cookie_headers(&format!(
        "theme=dark; better-auth.session_token={}",
        signing::cookie_value(&support::token(1), secrets.current())
    ));
    runtime.block_on(auth.authenticate(&headers)).unwrap();
    c.bench_function("authenticate/cache_hit", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(auth.authenticate(black_box(&headers)).await.unwrap()) })
    });
}

/// A hit in the cache's cold tier: a hot tier of one entry, two sessions taking turns, so each
/// request unpacks its record from the cold tier (and checks the cookie's HMAC: the cold tier
/// does not remember verified values).
fn cold_cache_hit(c: &mut Criterion) {
    let runtime = current_thread();
    let secrets = SecretSet::single(support::SECRET).unwrap();
    let auth = support::authenticator_with(
        better_auth_core::CacheOptions::with_ttl(std::time::Duration::from_secs(3600))
            .hot_entries(1),
    );
    let headers: Vec<_> = [1, 2]
        .map(|n| {
            cookie_headers(&format!(
                "theme=dark; better-auth.session_token={}",
                signing::cookie_value(&support::token(n), secrets.current())
            ))
        })
        .into();
    for headers in &headers {
        runtime.block_on(auth.authenticate(headers)).unwrap();
    }
    let lookups = support::LOOKUPS.load(std::sync::atomic::Ordering::Relaxed);
    let mut turn = 0;
    c.bench_function("authenticate/cold_cache_hit", |b| {
        b.to_async(&runtime).iter(|| {
            turn ^= 1;
            let headers = &headers[turn];
            let auth = &auth;
            async move { black_box(auth.authenticate(black_box(headers)).await.unwrap()) }
        })
    });
    assert_eq!(
        support::LOOKUPS.load(std::sync::atomic::Ordering::Relaxed),
        lookups,
        "every request answered by the cache"
    );
}

/// A `session_data` cookie as Better Auth's `compact` strategy writes it.
fn compact_entry(secrets: &SecretSet) -> String {
    use hmac::Mac;
    let record = support::record(1);
    let payload = serde_json::to_string(&json!({
        "session": {"id": record.session.id, "token": record.session.token, "userId": record.session.user_id,
            "expiresAt": record.session.expires_at, "createdAt": record.session.created_at,
            "updatedAt": record.session.updated_at, "ipAddress": record.session.ip_address, "userAgent": record.session.user_agent},
        "user": &*record.user, "updatedAt": chrono::Utc::now().timestamp_millis(), "version": "1"
    }))
    .unwrap();
    let expires = chrono::Utc::now().timestamp_millis() + 300_000;
    let signed = format!(
        "{},\"expiresAt\":{expires}}}",
        &payload[..payload.len() - 1]
    );
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(secrets.current().expose_bytes()).unwrap();
    mac.update(signed.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    let envelope =
        format!("{{\"session\":{payload},\"expiresAt\":{expires},\"signature\":\"{signature}\"}}");
    URL_SAFE_NO_PAD.encode(envelope)
}

/// A `session_data` cookie as the `jwt` strategy writes it.
fn jwt_entry(secrets: &SecretSet) -> String {
    use hmac::Mac;
    let record = support::record(1);
    let exp = chrono::Utc::now().timestamp() + 300;
    let claims = json!({"session": &*record.session, "user": &*record.user, "updatedAt": 0, "version": "1", "iat": exp - 300, "exp": exp});
    let mut claims = claims;
    claims["session"]["token"] = json!(record.session.token);
    let input = format!(
        "{}.{}",
        b64(br#"{"alg":"HS256"}"#),
        b64(claims.to_string().as_bytes())
    );
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(secrets.current().expose_bytes()).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(&mac.finalize().into_bytes()))
}

/// A `session_data` cookie as the `jwe` strategy writes it: `dir` + A256CBC-HS512 (RFC 7518
/// §5.2.2.1) with the HKDF-derived key, composed from aws-lc-rs's AES-256-CBC and HMAC-SHA512.
fn jwe_entry(secrets: &SecretSet) -> String {
    use aws_lc_rs::{
        cipher::{AES_256, PaddedBlockEncryptingKey, UnboundCipherKey},
        hmac::{HMAC_SHA512, Key, sign},
    };
    let mut key = [0u8; 64];
    hkdf::Hkdf::<sha2::Sha256>::new(
        Some(b"better-auth-session"),
        secrets.current().expose_bytes(),
    )
    .expand(b"BetterAuth.js Generated Encryption Key", &mut key)
    .unwrap();
    let (mac_key, enc_key) = key.split_at(32);
    let record = support::record(1);
    let exp = chrono::Utc::now().timestamp() + 300;
    let mut claims = json!({"session": &*record.session, "user": &*record.user, "updatedAt": 0, "version": "1", "exp": exp});
    claims["session"]["token"] = json!(record.session.token);
    let header = b64(br#"{"alg":"dir","enc":"A256CBC-HS512"}"#);
    let mut ciphertext = claims.to_string().into_bytes();
    let cipher =
        PaddedBlockEncryptingKey::cbc_pkcs7(UnboundCipherKey::new(&AES_256, enc_key).unwrap())
            .unwrap();
    let context = cipher.encrypt(&mut ciphertext).unwrap();
    let iv: &[u8] = (&context).try_into().unwrap();
    let aad_bits = (header.len() as u64 * 8).to_be_bytes();
    let input = [header.as_bytes(), iv, &ciphertext, &aad_bits].concat();
    let mac = sign(&Key::new(HMAC_SHA512, mac_key), &input);
    format!(
        "{header}..{}.{}.{}",
        b64(iv),
        b64(&ciphertext),
        b64(&mac.as_ref()[..32])
    )
}

fn cookie_cache(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let secrets = SecretSet::single(support::SECRET).unwrap();
    let session_cookie = signing::cookie_value(&support::token(1), secrets.current());
    for (name, strategy, entry) in [
        (
            "compact",
            CookieCacheStrategy::Compact,
            compact_entry(&secrets),
        ),
        ("jwt", CookieCacheStrategy::Jwt, jwt_entry(&secrets)),
        ("jwe", CookieCacheStrategy::Jwe, jwe_entry(&secrets)),
    ] {
        // No store behind it: a miss would be an error, so the bench proves the cache answers.
        let auth = Authenticator::builder(AuthConfig::new(secrets.clone()))
            .token_verifier(JwksVerifier::new(
                StaticKeys::new(vec![]),
                KeyCacheOptions::default(),
                JwtValidation::default(),
            ))
            .cookie_cache(CookieCacheOptions::with_strategy(strategy))
            .build()
            .unwrap();
        let headers = cookie_headers(&format!(
            "better-auth.session_token={session_cookie}; better-auth.session_data={entry}"
        ));
        runtime
            .block_on(auth.authenticate(&headers))
            .expect("answered by the cookie cache");
        c.bench_function(&format!("authenticate/cookie_cache_{name}"), |b| {
            b.to_async(&runtime)
                .iter(|| async { black_box(auth.authenticate(black_box(&headers)).await.unwrap()) })
        });
    }
}

criterion_group!(
    benches,
    session_cookie,
    bearer,
    cache_hit,
    cold_cache_hit,
    cookie_cache,
    jwt
);
criterion_main!(benches);

//! Test tokens, signed independently of the code under test: aws-lc-rs signing keys for each of
//! Better Auth's algorithms, HMAC tokens and unsigned ones for the attacks.

use aws_lc_rs::{
    rand::SystemRandom,
    rsa::KeySize,
    signature::{
        ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P521_SHA512_FIXED_SIGNING, EcdsaKeyPair,
        Ed25519KeyPair, KeyPair, RSA_PKCS1_SHA256, RSA_PSS_SHA256, RsaKeyPair,
    },
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// A signing key and its public JWK.
pub struct TestKey {
    alg: &'static str,
    kid: String,
    pair: Pair,
}

enum Pair {
    Ed(Ed25519KeyPair),
    Ec(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl TestKey {
    /// A fresh key for `alg` (`EdDSA`, `ES256`, `ES512`, `PS256`, `RS256`) with this `kid`.
    pub fn generate(alg: &'static str, kid: &str) -> Self {
        let pair = match alg {
            "EdDSA" => Pair::Ed(Ed25519KeyPair::generate().unwrap()),
            "ES256" => Pair::Ec(EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap()),
            "ES512" => Pair::Ec(EcdsaKeyPair::generate(&ECDSA_P521_SHA512_FIXED_SIGNING).unwrap()),
            "PS256" | "RS256" => Pair::Rsa(RsaKeyPair::generate(KeySize::Rsa2048).unwrap()),
            other => panic!("no test key for {other}"),
        };
        Self {
            alg,
            kid: kid.to_owned(),
            pair,
        }
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK, as Better Auth publishes it (with `alg` and `kid`).
    pub fn jwk(&self) -> Value {
        match &self.pair {
            Pair::Ed(pair) => json!({
                "kty": "OKP", "crv": "Ed25519", "alg": self.alg, "kid": self.kid,
                "x": b64(pair.public_key().as_ref()),
            }),
            Pair::Ec(pair) => {
                let point = pair.public_key().as_ref();
                let len = (point.len() - 1) / 2;
                let crv = if self.alg == "ES256" {
                    "P-256"
                } else {
                    "P-521"
                };
                json!({
                    "kty": "EC", "crv": crv, "alg": self.alg, "kid": self.kid,
                    "x": b64(&point[1..=len]), "y": b64(&point[1 + len..]),
                })
            }
            Pair::Rsa(pair) => {
                let public = pair.public_key();
                json!({
                    "kty": "RSA", "alg": self.alg, "kid": self.kid,
                    "n": b64(public.modulus().big_endian_without_leading_zero()),
                    "e": b64(public.exponent().big_endian_without_leading_zero()),
                })
            }
        }
    }

    /// The raw public key bytes (what an HMAC-confusion attacker would use as the secret).
    pub fn public_bytes(&self) -> Vec<u8> {
        match &self.pair {
            Pair::Ed(pair) => pair.public_key().as_ref().to_vec(),
            Pair::Ec(pair) => pair.public_key().as_ref().to_vec(),
            Pair::Rsa(pair) => pair.public_key().as_ref().to_vec(),
        }
    }

    /// A compact JWS of `claims` with header `{"alg": <this key's>, "kid": <its kid>}`.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(&json!({"alg": self.alg, "kid": self.kid}), claims)
    }

    /// A compact JWS with this header (whatever it says), signed by this key.
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let rng = SystemRandom::new();
        let signature = match &self.pair {
            Pair::Ed(pair) => pair.sign(input.as_bytes()).as_ref().to_vec(),
            Pair::Ec(pair) => pair.sign(&rng, input.as_bytes()).unwrap().as_ref().to_vec(),
            Pair::Rsa(pair) => {
                let padding: &'static dyn aws_lc_rs::signature::RsaEncoding = if self.alg == "PS256"
                {
                    &RSA_PSS_SHA256
                } else {
                    &RSA_PKCS1_SHA256
                };
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(padding, &rng, input.as_bytes(), &mut signature)
                    .unwrap();
                signature
            }
        };
        format!("{input}.{}", b64(&signature))
    }
}

/// An HS256 token keyed with `secret` (the algorithm-confusion attack when `secret` is a
/// public key).
pub fn sign_hs256(secret: &[u8], header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(&mac.finalize().into_bytes()))
}

/// A token with any header and claims, and any signature segment (empty for `alg: none`).
pub fn raw_token(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

/// Better Auth-like claims for user `sub`, issued now by `issuer`, valid `ttl_secs`.
pub fn claims(sub: &str, issuer: &str, ttl_secs: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iat": now, "name": "Test", "email": format!("{sub}@example.com"), "emailVerified": true,
        "image": null, "createdAt": "2026-11-25T12:00:00.000Z", "updatedAt": "2026-11-25T12:00:00.000Z",
        "id": sub, "sub": sub, "exp": now + ttl_secs, "iss": issuer, "aud": issuer,
    })
}

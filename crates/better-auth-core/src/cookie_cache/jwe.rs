//! The `jwe` strategy: `alg: dir`, `enc: A256CBC-HS512` (josekit), the 64-byte key derived with
//! HKDF-SHA256 (salt `better-auth-session`, info `BetterAuth.js Generated Encryption Key`) from
//! a secret. The header's `kid` (the RFC 7638 thumbprint of that key) picks the secret among
//! `BETTER_AUTH_SECRETS`; Better Auth decrypts with any of them.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use hkdf::Hkdf;
use josekit::jwe::{self, Dir};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{Entry, parse_payload};
use crate::secret::{Secret, SecretSet};

const SALT: &[u8] = b"better-auth-session";
const INFO: &[u8] = b"BetterAuth.js Generated Encryption Key";
/// Better Auth's `clockTolerance` when decrypting.
const CLOCK_TOLERANCE: Duration = Duration::seconds(15);

fn derive_key(secret: &Secret) -> Option<[u8; 64]> {
    let mut key = [0u8; 64];
    Hkdf::<Sha256>::new(Some(SALT), secret.expose_bytes())
        .expand(INFO, &mut key)
        .ok()?;
    Some(key)
}

/// The RFC 7638 thumbprint of `{"kty":"oct","k":...}`: Better Auth's `kid` for the key.
fn thumbprint(key: &[u8]) -> String {
    let canonical = format!(r#"{{"k":"{}","kty":"oct"}}"#, URL_SAFE_NO_PAD.encode(key));
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    enc: String,
    #[serde(default)]
    kid: Option<String>,
}

#[derive(Deserialize)]
struct Expiry {
    exp: i64,
}

pub(super) fn decode(value: &str, secrets: &SecretSet) -> Option<Entry> {
    if value.len() > 64 * 1024 {
        return None;
    }
    let header_segment = value.split('.').next()?;
    let header: Header =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header_segment).ok()?).ok()?;
    if header.alg != "dir" || header.enc != "A256CBC-HS512" {
        return None;
    }
    let all = std::iter::once(secrets.current()).chain(secrets.previous());
    let keys: Vec<[u8; 64]> = all.filter_map(derive_key).collect();
    let candidates: Vec<&[u8; 64]> = match &header.kid {
        Some(kid) => keys
            .iter()
            .filter(|key| &thumbprint(key.as_slice()) == kid)
            .collect(),
        None => keys.iter().collect(),
    };
    let claims = candidates.into_iter().find_map(|key| {
        let decrypter = Dir.decrypter_from_bytes(key).ok()?;
        jwe::deserialize_compact(value, &decrypter)
            .ok()
            .map(|(payload, _)| payload)
    })?;
    let Expiry { exp } = serde_json::from_slice(&claims).ok()?;
    let expires_at = DateTime::from_timestamp(exp, 0)?;
    if expires_at + CLOCK_TOLERANCE < Utc::now() {
        return None;
    }
    Some(Entry {
        payload: parse_payload(&claims)?,
        expires_at,
    })
}

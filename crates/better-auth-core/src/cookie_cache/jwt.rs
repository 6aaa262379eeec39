//! The `jwt` strategy: an HS256 JWT keyed with the secret (`HS256` only: no other algorithm is
//! looked at), whose claims are the payload plus `iat` and `exp`.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use hmac::Mac;
use serde::Deserialize;

use super::{Entry, parse_payload};
use crate::secret::SecretSet;

#[derive(Deserialize)]
struct Header {
    alg: String,
}

#[derive(Deserialize)]
struct Expiry {
    exp: i64,
}

pub(super) fn decode(value: &str, secrets: &SecretSet) -> Option<Entry> {
    if value.len() > 64 * 1024 {
        return None;
    }
    let (signing_input, signature) = value.rsplit_once('.')?;
    let (header, payload) = signing_input.split_once('.')?;
    let header: Header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    if header.alg != "HS256" {
        return None;
    }
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    // Better Auth signs and checks with the current secret only.
    let mut mac = secrets.current().hmac();
    mac.update(signing_input.as_bytes());
    mac.verify_slice(&signature).ok()?;
    let claims = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let Expiry { exp } = serde_json::from_slice(&claims).ok()?;
    let expires_at = DateTime::from_timestamp(exp, 0)?;
    // jose refuses an expired JWT outright; the entry is also unusable past `exp`.
    if expires_at <= Utc::now() {
        return None;
    }
    Some(Entry {
        payload: parse_payload(&claims)?,
        expires_at,
    })
}

//! The `compact` strategy: `base64url(JSON {session, expiresAt, signature})`, where
//! `signature = base64url(HMAC-SHA256(secret, JSON.stringify({...session, expiresAt})))`.
//!
//! The signed text is rebuilt from the cookie's own bytes rather than re-serialized: the cookie
//! holds `JSON.stringify(session)` verbatim (serde_json's `RawValue` keeps it), and spreading
//! `expiresAt` into it appends `,"expiresAt":<value>` before its closing brace. So the message
//! is byte-for-byte JavaScript's, key order, number and string formatting included, for every
//! cookie Better Auth wrote.

use base64::{
    Engine as _,
    engine::{GeneralPurpose, GeneralPurposeConfig},
};
use chrono::DateTime;
use hmac::Mac;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Entry, parse_payload};
use crate::secret::SecretSet;

/// base64url that accepts padding or not (Better Auth writes none).
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    #[serde(borrow)]
    session: &'a RawValue,
    #[serde(borrow)]
    expires_at: &'a RawValue,
    signature: String,
}

/// The text Better Auth signs: `JSON.stringify({...session, expiresAt})`.
fn signed_text(session: &str, expires_at: &str) -> Option<String> {
    let body = session.strip_suffix('}')?;
    Some(if body.trim_end() == "{" {
        format!("{{\"expiresAt\":{expires_at}}}")
    } else {
        format!("{body},\"expiresAt\":{expires_at}}}")
    })
}

pub(super) fn decode(value: &str, secrets: &SecretSet) -> Option<Entry> {
    let json = URL_SAFE_LENIENT.decode(value).ok()?;
    let envelope: Envelope<'_> = serde_json::from_slice(&json).ok()?;
    let expires_ms: i64 = envelope
        .expires_at
        .get()
        .parse::<f64>()
        .ok()
        .map(|ms| ms as i64)?;
    let message = signed_text(envelope.session.get(), envelope.expires_at.get())?;
    let signature = URL_SAFE_LENIENT
        .decode(envelope.signature.trim_end_matches('='))
        .ok()?;
    // Better Auth signs and checks with the current secret only.
    let mut mac = secrets.current().hmac();
    mac.update(message.as_bytes());
    mac.verify_slice(&signature).ok()?;
    Some(Entry {
        payload: parse_payload(envelope.session.get().as_bytes())?,
        expires_at: DateTime::from_timestamp_millis(expires_ms)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_text_spreads_expires_at_into_the_payload() {
        assert_eq!(
            signed_text(r#"{"a":1,"b":"é"}"#, "1700000000000").unwrap(),
            r#"{"a":1,"b":"é","expiresAt":1700000000000}"#
        );
        assert_eq!(signed_text("{}", "5").unwrap(), r#"{"expiresAt":5}"#);
        assert!(signed_text("[1]", "5").is_none());
    }

    #[test]
    fn garbage_is_refused() {
        let secrets = SecretSet::single("a-32+char-test-secret-for-ba-probe-0123456789").unwrap();
        for value in ["", "!!!", "e30", "eyJzZXNzaW9uIjp7fX0"] {
            assert!(decode(value, &secrets).is_none(), "{value}");
        }
    }
}

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
use chrono::{DateTime, SecondsFormat};
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

/// Whether every date string of the payload reads back as itself after Better Auth's parse:
/// `safeJSONParse` turns each string shaped like an ISO date (`YYYY-MM-DDTHH:MM:SS[.f+]Z`) into a
/// `Date`, and `JSON.stringify` writes it back with `toISOString()` (milliseconds), before the
/// signature is checked. An entry whose dates are written otherwise (no fraction, or more than
/// three digits) is refused by Better Auth 1.7.25 for a bad signature, whatever signed it.
fn dates_survive_revival(json: &str) -> bool {
    let bytes = json.as_bytes();
    let mut at = 0;
    while let Some(quote) = json[at..].find('"').map(|found| found + at) {
        let start = quote + 1;
        let Some(len) = iso_date_len(&bytes[start..]) else {
            // Skip this string: to its closing quote (escapes hold no unescaped quote).
            let mut end = start;
            while end < bytes.len() && bytes[end] != b'"' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            at = end + 1;
            continue;
        };
        let text = &json[start..start + len];
        if let Ok(time) = DateTime::parse_from_rfc3339(text)
            && time.to_utc().to_rfc3339_opts(SecondsFormat::Millis, true) != text
        {
            return false;
        }
        at = start + len + 1;
    }
    true
}

/// The length of an ISO date string as Better Auth's reviver matches it
/// (`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$`) at the start of `bytes`, up to the closing
/// quote; `None` if the string is not one.
fn iso_date_len(bytes: &[u8]) -> Option<usize> {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:dd";
    if bytes.len() < SHAPE.len() + 2 {
        return None;
    }
    for (byte, want) in bytes.iter().zip(SHAPE) {
        let fits = if *want == b'd' {
            byte.is_ascii_digit()
        } else {
            byte == want
        };
        if !fits {
            return None;
        }
    }
    let mut end = SHAPE.len();
    if bytes[end] == b'.' {
        let digits = bytes[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        end += 1 + digits;
    }
    (bytes.get(end) == Some(&b'Z') && bytes.get(end + 1) == Some(&b'"')).then_some(end + 1)
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
    if !dates_survive_revival(envelope.session.get()) {
        // Better Auth would sign a different text (see below): its check fails, so does ours.
        return None;
    }
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
    fn dates_must_read_back_as_better_auth_writes_them() {
        assert!(dates_survive_revival(
            r#"{"a":"2026-11-30T02:37:53.056Z","b":"x\"2026","c":"2026-13-45T99:99:99.1Z"}"#
        ));
        assert!(!dates_survive_revival(
            r#"{"a":"2026-11-30T02:37:53.056391406Z"}"#
        ));
        assert!(!dates_survive_revival(r#"{"a":"2026-11-30T02:37:53Z"}"#));
        assert!(!dates_survive_revival(
            r#"{"s":{"u":{"t":"2026-11-30T02:37:53.05Z"}}}"#
        ));
        assert!(dates_survive_revival(r#"{"a":"not 2026-11-30T02:37:53Z"}"#));
    }

    #[test]
    fn garbage_is_refused() {
        let secrets = SecretSet::single("a-32+char-test-secret-for-ba-probe-0123456789").unwrap();
        for value in ["", "!!!", "e30", "eyJzZXNzaW9uIjp7fX0"] {
            assert!(decode(value, &secrets).is_none(), "{value}");
        }
    }
}

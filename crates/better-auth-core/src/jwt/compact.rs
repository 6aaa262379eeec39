//! The JWS compact serialization (`HEADER.PAYLOAD.SIGNATURE`, base64url without padding),
//! split and decoded with hard size limits before anything else looks at it.
#![cfg_attr(not(feature = "jwks"), allow(dead_code))]

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Deserialize;

/// The longest token considered (Better Auth's are well under 2 KiB with a full user payload).
pub(crate) const MAX_TOKEN_LEN: usize = 16 * 1024;
/// The longest encoded header considered.
const MAX_HEADER_LEN: usize = 1024;

/// Why a token cannot even be read.
pub(crate) type Malformed = &'static str;

/// The protected header members a verifier uses.
/// Key material in the header (`jwk`, `jku`,
/// `x5u`, `x5c`) is never read: keys come only from the configured key set.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Header {
    pub(crate) alg: String,
    #[serde(default)]
    pub(crate) kid: Option<String>,
    #[serde(default)]
    pub(crate) crit: Option<serde_json::Value>,
    /// The media type of the whole token (`at+jwt` on OAuth access tokens, RFC 9068).
    #[serde(default)]
    pub(crate) typ: Option<String>,
}

/// A split and decoded compact JWS; the payload is still encoded (decoded after the signature
/// verifies).
#[derive(Debug)]
pub(crate) struct CompactJws<'t> {
    pub(crate) header: Header,
    /// `HEADER.PAYLOAD` as sent: what the signature covers.
    pub(crate) signing_input: &'t str,
    pub(crate) payload: &'t str,
    pub(crate) signature: Vec<u8>,
}

/// Whether `value` has the shape of a JWS: three base64url segments whose first one encodes a
/// JSON object (`eyJ` is base64url for `{"`). A signed session token (`TOKEN.SIGNATURE`, one
/// dot, standard base64) never has it.
pub fn looks_like_jwt(value: &str) -> bool {
    if !value.starts_with("eyJ") {
        return false;
    }
    // Without an early exit, so the compiler vectorizes the passes (this runs on every bearer
    // request).
    let bytes = value.as_bytes();
    let dots = bytes.iter().filter(|&&b| b == b'.').count();
    let base64url_or_dot = bytes.iter().fold(true, |ok, &b| {
        ok & (b.is_ascii_alphanumeric() | (b == b'-') | (b == b'_') | (b == b'.'))
    });
    dots == 2 && base64url_or_dot
}

/// Splits and decodes a compact JWS.
pub(crate) fn parse(token: &str) -> Result<CompactJws<'_>, Malformed> {
    if token.len() > MAX_TOKEN_LEN {
        return Err("token too long");
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not three dot-separated segments");
    };
    if header.is_empty() || payload.is_empty() || signature.is_empty() {
        return Err("empty segment (unsigned tokens are refused)");
    }
    if header.len() > MAX_HEADER_LEN {
        return Err("header too long");
    }
    let header_json = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| "header is not base64url")?;
    let header: Header = serde_json::from_slice(&header_json)
        .map_err(|_| "header is not a JSON object with `alg`")?;
    if header.crit.is_some() {
        return Err("critical header extensions are not supported");
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| "signature is not base64url")?;
    let signing_input = &token[..header_json_len(token)];
    Ok(CompactJws {
        header,
        signing_input,
        payload,
        signature,
    })
}

/// The length of `HEADER.PAYLOAD` in `token` (up to the last dot).
fn header_json_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(token.len())
}

/// Decodes the payload segment.
pub(crate) fn decode_payload(payload: &str) -> Result<Vec<u8>, Malformed> {
    URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| "payload is not base64url")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `{"alg":"EdDSA","kid":"k"}` . `{"sub":"u"}` . a fake signature.
    const TOKEN: &str = "eyJhbGciOiJFZERTQSIsImtpZCI6ImsifQ.eyJzdWIiOiJ1In0.c2ln";

    #[test]
    fn splits_and_decodes() {
        let jws = parse(TOKEN).unwrap();
        assert_eq!(jws.header.alg, "EdDSA");
        assert_eq!(jws.header.kid.as_deref(), Some("k"));
        assert_eq!(
            jws.signing_input,
            "eyJhbGciOiJFZERTQSIsImtpZCI6ImsifQ.eyJzdWIiOiJ1In0"
        );
        assert_eq!(jws.signature, b"sig");
        assert_eq!(decode_payload(jws.payload).unwrap(), br#"{"sub":"u"}"#);
    }

    #[test]
    fn shape_tells_jwts_from_session_tokens() {
        assert!(looks_like_jwt(TOKEN));
        assert!(!looks_like_jwt(
            "MDrWaU1xxyq7RBvYdIPdO3CyhI7mSGPE.wSY8/qriJgKiJ9gyqyD82bP6TJhhiQ/9JwSO2xOrgJc="
        ));
        assert!(!looks_like_jwt("MDrWaU1xxyq7RBvYdIPdO3CyhI7mSGPE"));
        assert!(!looks_like_jwt("eyJ.a.b.c"));
    }

    #[test]
    fn refuses_malformed_tokens() {
        let none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.";
        let crit = "eyJhbGciOiJFZERTQSIsImNyaXQiOlsiZXhwIl19.eyJzdWIiOiJ1In0.c2ln";
        for bad in [
            "",
            "a.b",
            "a.b.c.d",
            none,
            crit,
            "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1In0.c2ln==",
            "bm90IGpzb24.eyJzdWIiOiJ1In0.c2ln",
            "eyJraWQiOiJrIn0.eyJzdWIiOiJ1In0.c2ln",
            &format!("eyJ{}.e.c", "A".repeat(MAX_TOKEN_LEN)),
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}

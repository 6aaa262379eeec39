//! Finding the credentials on a request: the session cookie and `Authorization: Bearer`.
//!
//! Framework-free: everything works on any [`RequestHeaders`] (`http::HeaderMap` included). Cookie parsing follows
//! better-call's `parseCookies` (the first cookie of a name wins, surrounding quotes are
//! stripped, the value is percent-decoded when it decodes), and bearer parsing follows Better
//! Auth's bearer plugin (scheme `Bearer` in any case, value trimmed, percent-decoded when signed).

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::{
    error::AuthError,
    headers::{RequestHeaders, names},
};

/// The longest credential (cookie or bearer value) looked at; longer ones are malformed.
/// Better Auth's signed session tokens are 77 bytes; its JWTs a few hundred.
pub const MAX_CREDENTIAL_LEN: usize = 8 * 1024;

/// The characters `encodeURIComponent` leaves alone: `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// JavaScript's `encodeURIComponent`.
pub fn encode_uri_component(value: &str) -> String {
    utf8_percent_encode(value, URI_COMPONENT).to_string()
}

/// better-call's `tryDecode`: JavaScript's `decodeURIComponent`, or the input unchanged when
/// that would throw (a `%` not followed by two hex digits, or bytes that are not UTF-8).
pub fn try_decode_uri_component(value: &str) -> Cow<'_, str> {
    if !value.contains('%') {
        return Cow::Borrowed(value);
    }
    let bytes = value.as_bytes();
    let well_formed = bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || (bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    if !well_formed {
        return Cow::Borrowed(value);
    }
    match percent_decode_str(value).decode_utf8() {
        Ok(decoded) => decoded,
        Err(_) => Cow::Borrowed(value),
    }
}

/// Finds the first cookie called `name` in one `Cookie` header value, as better-call's
/// `parseCookies` reads it: trimmed, one pair of surrounding quotes removed, not yet decoded.
pub fn find_cookie<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    let mut index = 0;
    while index < header.len() {
        let rest = &header[index..];
        let eq = rest.find('=')? + index;
        let end = match rest.find(';') {
            None => header.len(),
            Some(semi) if semi + index < eq => {
                // A `;` before the `=`: restart after the last `;` preceding the `=`.
                index = header[..eq].rfind(';').map_or(0, |i| i + 1);
                continue;
            }
            Some(semi) => semi + index,
        };
        if header[index..eq].trim() == name {
            let value = header[eq + 1..end].trim();
            return Some(strip_quotes(value));
        }
        index = end + 1;
    }
    None
}

fn strip_quotes(value: &str) -> &str {
    match value.strip_prefix('"') {
        // JavaScript's `slice(1, -1)`: drop the first and the last character.
        Some(inner) => inner
            .char_indices()
            .last()
            .map_or("", |(last, _)| &inner[..last]),
        None => value,
    }
}

/// Where a credential was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Via {
    /// The session cookie (`better-auth.session_token` or as configured).
    Cookie,
    /// `Authorization: Bearer` with a session token (bearer plugin).
    Bearer,
    /// `Authorization: Bearer` with a JWT (JWT plugin).
    Jwt,
    /// An API key header (`x-api-key`, API key plugin).
    ApiKey,
}

impl Via {
    /// `"cookie"`, `"bearer"`, `"jwt"` or `"api_key"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cookie => "cookie",
            Self::Bearer => "bearer",
            Self::Jwt => "jwt",
            Self::ApiKey => "api_key",
        }
    }
}

/// A credential found on a request, before any verification.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// The session cookie's value, percent-decoded: `TOKEN.SIGNATURE`.
    SessionCookie(String),
    /// The bearer value: `TOKEN.SIGNATURE` (percent-decoded if it was encoded) or a raw `TOKEN`.
    Bearer(String),
    /// A bearer value with the shape of a JWT ([`looks_like_jwt`](crate::jwt::looks_like_jwt)).
    Jwt(String),
    /// An API key (the plain key, as the client sent it).
    ApiKey(String),
}

impl Credential {
    /// Where it was found.
    pub fn via(&self) -> Via {
        match self {
            Self::SessionCookie(_) => Via::Cookie,
            Self::Bearer(_) => Via::Bearer,
            Self::Jwt(_) => Via::Jwt,
            Self::ApiKey(_) => Via::ApiKey,
        }
    }

    /// The credential's text.
    pub fn expose(&self) -> &str {
        match self {
            Self::SessionCookie(value)
            | Self::Bearer(value)
            | Self::Jwt(value)
            | Self::ApiKey(value) => value,
        }
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credential::{:?}(<redacted>)", self.via())
    }
}

/// Reads the session cookie called `name` from every `Cookie` header of the request (HTTP/2
/// may split them), first occurrence wins, percent-decoded.
pub fn session_cookie(
    headers: &impl RequestHeaders,
    name: &str,
) -> Result<Option<String>, AuthError> {
    for value in headers.values(names::COOKIE) {
        let text = String::from_utf8_lossy(value);
        if let Some(raw) = find_cookie(&text, name) {
            if raw.len() > MAX_CREDENTIAL_LEN {
                return Err(AuthError::MalformedCredentials {
                    reason: "session cookie too long",
                });
            }
            if raw.is_empty() {
                return Ok(None);
            }
            return Ok(Some(try_decode_uri_component(raw).into_owned()));
        }
    }
    Ok(None)
}

/// Reads `Authorization: Bearer X` like Better Auth's bearer plugin: the first `Authorization`
/// header, scheme compared case-insensitively, `X` trimmed; another scheme or an empty `X` is
/// no bearer credential. A value with a `.` and a `%` is percent-decoded.
pub fn bearer(headers: &impl RequestHeaders) -> Result<Option<String>, AuthError> {
    let Some(bytes) = headers.first(names::AUTHORIZATION) else {
        return Ok(None);
    };
    if bytes.len() < 7 || !bytes[..7].eq_ignore_ascii_case(b"bearer ") {
        return Ok(None);
    }
    let Ok(text) = std::str::from_utf8(&bytes[7..]) else {
        return Err(AuthError::MalformedCredentials {
            reason: "bearer token is not UTF-8",
        });
    };
    let token = text.trim();
    if token.is_empty() {
        return Ok(None);
    }
    if token.len() > MAX_CREDENTIAL_LEN {
        return Err(AuthError::MalformedCredentials {
            reason: "bearer token too long",
        });
    }
    if token.contains('.') && token.contains('%') {
        return Ok(Some(try_decode_uri_component(token).into_owned()));
    }
    Ok(Some(token.to_owned()))
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue};

    use super::*;

    const NAME: &str = "better-auth.session_token";
    const WIRE: &str =
        "MDrWaU1xxyq7RBvYdIPdO3CyhI7mSGPE.wSY8%2FqriJgKiJ9gyqyD82bP6TJhhiQ%2F9JwSO2xOrgJc%3D";
    const DECODED: &str =
        "MDrWaU1xxyq7RBvYdIPdO3CyhI7mSGPE.wSY8/qriJgKiJ9gyqyD82bP6TJhhiQ/9JwSO2xOrgJc=";

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn encode_uri_component_matches_javascript() {
        assert_eq!(encode_uri_component(DECODED), WIRE);
        assert_eq!(encode_uri_component("a b;é!~*'()"), "a%20b%3B%C3%A9!~*'()");
    }

    #[test]
    fn try_decode_keeps_what_javascript_cannot_decode() {
        assert_eq!(try_decode_uri_component(WIRE), DECODED);
        assert_eq!(try_decode_uri_component("a%zz%41"), "a%zz%41");
        assert_eq!(try_decode_uri_component("a%4"), "a%4");
        assert_eq!(try_decode_uri_component("%C3%A9"), "é");
        assert_eq!(
            try_decode_uri_component("%C3"),
            "%C3",
            "invalid UTF-8 stays"
        );
    }

    #[test]
    fn finds_cookies_like_better_call() {
        let header = format!("a=1; {NAME}={WIRE}; b=2");
        assert_eq!(find_cookie(&header, NAME), Some(WIRE));
        assert_eq!(find_cookie(&header, "b"), Some("2"));
        assert_eq!(find_cookie(&header, "c"), None);
        // First occurrence wins.
        assert_eq!(find_cookie("x=1; x=2", "x"), Some("1"));
        // Surrounding whitespace and quotes go.
        assert_eq!(find_cookie("  x =  \"quoted\" ;y=1", "x"), Some("quoted"));
        assert_eq!(find_cookie("x=\"", "x"), Some(""));
        // A pair without '=' is skipped.
        assert_eq!(find_cookie("junk; x=1", "x"), Some("1"));
        assert_eq!(find_cookie("junk;x", "x"), None);
        // Names are compared exactly.
        assert_eq!(find_cookie("X=1", "x"), None);
        assert_eq!(find_cookie("xx=1", "x"), None);
    }

    #[test]
    fn reads_the_session_cookie_across_headers() {
        let h = headers(&[("cookie", "a=1"), ("cookie", &format!("{NAME}={WIRE}"))]);
        assert_eq!(session_cookie(&h, NAME).unwrap().as_deref(), Some(DECODED));
        let secure = format!("__Secure-{NAME}");
        assert_eq!(session_cookie(&h, &secure).unwrap(), None);
        let empty = headers(&[("cookie", &format!("{NAME}="))]);
        assert_eq!(session_cookie(&empty, NAME).unwrap(), None);
    }

    #[test]
    fn oversized_cookies_are_malformed() {
        let long = format!("{NAME}={}", "a".repeat(MAX_CREDENTIAL_LEN + 1));
        let h = headers(&[("cookie", &long)]);
        assert!(matches!(
            session_cookie(&h, NAME),
            Err(AuthError::MalformedCredentials { .. })
        ));
    }

    #[test]
    fn reads_bearer_like_the_bearer_plugin() {
        let h = headers(&[("authorization", &format!("bEaReR   {WIRE}  "))]);
        assert_eq!(bearer(&h).unwrap().as_deref(), Some(DECODED));
        let raw = headers(&[("authorization", "Bearer rawtoken")]);
        assert_eq!(bearer(&raw).unwrap().as_deref(), Some("rawtoken"));
        let basic = headers(&[("authorization", "Basic dXNlcjpwYXNz")]);
        assert_eq!(bearer(&basic).unwrap(), None);
        let empty = headers(&[("authorization", "Bearer    ")]);
        assert_eq!(bearer(&empty).unwrap(), None);
        assert_eq!(bearer(&HeaderMap::new()).unwrap(), None);
        // Raw tokens are not decoded (Better Auth only decodes signed ones).
        let raw_pct = headers(&[("authorization", "Bearer a%41")]);
        assert_eq!(bearer(&raw_pct).unwrap().as_deref(), Some("a%41"));
    }

    #[test]
    fn credential_debug_is_redacted() {
        let c = Credential::Bearer("secret-token".into());
        assert!(!format!("{c:?}").contains("secret-token"));
    }
}

//! Better Auth's cookie cache (`session.cookieCache`): the `{prefix}.session_data` cookie that
//! carries the session and user, signed or encrypted with the secret, so a request can be
//! authenticated without any database access.
//!
//! - `compact` (Better Auth's default): base64url JSON `{session, expiresAt, signature}`, the
//!   signature an HMAC-SHA256 over JavaScript's `JSON.stringify` of the payload;
//! - `jwt`: an HS256 JWT keyed with the secret;
//! - `jwe` (feature `cookie-cache-jwe`): `dir` + `A256CBC-HS512`, the key derived with HKDF;
//! - `jwks` (feature `jwks`): Better Auth's `jwt` strategy signed by its JWT plugin's keys
//!   (`jwt({ sessionCookieCache: true })`), verified with the public keys of its JWKS
//!   ([`CookieCacheOptions::jwks`]; see [`CookieCacheKeys`]).
//!
//! A cache entry is used only when it belongs to the request's (verified) session token, has
//! the expected `version`, and neither it nor its session has expired; otherwise the store is
//! asked. The price: a session signed out or revoked in Better Auth stays accepted from its
//! cookie cache until the entry's `maxAge` (300 s by default) runs out, exactly as Better Auth
//! itself accepts it.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::{
    cookies::CookieJar,
    js::try_decode_uri_component,
    model::{Session, SessionRecord, User},
    secret::SecretSet,
};

mod compact;
mod encode;
#[cfg(feature = "cookie-cache-jwe")]
mod jwe;
#[cfg(feature = "jwks")]
mod jwks;
mod jwt;

#[cfg(feature = "jwks")]
pub use jwks::{AUDIENCE, CookieCacheKeys, ISSUER_WITHOUT_BASE_URL, TOKEN_TYPE};

/// How Better Auth encodes the cookie cache (`session.cookieCache.strategy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieCacheStrategy {
    /// Signed JSON (Better Auth's default).
    #[default]
    Compact,
    /// An HS256 JWT.
    Jwt,
    /// An encrypted JWT (feature `cookie-cache-jwe`).
    Jwe,
    /// A JWT signed with the keys of Better Auth's JWT plugin (`strategy: "jwt"` with
    /// `jwt({ sessionCookieCache: true })`), verified with its JWKS (feature `jwks`; the keys
    /// are given with [`CookieCacheOptions::jwks`]).
    Jwks,
}

impl CookieCacheStrategy {
    /// The strategy named as in Better Auth's options (`compact`, `jwt`, `jwe`), or `jwks`
    /// for `jwt` signed by the JWT plugin.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim() {
            "compact" => Some(Self::Compact),
            "jwt" => Some(Self::Jwt),
            "jwe" => Some(Self::Jwe),
            "jwks" => Some(Self::Jwks),
            _ => None,
        }
    }
}

/// The cookie cache settings, matching Better Auth's `session.cookieCache`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CookieCacheOptions {
    /// The strategy.
    pub strategy: CookieCacheStrategy,
    /// The expected `version` (`cookieCache.version`, `"1"` by default).
    pub version: String,
    /// `cookieCache.maxAge` (300 s by default): how long an entry written with a session
    /// refresh lasts.
    pub max_age: chrono::Duration,
    /// The keys of the [`Jwks`](CookieCacheStrategy::Jwks) strategy (required by it, unused
    /// by the others).
    #[cfg(feature = "jwks")]
    pub keys: Option<CookieCacheKeys>,
}

impl Default for CookieCacheOptions {
    fn default() -> Self {
        Self {
            strategy: CookieCacheStrategy::default(),
            version: "1".to_owned(),
            max_age: chrono::Duration::seconds(300),
            #[cfg(feature = "jwks")]
            keys: None,
        }
    }
}

impl CookieCacheOptions {
    /// Options for this strategy and the default version.
    pub fn with_strategy(strategy: CookieCacheStrategy) -> Self {
        Self {
            strategy,
            ..Self::default()
        }
    }

    /// Whether the strategy has what it needs to verify entries (`jwks`: its keys).
    pub(crate) fn has_keys(&self) -> bool {
        match self.strategy {
            #[cfg(feature = "jwks")]
            CookieCacheStrategy::Jwks => self.keys.is_some(),
            #[cfg(not(feature = "jwks"))]
            CookieCacheStrategy::Jwks => false,
            CookieCacheStrategy::Compact | CookieCacheStrategy::Jwt | CookieCacheStrategy::Jwe => {
                true
            }
        }
    }

    /// The [`Jwks`](CookieCacheStrategy::Jwks) strategy with these keys, and the default
    /// version.
    #[cfg(feature = "jwks")]
    pub fn jwks(keys: CookieCacheKeys) -> Self {
        Self {
            strategy: CookieCacheStrategy::Jwks,
            keys: Some(keys),
            ..Self::default()
        }
    }
}

/// The payload Better Auth caches: `{session, user, updatedAt, version}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Payload {
    session: Session,
    user: User,
    #[serde(default)]
    version: Option<String>,
}

/// A decoded, authentic cache entry and when it stops being usable.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) payload: Payload,
    pub(crate) expires_at: DateTime<Utc>,
}

/// Reads the cache cookie `name` from the request's cookies: whole, or joined from its chunks
/// (`name.0`, `name.1`, ...) as Better Auth splits values over about 4 KB.
pub(crate) fn read_cookie(jar: &CookieJar<'_>, name: &str) -> Option<String> {
    if let Some(value) = jar.get(name).filter(|value| !value.is_empty()) {
        return Some(value.into_owned());
    }
    let prefix = format!("{name}.");
    let mut chunks: Vec<(usize, &str)> = Vec::new();
    for (key, value) in jar.pairs() {
        let Some(index) = key.strip_prefix(&prefix) else {
            continue;
        };
        // Only canonical indices (`0`, `1`, ... never `01`), as Better Auth parses them.
        let Ok(number) = index.parse::<usize>() else {
            continue;
        };
        if number.to_string() != index || chunks.iter().any(|(i, _)| *i == number) {
            continue;
        }
        if chunks.len() == MAX_CHUNKS {
            return None;
        }
        chunks.push((number, value));
    }
    if chunks.is_empty() {
        return None;
    }
    chunks.sort_by_key(|(index, _)| *index);
    Some(
        chunks
            .into_iter()
            .map(|(_, value)| try_decode_uri_component(value))
            .collect(),
    )
}

/// The most chunks of a cookie cache value read (each about 4 KB).
const MAX_CHUNKS: usize = 100;

pub(crate) use encode::encode;

/// Decodes and checks the authenticity of a cache value, whatever the strategy: at once with
/// the secret, or (`jwks`) with the JWT plugin's keys, which may have to be fetched.
pub(crate) async fn decode_entry(
    value: &str,
    options: &CookieCacheOptions,
    secrets: &SecretSet,
) -> Option<Entry> {
    #[cfg(feature = "jwks")]
    if options.strategy == CookieCacheStrategy::Jwks {
        return jwks::decode(value, options.keys.as_ref()?).await;
    }
    decode(value, options, secrets)
}

/// Decodes and checks the authenticity of a cache value with the secret (`None` for the
/// `jwks` strategy: see [`decode_entry`]).
pub(crate) fn decode(
    value: &str,
    options: &CookieCacheOptions,
    secrets: &SecretSet,
) -> Option<Entry> {
    match options.strategy {
        CookieCacheStrategy::Compact => compact::decode(value, secrets),
        CookieCacheStrategy::Jwt => jwt::decode(value, secrets),
        #[cfg(feature = "cookie-cache-jwe")]
        CookieCacheStrategy::Jwe => jwe::decode(value, secrets),
        #[cfg(not(feature = "cookie-cache-jwe"))]
        CookieCacheStrategy::Jwe => None,
        CookieCacheStrategy::Jwks => None,
    }
}

/// The session record of an entry, if it may be used for `token` at `now` (Better Auth's rules:
/// same token, expected version, entry and session unexpired).
pub(crate) fn usable(
    entry: Entry,
    token: &str,
    options: &CookieCacheOptions,
    now: DateTime<Utc>,
) -> Option<SessionRecord> {
    let Entry {
        payload,
        expires_at,
    } = entry;
    let version = payload.version.as_deref().unwrap_or("1");
    if payload.session.token != token || version != options.version {
        return None;
    }
    if expires_at < now || payload.session.is_expired_at(now) {
        return None;
    }
    Some(SessionRecord::new(payload.session, payload.user))
}

/// Parses the cached payload (JSON text).
fn parse_payload(json: &[u8]) -> Option<Payload> {
    serde_json::from_slice(json).ok()
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue};

    use super::*;

    #[test]
    fn joins_chunks_in_order() {
        let read = |cookie: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert("cookie", HeaderValue::from_static(cookie));
            read_cookie(&CookieJar::parse(&headers), "a.session_data")
        };
        assert_eq!(
            read("a.session_data.1=world; x=1; a.session_data.0=hello%20; a.session_data.01=no")
                .as_deref(),
            Some("hello world")
        );
        assert_eq!(
            read("a.session_data=whole; a.session_data.0=chunk").as_deref(),
            Some("whole")
        );
        assert_eq!(read("x=1"), None);
    }
}

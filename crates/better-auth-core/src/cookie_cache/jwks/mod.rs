//! The `jwks` strategy (feature `jwks`): Better Auth's `jwt` strategy when its JWT plugin signs
//! the cookie cache (`jwt({ sessionCookieCache: true })`, Better Auth 1.7.25): a JWT signed with
//! the plugin's keys (EdDSA by default), so the public keys of its JWKS are enough to verify it.
//!
//! An entry's header has `typ: better-auth.session-cache+jwt`, the `kid` and the key's `alg`;
//! its claims are the cached payload (`session`, `user`, `updatedAt`, `version`) plus `sid` (the
//! session token), `sub` (the user id), `iss` (the origin of Better Auth's base URL, or
//! `better-auth:session-cache` without one), `aud` (`better-auth:session-cache`), `iat` and
//! `exp` (`iat` + `maxAge`). It is checked as Better Auth checks it: the `typ` exactly; the key
//! by `kid` (required; an unknown one refetches the keys under the key cache's rules); the
//! key's own algorithm only; the signature; `exp` and `nbf` with 15 s of clock tolerance;
//! `aud`; `iss`; `sub` = `user.id` and `sid` = `session.token`. Then, as for every strategy,
//! the entry is used only for the request's session token, with the expected version, before
//! its `exp` (no tolerance there: Better Auth's `get-session` has none) and its session's
//! expiry. Anything else, a key that cannot be had included, leaves the request to the store.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Entry, Payload};
use crate::{
    jwt::{Algorithm, compact},
    model::{Session, User},
};

mod keys;
#[cfg(test)]
mod tests;

pub use keys::{CookieCacheKeys, ISSUER_WITHOUT_BASE_URL};

/// The header `typ` of Better Auth's signed cookie cache entries.
pub const TOKEN_TYPE: &str = "better-auth.session-cache+jwt";
/// The `aud` of Better Auth's signed cookie cache entries.
pub const AUDIENCE: &str = "better-auth:session-cache";
/// The clock tolerance on `exp` and `nbf`, in seconds (Better Auth's `clockTolerance`).
const CLOCK_TOLERANCE_SECS: f64 = 15.0;

/// The claims of an entry.
#[derive(Deserialize)]
struct Claims {
    session: Session,
    user: User,
    #[serde(default)]
    version: Option<String>,
    sid: String,
    sub: String,
    iss: String,
    aud: Audience,
    exp: f64,
    #[serde(default)]
    nbf: Option<f64>,
}

/// `aud`: one string or several.
#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, expected: &str) -> bool {
        match self {
            Self::One(aud) => aud == expected,
            Self::Many(auds) => auds.iter().any(|aud| aud == expected),
        }
    }
}

/// The authentic entry `value`, or `None` (logged at debug level) when it is not one.
pub(super) async fn decode(value: &str, keys: &CookieCacheKeys) -> Option<Entry> {
    match verify(value, keys, Utc::now()).await {
        Ok(entry) => Some(entry),
        Err(reason) => {
            tracing::debug!(target: "better_auth", reason, "cookie cache entry (jwks) refused");
            None
        }
    }
}

/// Verifies `value` at `now`: the header, the key, the signature, then the claims.
async fn verify(
    value: &str,
    keys: &CookieCacheKeys,
    now: DateTime<Utc>,
) -> Result<Entry, &'static str> {
    let jws = compact::parse(value)?;
    if jws.header.typ.as_deref() != Some(TOKEN_TYPE) {
        return Err("its `typ` is not better-auth.session-cache+jwt");
    }
    let kid = jws.header.kid.as_deref().ok_or("it has no `kid`")?;
    let alg = Algorithm::from_name(&jws.header.alg).ok_or("its `alg` is not accepted")?;
    // Only a key published under `kid` for exactly `alg` is returned.
    let key = keys
        .keys
        .key_for(Some(kid), alg)
        .await
        .map_err(|_| "no key for its `kid` and `alg`")?;
    if key.algorithm() != alg || !key.verify(jws.signing_input.as_bytes(), &jws.signature) {
        return Err("the signature does not verify");
    }
    let payload = compact::decode_payload(jws.payload)?;
    let claims: Claims =
        serde_json::from_slice(&payload).map_err(|_| "its claims are not a cookie cache entry")?;
    let expires_at = check(&claims, &keys.issuer, now)?;
    Ok(Entry {
        payload: Payload {
            session: claims.session,
            user: claims.user,
            version: claims.version,
        },
        expires_at,
    })
}

/// The claim checks at `now`; the entry's expiry (`exp`).
fn check(claims: &Claims, issuer: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, &'static str> {
    // Whole seconds, as jose counts them.
    let now = now.timestamp() as f64;
    if !claims.exp.is_finite() || claims.exp <= now - CLOCK_TOLERANCE_SECS {
        return Err("it has expired");
    }
    if claims
        .nbf
        .is_some_and(|nbf| !nbf.is_finite() || nbf > now + CLOCK_TOLERANCE_SECS)
    {
        return Err("it is not valid yet");
    }
    if !claims.aud.contains(AUDIENCE) {
        return Err("wrong audience");
    }
    if claims.iss != issuer {
        return Err("wrong issuer");
    }
    if claims.sub != claims.user.id {
        return Err("its `sub` is not its user's id");
    }
    if claims.sid != claims.session.token {
        return Err("its `sid` is not its session's token");
    }
    DateTime::from_timestamp_millis((claims.exp * 1000.0) as i64).ok_or("`exp` is out of range")
}

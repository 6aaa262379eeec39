//! Writing a cookie cache entry, as Better Auth's `setCookieCache` does when it refreshes a
//! session: the payload `{session, user, updatedAt, version}` (the session with its token, dates
//! as `toISOString()` writes them), then
//!
//! - `compact`: base64url (no padding) of `{"session": payload, "expiresAt": ms, "signature"}`,
//!   the signature an HMAC-SHA256 (base64url, no padding) of
//!   `JSON.stringify({...payload, expiresAt})`;
//! - `jwt`: an HS256 JWT of the payload plus `iat` and `exp`.
//!
//! The `jwe` and `jwks` strategies are not written (their entries are left to Better Auth; the
//! `jwks` one needs the JWT plugin's private key).

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::Mac;
use serde_json::{Value, json};

use super::{CookieCacheOptions, CookieCacheStrategy};
use crate::{model::SessionRecord, secret::SecretSet};

/// The longest value written in one cookie; a longer entry is not written (Better Auth would
/// split it into chunks; the client's next request then reads the store).
const MAX_VALUE_LEN: usize = 3_800;

/// The `session_data` value for `record` at `now`, or `None` when the strategy is not written
/// here or the entry is too long for one cookie.
pub(crate) fn encode(
    record: &SessionRecord,
    options: &CookieCacheOptions,
    secrets: &SecretSet,
    now: DateTime<Utc>,
) -> Option<String> {
    let mut session = serde_json::to_value(&*record.session).ok()?;
    session
        .as_object_mut()?
        .insert("token".to_owned(), record.session.token.clone().into());
    let mut user = serde_json::to_value(&*record.user).ok()?;
    revive_dates(&mut session);
    revive_dates(&mut user);
    let payload = json!({
        "session": session,
        "user": user,
        "updatedAt": now.timestamp_millis(),
        "version": options.version,
    });
    let max_age = options.max_age.num_seconds();
    let value = match options.strategy {
        CookieCacheStrategy::Compact => compact(&payload, now, max_age, secrets)?,
        CookieCacheStrategy::Jwt => jwt(payload, now, max_age, secrets)?,
        CookieCacheStrategy::Jwe | CookieCacheStrategy::Jwks => return None,
    };
    (value.len() <= MAX_VALUE_LEN).then_some(value)
}

fn compact(
    payload: &Value,
    now: DateTime<Utc>,
    max_age: i64,
    secrets: &SecretSet,
) -> Option<String> {
    let text = serde_json::to_string(payload).ok()?;
    let expires_at = now.timestamp_millis() + max_age * 1000;
    let message = format!("{},\"expiresAt\":{expires_at}}}", text.strip_suffix('}')?);
    let mut mac = secrets.current().hmac();
    mac.update(message.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    let envelope =
        format!("{{\"session\":{text},\"expiresAt\":{expires_at},\"signature\":\"{signature}\"}}");
    Some(URL_SAFE_NO_PAD.encode(envelope))
}

fn jwt(
    mut payload: Value,
    now: DateTime<Utc>,
    max_age: i64,
    secrets: &SecretSet,
) -> Option<String> {
    let claims = payload.as_object_mut()?;
    claims.insert("iat".to_owned(), now.timestamp().into());
    claims.insert("exp".to_owned(), (now.timestamp() + max_age).into());
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256"}"#);
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_string(&payload).ok()?);
    let signing_input = format!("{header}.{body}");
    let mut mac = secrets.current().hmac();
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    Some(format!("{signing_input}.{signature}"))
}

/// Writes every date string as JavaScript's `toISOString()` does (milliseconds): Better Auth
/// revives ISO date strings and writes them back that way before it checks a signature.
fn revive_dates(value: &mut Value) {
    match value {
        Value::String(text) => {
            if text.ends_with('Z')
                && text.len() >= 20
                && let Ok(time) = DateTime::parse_from_rfc3339(text)
            {
                *text = time.to_utc().to_rfc3339_opts(SecondsFormat::Millis, true);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(revive_dates),
        Value::Object(members) => members.values_mut().for_each(revive_dates),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{cookie_cache, model::Session, model::User};

    const SECRET: &str = "a-32+char-test-secret-for-ba-probe-0123456789";

    fn record() -> SessionRecord {
        let at = |ms| DateTime::from_timestamp_millis(ms).unwrap();
        let mut user = User::new("u1", "Zoë", "zoe@example.com");
        user.created_at = at(1_800_000_000_000);
        user.updated_at = at(1_800_000_000_123);
        let mut session = Session::new("s1", "tok", "u1", at(1_800_604_800_000));
        session.created_at = at(1_800_000_000_000);
        session.updated_at = at(1_800_000_000_000);
        SessionRecord::new(session, user)
    }

    #[test]
    fn what_is_written_reads_back() {
        let secrets = SecretSet::single(SECRET).unwrap();
        let now = Utc::now();
        for strategy in [CookieCacheStrategy::Compact, CookieCacheStrategy::Jwt] {
            let options = CookieCacheOptions::with_strategy(strategy);
            let value = encode(&record(), &options, &secrets, now).unwrap();
            let entry = cookie_cache::decode(&value, &options, &secrets).expect("authentic");
            let read = cookie_cache::usable(entry, "tok", &options, now).expect("usable");
            assert_eq!(read.user.email, "zoe@example.com");
            assert_eq!(read.session.expires_at, record().session.expires_at);
            let other = SecretSet::single("another-secret-that-is-32-chars-or-more").unwrap();
            assert!(cookie_cache::decode(&value, &options, &other).is_none());
        }
        let jwe = CookieCacheOptions::with_strategy(CookieCacheStrategy::Jwe);
        assert!(encode(&record(), &jwe, &secrets, now).is_none());
    }

    #[test]
    fn dates_as_to_iso_string_writes_them() {
        let mut value =
            json!({"a": "2026-11-30T05:00:00Z", "b": ["2026-11-30T05:00:00.5Z"], "c": "Z"});
        revive_dates(&mut value);
        assert_eq!(
            value,
            json!({"a": "2026-11-30T05:00:00.000Z", "b": ["2026-11-30T05:00:00.500Z"], "c": "Z"})
        );
    }
}

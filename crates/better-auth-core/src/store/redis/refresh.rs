//! A session refresh in Redis secondary storage, written as Better Auth 1.7 writes it
//! (`internalAdapter.updateSession`):
//!
//! - the session key gets the same JSON with the session's `expiresAt` and `updatedAt`
//!   replaced (ISO text, every other byte, key order included, as it was) and the TTL
//!   `floor((expiresAt - now) / 1000)` seconds;
//! - `active-sessions-{userId}` gets its entries for other tokens that have not expired, then
//!   `{"token","expiresAt"}` for this one, sorted by `expiresAt`, with the TTL of the last.
//!
//! Both keys are written by one Lua script that first checks that neither changed since they
//! were read (compare-and-set), so a concurrent write (Better Auth's own, another service's) is
//! never overwritten with stale data: the refresh is then read and tried again, a few times.

use chrono::{DateTime, Utc};
use redis::Script;
use serde::{Deserialize, Serialize, de};
use serde_json::value::RawValue;

use super::{BACKEND, RedisStore};
use crate::{
    error::BackendError,
    js::iso_string as iso_millis,
    session_refresh::{Extended, Extension},
};

/// How many times a refresh whose keys changed under it is read and tried again.
const ATTEMPTS: usize = 3;

/// Sets both keys if both still hold what was read (`false` for a key that was absent).
/// KEYS: session key, list key. ARGV: session value read, list value read (or ""), whether the
/// list existed ("1"/"0"), new session value, its TTL, new list value (or "" to delete it),
/// its TTL.
const COMPARE_AND_SET: &str = r#"
local session = redis.call('GET', KEYS[1])
if session ~= ARGV[1] then return 0 end
local list = redis.call('GET', KEYS[2])
if ARGV[3] == '1' then
  if list ~= ARGV[2] then return 0 end
elseif list then
  return 0
end
redis.call('SET', KEYS[1], ARGV[4], 'EX', ARGV[5])
if ARGV[6] == '' then
  redis.call('DEL', KEYS[2])
else
  redis.call('SET', KEYS[2], ARGV[6], 'EX', ARGV[7])
end
return 1
"#;

/// An entry of `active-sessions-{userId}`, fields in Better Auth's order.
#[derive(Debug, Serialize, Deserialize)]
struct ActiveSession {
    token: String,
    #[serde(rename = "expiresAt")]
    expires_at: serde_json::Number,
}

impl ActiveSession {
    fn expires_ms(&self) -> f64 {
        self.expires_at.as_f64().unwrap_or(0.0)
    }
}

impl RedisStore {
    /// Refreshes the session key of `token` and its user's list, if the session is there and
    /// still due.
    pub(super) async fn extend_in_redis(
        &self,
        token: &str,
        extension: &Extension,
    ) -> Result<Extended, BackendError> {
        let prefix = &self.options.key_prefix;
        let session_key = format!("{prefix}{token}");
        for _ in 0..ATTEMPTS {
            let Some(read) = self.get(session_key.clone()).await? else {
                return Ok(Extended::NotDue);
            };
            let stored = StoredSession::parse(&read)?;
            if stored.expires_at > extension.due_before || stored.expires_at <= extension.updated_at
            {
                // Not due, or over (a session that ended is never extended).
                return Ok(Extended::NotDue);
            }
            let list_key = format!("{prefix}active-sessions-{}", stored.user_id);
            let list_read = self.get(list_key.clone()).await?;
            let now = Utc::now();
            let ttl = ttl_seconds(extension.expires_at, now);
            if ttl <= 0 {
                return Ok(Extended::NotDue);
            }
            let value = stored.with_dates(&read, extension)?;
            let (list, list_ttl) = active_sessions(
                list_read.as_deref(),
                token,
                extension.expires_at.timestamp_millis(),
                now,
            )?;
            let mut connection = self.connection.clone();
            let script = Script::new(COMPARE_AND_SET);
            let mut invocation = script.key(&session_key);
            invocation
                .key(&list_key)
                .arg(&read)
                .arg(list_read.as_deref().unwrap_or(""))
                .arg(if list_read.is_some() { "1" } else { "0" })
                .arg(&value)
                .arg(ttl)
                .arg(&list)
                .arg(list_ttl);
            let set = invocation.invoke_async::<i64>(&mut connection);
            let written = match tokio::time::timeout(self.options.timeout, set).await {
                Ok(Ok(written)) => written,
                Ok(Err(error)) => return Err(BackendError::unavailable(BACKEND, error)),
                Err(_) => return Err(BackendError::timeout(BACKEND, self.options.timeout)),
            };
            if written == 1 {
                return Ok(Extended::Written);
            }
        }
        Ok(Extended::NotDue)
    }
}

/// Better Auth's `getTTLSeconds`: whole seconds until `expires_at`, at least 0.
fn ttl_seconds(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    ((expires_at.timestamp_millis() - now.timestamp_millis()) / 1000).max(0)
}

/// The user's new `active-sessions` list (JSON) and its TTL; an empty list is `("", 0)`.
fn active_sessions(
    read: Option<&str>,
    token: &str,
    expires_ms: i64,
    now: DateTime<Utc>,
) -> Result<(String, i64), BackendError> {
    let now_ms = now.timestamp_millis() as f64;
    // Better Auth's `safeJSONParse(listRaw) || []`: an unreadable list counts as empty.
    let mut list: Vec<ActiveSession> = read
        .and_then(|raw| serde_json::from_str(raw).ok())
        .unwrap_or_default();
    list.retain(|entry| entry.token != token && entry.expires_ms() > now_ms);
    list.push(ActiveSession {
        token: token.to_owned(),
        expires_at: expires_ms.into(),
    });
    list.sort_by(|a, b| a.expires_ms().total_cmp(&b.expires_ms()));
    let last = list.last().map_or(0.0, ActiveSession::expires_ms);
    let ttl = ((last - now_ms) / 1000.0).floor().max(0.0) as i64;
    if ttl <= 0 {
        return Ok((String::new(), 0));
    }
    let json = serde_json::to_string(&list).map_err(|error| {
        BackendError::invalid_data(BACKEND, format!("active-sessions list: {error}"))
    })?;
    Ok((json, ttl))
}

/// The parts of a stored session value a refresh needs, and where the session object is.
struct StoredSession {
    user_id: String,
    expires_at: DateTime<Utc>,
}

/// The stored value's top level, the session object kept as raw text.
#[derive(Deserialize)]
struct TopLevel<'a> {
    #[serde(borrow)]
    session: &'a RawValue,
}

/// A JSON object's members in their order, values as raw text.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> de::Visitor<'de> for Visitor {
            type Value = Members<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<M: de::MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut members = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, &'de RawValue>()? {
                    members.push((key, value));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

impl StoredSession {
    fn parse(value: &str) -> Result<Self, BackendError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Dates {
            user_id: String,
            expires_at: DateTime<Utc>,
        }
        #[derive(Deserialize)]
        struct Top {
            session: Dates,
        }
        let top: Top = serde_json::from_str(value).map_err(invalid)?;
        Ok(Self {
            user_id: top.session.user_id,
            expires_at: top.session.expires_at,
        })
    }

    /// `value` with the session's `expiresAt` and `updatedAt` replaced, every other byte
    /// kept: the session object is rewritten member by member from its raw text (Better Auth
    /// parses and re-stringifies it, which gives these bytes back for what it wrote itself).
    fn with_dates(&self, value: &str, extension: &Extension) -> Result<String, BackendError> {
        let top: TopLevel<'_> = serde_json::from_str(value).map_err(invalid)?;
        let raw_session = top.session.get();
        let members: Members<'_> = serde_json::from_str(raw_session).map_err(invalid)?;
        let mut session = String::with_capacity(raw_session.len());
        session.push('{');
        for (index, (key, raw)) in members.0.iter().enumerate() {
            if index > 0 {
                session.push(',');
            }
            session.push_str(&serde_json::to_string(key).map_err(invalid)?);
            session.push(':');
            match key.as_str() {
                "expiresAt" => push_date(&mut session, extension.expires_at),
                "updatedAt" => push_date(&mut session, extension.updated_at),
                _ => session.push_str(raw.get()),
            }
        }
        session.push('}');
        // The session object's own text, located by its address inside `value` (a borrowed
        // `RawValue` is a slice of it).
        let start = raw_session.as_ptr() as usize - value.as_ptr() as usize;
        let end = start + raw_session.len();
        Ok(format!("{}{session}{}", &value[..start], &value[end..]))
    }
}

fn push_date(out: &mut String, time: DateTime<Utc>) {
    out.push('"');
    out.push_str(&iso_millis(time));
    out.push('"');
}

fn invalid(error: serde_json::Error) -> BackendError {
    BackendError::invalid_data(
        BACKEND,
        format!("the value of a session key is not Better Auth's JSON: {error}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(iso: &str) -> DateTime<Utc> {
        iso.parse().unwrap()
    }

    #[test]
    fn only_the_two_dates_change() {
        let value = r#"{"session":{"expiresAt":"2026-11-30T05:00:20.000Z","token":"tok","createdAt":"2026-11-30T05:00:00.000Z","updatedAt":"2026-11-30T05:00:00.000Z","ipAddress":"","userAgent":"é \"x\"","userId":"u1","id":"s1"},"user":{"name":"A","updatedAt":"2026-11-30T05:00:00.000Z"}}"#;
        let stored = StoredSession::parse(value).unwrap();
        assert_eq!(stored.user_id, "u1");
        let extension = Extension {
            expires_at: at("2026-11-30T05:00:36.123Z"),
            updated_at: at("2026-11-30T05:00:16.123Z"),
            due_before: at("2026-11-30T05:00:31.123Z"),
            client: None,
        };
        assert_eq!(
            stored.with_dates(value, &extension).unwrap(),
            r#"{"session":{"expiresAt":"2026-11-30T05:00:36.123Z","token":"tok","createdAt":"2026-11-30T05:00:00.000Z","updatedAt":"2026-11-30T05:00:16.123Z","ipAddress":"","userAgent":"é \"x\"","userId":"u1","id":"s1"},"user":{"name":"A","updatedAt":"2026-11-30T05:00:00.000Z"}}"#
        );
    }

    #[test]
    fn the_list_as_better_auth_keeps_it() {
        let now = at("2026-11-30T05:00:00.000Z");
        let now_ms = now.timestamp_millis();
        let read = format!(
            r#"[{{"token":"old","expiresAt":{}}},{{"token":"tok","expiresAt":{}}},{{"token":"other","expiresAt":{}}}]"#,
            now_ms - 1,
            now_ms + 5_000,
            now_ms + 60_000
        );
        let (list, ttl) = active_sessions(Some(&read), "tok", now_ms + 20_000, now).unwrap();
        assert_eq!(
            list,
            format!(
                r#"[{{"token":"tok","expiresAt":{}}},{{"token":"other","expiresAt":{}}}]"#,
                now_ms + 20_000,
                now_ms + 60_000
            )
        );
        assert_eq!(ttl, 60);
        let (fresh, ttl) = active_sessions(None, "tok", now_ms + 19_999, now).unwrap();
        assert_eq!(
            fresh,
            format!(r#"[{{"token":"tok","expiresAt":{}}}]"#, now_ms + 19_999)
        );
        assert_eq!(ttl, 19);
    }
}

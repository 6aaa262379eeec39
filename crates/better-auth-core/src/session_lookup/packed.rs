//! A session record packed into one allocation (postcard, a compact serde format), for the
//! cache's cold tier: about 300 bytes for a Better Auth session and its user, against some 800
//! bytes as typed values with a dozen allocations.
//!
//! The token is packed too: an entry is found by the keyed hash of the token, and unpacking
//! answers only the token it holds (see [`unpack`]), so the check that a session is the one
//! asked for compares what the store said, never what the request said. Times keep their
//! nanoseconds; `extra` columns travel as JSON text (postcard cannot carry free-form JSON
//! values itself).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::model::{Session, SessionRecord, User};

/// A time as seconds and nanoseconds.
type Time = (i64, u32);

#[derive(Serialize, Deserialize)]
struct Packed<S> {
    token: S,
    session_id: S,
    /// The session's `userId` when it differs from the user's `id` (it never does in a join).
    session_user_id: Option<S>,
    expires_at: Time,
    session_created_at: Time,
    session_updated_at: Time,
    ip_address: Option<S>,
    user_agent: Option<S>,
    impersonated_by: Option<S>,
    active_organization_id: Option<S>,
    active_team_id: Option<S>,
    session_extra: Option<S>,
    user_id: S,
    name: S,
    email: S,
    email_verified: bool,
    image: Option<S>,
    user_created_at: Time,
    user_updated_at: Time,
    role: Option<S>,
    banned: Option<bool>,
    ban_reason: Option<S>,
    ban_expires: Option<Time>,
    is_anonymous: Option<bool>,
    user_extra: Option<S>,
}

fn time(at: DateTime<Utc>) -> Time {
    (at.timestamp(), at.timestamp_subsec_nanos())
}

fn from_time((seconds, nanos): Time) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(seconds, nanos)
}

fn extra_text(extra: &Map<String, Value>) -> Option<String> {
    if extra.is_empty() {
        return None;
    }
    serde_json::to_string(extra).ok()
}

fn extra_map(text: Option<String>) -> Option<Map<String, Value>> {
    match text {
        None => Some(Map::new()),
        Some(text) => serde_json::from_str(&text).ok(),
    }
}

/// `record` packed (its token left out); `None` if it cannot be (it then stays uncached in
/// the cold tier).
pub(crate) fn pack(record: &SessionRecord) -> Option<Box<[u8]>> {
    let (session, user) = (&*record.session, &*record.user);
    let session_extra = extra_text(&session.extra);
    let user_extra = extra_text(&user.extra);
    if (!session.extra.is_empty() && session_extra.is_none())
        || (!user.extra.is_empty() && user_extra.is_none())
    {
        return None;
    }
    let packed = Packed::<&str> {
        token: &session.token,
        session_id: &session.id,
        session_user_id: (session.user_id != user.id).then_some(session.user_id.as_str()),
        expires_at: time(session.expires_at),
        session_created_at: time(session.created_at),
        session_updated_at: time(session.updated_at),
        ip_address: session.ip_address.as_deref(),
        user_agent: session.user_agent.as_deref(),
        impersonated_by: session.impersonated_by.as_deref(),
        active_organization_id: session.active_organization_id.as_deref(),
        active_team_id: session.active_team_id.as_deref(),
        session_extra: session_extra.as_deref(),
        user_id: &user.id,
        name: &user.name,
        email: &user.email,
        email_verified: user.email_verified,
        image: user.image.as_deref(),
        user_created_at: time(user.created_at),
        user_updated_at: time(user.updated_at),
        role: user.role.as_deref(),
        banned: user.banned,
        ban_reason: user.ban_reason.as_deref(),
        ban_expires: user.ban_expires.map(time),
        is_anonymous: user.is_anonymous,
        user_extra: user_extra.as_deref(),
    };
    postcard::to_allocvec(&packed)
        .ok()
        .map(Vec::into_boxed_slice)
}

/// The record `packed` holds, when it is the session of `token`; `None` if it is another
/// token's (its key collided with this one's) or does not read.
pub(crate) fn unpack(packed: &[u8], token: &str) -> Option<SessionRecord> {
    let p: Packed<String> = postcard::from_bytes(packed).ok()?;
    if p.token != token {
        return None;
    }
    let ban_expires = match p.ban_expires {
        Some(at) => Some(from_time(at)?),
        None => None,
    };
    let session = Session {
        user_id: p.session_user_id.unwrap_or_else(|| p.user_id.clone()),
        id: p.session_id,
        token: p.token,
        expires_at: from_time(p.expires_at)?,
        created_at: from_time(p.session_created_at)?,
        updated_at: from_time(p.session_updated_at)?,
        ip_address: p.ip_address,
        user_agent: p.user_agent,
        impersonated_by: p.impersonated_by,
        active_organization_id: p.active_organization_id,
        active_team_id: p.active_team_id,
        extra: extra_map(p.session_extra)?,
    };
    let user = User {
        id: p.user_id,
        name: p.name,
        email: p.email,
        email_verified: p.email_verified,
        image: p.image,
        created_at: from_time(p.user_created_at)?,
        updated_at: from_time(p.user_updated_at)?,
        role: p.role,
        banned: p.banned,
        ban_reason: p.ban_reason,
        ban_expires,
        is_anonymous: p.is_anonymous,
        extra: extra_map(p.user_extra)?,
    };
    Some(SessionRecord {
        session: Arc::new(session),
        user: Arc::new(user),
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn full_record() -> SessionRecord {
        let at = Utc.timestamp_opt(1_764_000_000, 123_456_789).unwrap();
        let mut user = User::new("u1", "Ada", "ada@example.com");
        user.email_verified = true;
        user.image = Some("https://example.com/a.png".into());
        user.created_at = at;
        user.updated_at = at;
        user.role = Some("admin,editor".into());
        user.banned = Some(false);
        user.ban_reason = Some("spam".into());
        user.ban_expires = Some(at);
        user.is_anonymous = Some(false);
        user.extra
            .insert("plan".into(), json!({"tier": "pro", "seats": [1, 2]}));
        let mut session = Session::new("s1", "tok", "u1", at);
        session.created_at = at;
        session.updated_at = at;
        session.ip_address = Some("203.0.113.7".into());
        session.user_agent = Some("Mozilla/5.0".into());
        session.impersonated_by = Some("admin1".into());
        session.active_organization_id = Some("org1".into());
        session.active_team_id = Some("team1".into());
        session.extra.insert("device".into(), json!("laptop"));
        SessionRecord::new(session, user)
    }

    #[test]
    fn every_field_comes_back() {
        let record = full_record();
        let packed = pack(&record).unwrap();
        assert_eq!(unpack(&packed, "tok").unwrap(), record);
        let bare = SessionRecord::new(
            Session::new("s2", "t2", "u2", Utc::now()),
            User::new("u2", "B", "b@example.com"),
        );
        assert_eq!(unpack(&pack(&bare).unwrap(), "t2").unwrap(), bare);
    }

    #[test]
    fn a_session_user_id_that_differs_is_kept() {
        let mut record = full_record();
        Arc::make_mut(&mut record.session).user_id = "someone-else".into();
        assert_eq!(unpack(&pack(&record).unwrap(), "tok").unwrap(), record);
    }

    #[test]
    fn only_its_own_token_unpacks() {
        let packed = pack(&full_record()).unwrap();
        assert!(unpack(&packed, "tok").is_some());
        assert!(unpack(&packed, "another-token").is_none());
        assert!(unpack(&packed, "").is_none());
    }

    #[test]
    fn garbage_does_not_unpack() {
        let packed = pack(&full_record()).unwrap();
        assert!(unpack(&packed[..packed.len() / 2], "tok").is_none());
    }
}

//! The Better Auth `session` row.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A Better Auth session, with the JSON field names Better Auth uses (`expiresAt`, ...).
///
/// The session `token` is a bearer credential: it is read (Redis holds it in the JSON) but never
/// serialized back out and never shown by `Debug`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Session {
    /// The session id.
    pub id: String,
    /// The session token (what the cookie signs). Never serialized.
    #[serde(default, skip_serializing)]
    pub token: String,
    /// The id of the user it belongs to.
    pub user_id: String,
    /// When it stops being valid (Better Auth slides it forward on use).
    pub expires_at: DateTime<Utc>,
    /// When it was created (sign-in time: what `freshAge` is measured from).
    pub created_at: DateTime<Utc>,
    /// When it was last updated.
    pub updated_at: DateTime<Utc>,
    /// The client's IP address at sign-in, if recorded.
    #[serde(default)]
    pub ip_address: Option<String>,
    /// The client's user agent at sign-in, if recorded.
    #[serde(default)]
    pub user_agent: Option<String>,
    /// Admin plugin: the admin impersonating the user through this session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impersonated_by: Option<String>,
    /// Organization plugin: the active organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_organization_id: Option<String>,
    /// Organization plugin (teams): the active team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_team_id: Option<String>,
    /// Every other column, by its Better Auth field name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Session {
    /// A session with the required fields; the rest empty. Created and updated `now`.
    pub fn new(
        id: impl Into<String>,
        token: impl Into<String>,
        user_id: impl Into<String>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        let now = Utc::now();
        Self {
            id: id.into(),
            token: token.into(),
            user_id: user_id.into(),
            expires_at,
            created_at: now,
            updated_at: now,
            ip_address: None,
            user_agent: None,
            impersonated_by: None,
            active_organization_id: None,
            active_team_id: None,
            extra: Map::new(),
        }
    }

    /// Whether it is expired at `now`. Better Auth keeps a session while `expiresAt >= now`.
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        self.expires_at < now
    }

    /// Whether it is "fresh" at `now`: created less than `fresh_age` ago (Better Auth's
    /// `freshAge`, one day by default). A `fresh_age` of zero turns the check off, as in Better
    /// Auth: every session is fresh.
    pub fn is_fresh_at(&self, now: DateTime<Utc>, fresh_age: Duration) -> bool {
        fresh_age.is_zero() || now - self.created_at < fresh_age
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("token", &"<redacted>")
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("ip_address", &self.ip_address)
            .field("user_agent", &self.user_agent)
            .field("impersonated_by", &self.impersonated_by)
            .field("active_organization_id", &self.active_organization_id)
            .field("active_team_id", &self.active_team_id)
            .field("extra", &self.extra)
            .finish()
    }
}

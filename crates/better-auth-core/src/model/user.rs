//! The Better Auth `user` row.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The admin plugin's `defaultRole`: the role of a user whose `role` is null.
pub(crate) const DEFAULT_ROLE: &str = "user";

/// A Better Auth user, with the JSON field names Better Auth uses (`emailVerified`, ...).
///
/// Plugin fields that matter to authorization are typed (admin plugin `role`, `banned`,
/// `banReason`, `banExpires`; anonymous plugin `isAnonymous`); every other column (custom
/// `additionalFields`, other plugins) is kept in [`extra`](Self::extra) as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct User {
    /// The user id (text, uuid or integer ids all read as text).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
    /// Whether the email address has been verified.
    #[serde(default)]
    pub email_verified: bool,
    /// Avatar URL.
    #[serde(default)]
    pub image: Option<String>,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// When the user was last updated.
    pub updated_at: DateTime<Utc>,
    /// Admin plugin: the role, or several comma-separated roles (`"user"`, `"admin,editor"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Admin plugin: whether the user is banned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banned: Option<bool>,
    /// Admin plugin: why the user was banned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ban_reason: Option<String>,
    /// Admin plugin: when the ban ends (none: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ban_expires: Option<DateTime<Utc>>,
    /// Anonymous plugin: whether this is an anonymous user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_anonymous: Option<bool>,
    /// Every other column, by its Better Auth field name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl User {
    /// A user with the required fields; the rest empty. Times are set to `now`.
    pub fn new(id: impl Into<String>, name: impl Into<String>, email: impl Into<String>) -> Self {
        let now = Utc::now();
        Self {
            id: id.into(),
            name: name.into(),
            email: email.into(),
            email_verified: false,
            image: None,
            created_at: now,
            updated_at: now,
            role: None,
            banned: None,
            ban_reason: None,
            ban_expires: None,
            is_anonymous: None,
            extra: Map::new(),
        }
    }

    /// The roles as the admin plugin reads `role`: split at commas, not trimmed (`"user, admin"`
    /// is `user` and ` admin`, not `admin`), and a null or empty `role` is `default_role` (the
    /// plugin's `defaultRole`, `user` unless configured otherwise).
    pub fn roles_or<'a>(&'a self, default_role: &'a str) -> impl Iterator<Item = &'a str> {
        match self.role.as_deref() {
            Some(role) if !role.is_empty() => role,
            _ => default_role,
        }
        .split(',')
    }

    /// [`roles_or`](Self::roles_or) with the admin plugin's default role, `user`.
    pub fn roles(&self) -> impl Iterator<Item = &str> {
        self.roles_or(DEFAULT_ROLE)
    }

    /// Whether the admin plugin would give the user `wanted` (see [`roles`](Self::roles)).
    pub fn has_role(&self, wanted: &str) -> bool {
        self.roles().any(|role| role == wanted)
    }

    /// Whether the user is banned at `now`: `banned` is true and `banExpires` is unset or still
    /// ahead (the admin plugin lifts a ban whose `banExpires` has passed).
    pub fn is_banned_at(&self, now: DateTime<Utc>) -> bool {
        self.banned == Some(true) && self.ban_expires.is_none_or(|expires| expires > now)
    }
}

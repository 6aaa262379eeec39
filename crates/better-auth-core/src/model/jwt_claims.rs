//! [`JwtClaims`]: what a verified Better Auth JWT says, and the user it describes.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::User;

/// The verified claims of a token.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct JwtClaims {
    /// `sub`: the user id.
    pub subject: String,
    /// `iss`.
    pub issuer: Option<String>,
    /// `aud` (a string or an array in the token).
    pub audience: Vec<String>,
    /// `exp`.
    pub expires_at: DateTime<Utc>,
    /// `iat`.
    pub issued_at: Option<DateTime<Utc>>,
    /// `nbf`.
    pub not_before: Option<DateTime<Utc>>,
    /// Every claim as sent, for custom `definePayload` setups.
    pub raw: Map<String, Value>,
    /// The user the claims describe, made once when the token is verified.
    #[serde(skip)]
    user: Arc<User>,
}

const REGISTERED: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

impl JwtClaims {
    /// The claims read from a verified token, with the user they describe.
    pub(crate) fn new(
        subject: String,
        issuer: Option<String>,
        audience: Vec<String>,
        expires_at: DateTime<Utc>,
        issued_at: Option<DateTime<Utc>>,
        not_before: Option<DateTime<Utc>>,
        raw: Map<String, Value>,
    ) -> Self {
        let user = Arc::new(user_of(&raw, &subject));
        Self {
            subject,
            issuer,
            audience,
            expires_at,
            issued_at,
            not_before,
            raw,
            user,
        }
    }

    /// The user the claims describe (shared: no copy of the claims is made). Better Auth puts
    /// the whole user object in the token; with a custom `definePayload`, missing fields read
    /// as empty (id from `sub`, dates as the epoch) and every non-registered claim lands in
    /// [`User::extra`] or a typed field.
    pub fn user(&self) -> &Arc<User> {
        &self.user
    }
}

/// The user of claims `raw` with subject `subject`.
fn user_of(raw: &Map<String, Value>, subject: &str) -> User {
    let mut fields: Map<String, Value> = raw
        .iter()
        .filter(|(key, _)| !REGISTERED.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let epoch = Value::String("1970-01-01T00:00:00.000Z".to_owned());
    let defaults = [
        ("id", Value::String(subject.to_owned())),
        ("name", Value::String(String::new())),
        ("email", Value::String(String::new())),
        ("createdAt", epoch.clone()),
        ("updatedAt", epoch),
    ];
    for (key, default) in defaults {
        let usable = fields.get(key).is_some_and(|value| !value.is_null());
        if !usable {
            fields.insert(key.to_owned(), default);
        }
    }
    serde_json::from_value(Value::Object(fields)).unwrap_or_else(|_| {
        // Claims of unexpected types: keep them all as extras of a user known by `sub`.
        let mut user = User::new(subject, "", "");
        user.created_at = DateTime::UNIX_EPOCH;
        user.updated_at = DateTime::UNIX_EPOCH;
        user.extra = raw.clone();
        user
    })
}

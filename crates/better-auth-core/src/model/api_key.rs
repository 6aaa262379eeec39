//! An API key of Better Auth's API key plugin (`@better-auth/api-key`, table `apikey`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::AuthError;

/// An API key row. The hashed key itself is never kept or serialized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiKey {
    /// The key's id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its first characters, shown in UIs.
    #[serde(default)]
    pub start: Option<String>,
    /// Its prefix.
    #[serde(default)]
    pub prefix: Option<String>,
    /// The owner: a user id (`references: "user"`, the default).
    pub reference_id: String,
    /// The plugin configuration it belongs to.
    #[serde(default)]
    pub config_id: Option<String>,
    /// Whether it is enabled (`false` refuses it).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// When it expires.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Requests left (`null`: no quota). Decremented on each use unless API keys are read only
    /// ([`ApiKeyUsage`](crate::ApiKeyUsage)).
    #[serde(default)]
    pub remaining: Option<i64>,
    /// Requests given back every `refillInterval`.
    #[serde(default)]
    pub refill_amount: Option<i64>,
    /// Refill interval in milliseconds.
    #[serde(default)]
    pub refill_interval: Option<i64>,
    /// The last refill.
    #[serde(default)]
    pub last_refill_at: Option<DateTime<Utc>>,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// Permissions as the plugin stores them: JSON text `{"resource": ["action", ...]}`.
    #[serde(default, rename = "permissions")]
    pub permissions_json: Option<String>,
    /// Metadata as the plugin stores it (JSON text).
    #[serde(default, rename = "metadata")]
    pub metadata_json: Option<String>,
    /// Every other column (rate-limit counters, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ApiKey {
    /// The permissions: resource to allowed actions (empty when none are set).
    pub fn permissions(&self) -> BTreeMap<String, Vec<String>> {
        self.permissions_json
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default()
    }

    /// Whether the key allows `action` on `resource`.
    pub fn allows(&self, resource: &str, action: &str) -> bool {
        self.permissions()
            .get(resource)
            .is_some_and(|actions| actions.iter().any(|allowed| allowed == action))
    }

    /// The metadata, parsed (`Null` when none).
    pub fn metadata(&self) -> Value {
        self.metadata_json
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or(Value::Null)
    }

    /// Whether the plugin would accept the key at `now`, without counting the use (the
    /// read-only check): enabled, unexpired, and with requests left (or a refill due, which the
    /// plugin applies on use). The rate limit is not checked.
    pub fn check_usable(&self, now: DateTime<Utc>) -> Result<(), AuthError> {
        if self.enabled == Some(false) {
            return Err(AuthError::ApiKeyDisabled);
        }
        if self.expires_at.is_some_and(|expires| now > expires) {
            return Err(AuthError::ApiKeyExpired);
        }
        if self.remaining.is_some_and(|left| left <= 0) && !self.refill_due(now) {
            return Err(AuthError::ApiKeyExhausted);
        }
        Ok(())
    }
}

impl ApiKey {
    /// Whether a refill applies at `now`: `refillInterval` and `refillAmount` set and non-zero, and
    /// strictly more than `refillInterval` ms since `lastRefillAt` (else `createdAt`).
    pub(crate) fn refill_due(&self, now: DateTime<Utc>) -> bool {
        let (Some(amount), Some(interval)) = (self.refill_amount, self.refill_interval) else {
            return false;
        };
        if amount == 0 || interval == 0 {
            return false;
        }
        let Some(last) = self.last_refill_at.or(self.created_at) else {
            return false;
        };
        (now - last).num_milliseconds() > interval
    }
}

//! Counting API key uses as Better Auth's API key plugin (`@better-auth/api-key` 1.7.5,
//! storage `"database"`) does on each verification: `remaining` decremented (or refilled), then
//! the per-key rate limit, the row deleted once it is exhausted or expired.
//!
//! `decide` is the rule, pure: given the row as it is (read under a row lock, see
//! `store/sql/usage.rs`) and the time, what to write and what to answer. The store applies the
//! writes in the same transaction, so concurrent verifications are counted exactly.

// The rule is used by the SQL stores; a build without one keeps only [`ApiKeyUsage`].
#![cfg_attr(
    not(any(feature = "postgres", feature = "sqlite", feature = "mysql")),
    allow(dead_code)
)]

use chrono::{DateTime, Utc};
use serde_json::Value;

use std::sync::Arc;

use crate::{
    error::AuthError,
    js::{iso_string, now_ms},
    model::ApiKey,
};

/// Whether verifying an API key counts the use (Better Auth's behaviour) or only reads the row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiKeyUsage {
    /// Each verification is counted as Better Auth counts it, atomically in the database:
    /// `remaining` decremented or refilled, the rate limit applied (`requestCount`,
    /// `lastRequest`), `updatedAt` moved; an exhausted or expired key is deleted. The default.
    #[default]
    Count,
    /// The row is only read: a key is refused when disabled, expired or exhausted, but nothing
    /// is written (no decrement, no rate limit). `BETTER_AUTH_API_KEY_READ_ONLY=true`.
    ReadOnly,
}

/// What verifying one use of an API key found
/// ([`ApiKeyStore::use_api_key`](crate::store::ApiKeyStore::use_api_key)).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ApiKeyVerdict {
    /// No key has this hash in this configuration (or it was deleted by a verification that
    /// ran first).
    Unknown,
    /// The use was counted and the key may be used: the key as it is now (counters after this
    /// use). Whether it stands for a user is the configuration's `references` and its
    /// `referenceId`, looked up next ([`ApiKeyStore::find_user`](crate::store::ApiKeyStore::find_user)).
    Accepted {
        /// The key, counters updated.
        key: Arc<ApiKey>,
    },
    /// Refused: disabled, expired or exhausted (the row then deleted, as Better Auth does), or
    /// rate limited (a refused call still spends `remaining`).
    Refused(AuthError),
}

impl ApiKeyVerdict {
    /// The read-only verdict on a looked-up key: nothing is written.
    pub fn read_only(key: Option<ApiKey>) -> Self {
        let Some(key) = key else {
            return Self::Unknown;
        };
        match key.check_usable(chrono::Utc::now()) {
            Ok(()) => Self::Accepted { key: Arc::new(key) },
            Err(error) => Self::Refused(error),
        }
    }
}

/// One use of `key` counted as Better Auth counts it (see [`ApiKeyUsage::Count`]), now, for a
/// store that holds its keys itself (in memory, in a test): `key` is left as Better Auth would
/// leave the row; the answer says whether the use is accepted and whether the row is to be
/// deleted (an expired or exhausted key). A store must make the read and this write one atomic
/// step (hold its lock across both).
pub fn count_use(key: &mut ApiKey) -> CountedUse {
    let decision = decide(key, now_ms());
    decision.changes.apply(key);
    CountedUse {
        delete: decision.delete,
        verdict: decision.verdict,
    }
}

/// What [`count_use`] decided.
#[derive(Debug)]
#[non_exhaustive]
pub struct CountedUse {
    /// Delete the key (Better Auth deletes an expired or exhausted key when it is used).
    pub delete: bool,
    /// Accepted, or why not.
    pub verdict: Result<(), AuthError>,
}

/// The verdict on a use of `key` (read without a lock) when counting it would write nothing
/// (a disabled key; one with no requests left and a refill not yet due): the refusal, answered
/// without the locked transaction. `None`: the use writes, so it is counted under the lock.
pub(crate) fn verdict_without_writes(key: &ApiKey) -> Option<AuthError> {
    let decision = decide(key, now_ms());
    match decision.verdict {
        Err(error) if !decision.delete && decision.changes.is_empty() => Some(error),
        _ => None,
    }
}

/// The counters a verification writes; `None` leaves a column as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Changes {
    pub(crate) remaining: Option<i64>,
    pub(crate) last_refill_at: Option<DateTime<Utc>>,
    pub(crate) request_count: Option<i64>,
    pub(crate) last_request: Option<DateTime<Utc>>,
    pub(crate) updated_at: Option<DateTime<Utc>>,
}

impl Changes {
    /// Whether nothing is to be written.
    pub(crate) fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The key as it is once these changes are written (what Better Auth's verify returns).
    pub(crate) fn apply(&self, key: &mut ApiKey) {
        if let Some(remaining) = self.remaining {
            key.remaining = Some(remaining);
        }
        if let Some(at) = self.last_refill_at {
            key.last_refill_at = Some(at);
        }
        if let Some(count) = self.request_count {
            key.extra
                .insert("requestCount".to_owned(), Value::from(count));
        }
        for (field, time) in [
            ("lastRequest", self.last_request),
            ("updatedAt", self.updated_at),
        ] {
            if let Some(time) = time {
                key.extra
                    .insert(field.to_owned(), Value::String(iso_string(time)));
            }
        }
    }
}

/// What one verification does to the row, and its answer.
#[derive(Debug)]
pub(crate) struct Decision {
    /// Delete the row (an exhausted or expired key, as Better Auth does).
    pub(crate) delete: bool,
    /// The counters to write (written even when the answer is a refusal: a rate-limited call
    /// still spends `remaining`).
    pub(crate) changes: Changes,
    /// The answer.
    pub(crate) verdict: Result<(), AuthError>,
}

impl Decision {
    fn refuse(error: AuthError) -> Self {
        Self {
            delete: false,
            changes: Changes::default(),
            verdict: Err(error),
        }
    }
}

/// Better Auth's verification of `key` at `now` (milliseconds), in its order:
///
/// 1. `enabled = false`: `KEY_DISABLED`, nothing written.
/// 2. `expiresAt` passed: the row is deleted, `KEY_EXPIRED`.
/// 3. `remaining = 0` and no `refillAmount`: the row is deleted, `USAGE_EXCEEDED`.
/// 4. `remaining` not null: when `refillInterval` and `refillAmount` are set (non-zero) and more
///    than `refillInterval` ms passed since `lastRefillAt` (or `createdAt`), `remaining` becomes
///    `refillAmount - 1` and `lastRefillAt` now; otherwise it is decremented when above 0, and
///    the call is refused with `USAGE_EXCEEDED` (row kept) when it is not.
/// 5. The rate limit, on the row as step 4 left it (and step 4's writes stand when it
///    refuses): skipped (only `lastRequest` moved) when `rateLimitEnabled = false`; skipped
///    entirely when `rateLimitTimeWindow` or `rateLimitMax` is null; `requestCount = 1` when
///    there was no `lastRequest` or more than the window passed since it; refused with
///    `RATE_LIMITED` and `tryAgainIn = window - (now - lastRequest)` when `requestCount >=
///    rateLimitMax` (nothing more written); else `requestCount + 1`. `lastRequest` is set to
///    now whenever the request is let through.
/// 6. `updatedAt` = now.
pub(crate) fn decide(key: &ApiKey, now: DateTime<Utc>) -> Decision {
    if key.enabled == Some(false) {
        return Decision::refuse(AuthError::ApiKeyDisabled);
    }
    if key.expires_at.is_some_and(|expires| now > expires) {
        return Decision {
            delete: true,
            ..Decision::refuse(AuthError::ApiKeyExpired)
        };
    }
    if key.remaining == Some(0) && key.refill_amount.is_none() {
        return Decision {
            delete: true,
            ..Decision::refuse(AuthError::ApiKeyExhausted)
        };
    }

    let mut changes = Changes::default();
    if let Some(remaining) = key.remaining {
        if key.refill_due(now) {
            changes.remaining = Some(key.refill_amount.unwrap_or(0) - 1);
            changes.last_refill_at = Some(now);
        } else if remaining > 0 {
            changes.remaining = Some(remaining - 1);
        } else {
            return Decision::refuse(AuthError::ApiKeyExhausted);
        }
    }

    let window = extra_i64(key, "rateLimitTimeWindow");
    let max = extra_i64(key, "rateLimitMax");
    let count = extra_i64(key, "requestCount").unwrap_or(0);
    let last_request = extra_time(key, "lastRequest");
    if extra_bool(key, "rateLimitEnabled") == Some(false) {
        changes.last_request = Some(now);
    } else if let (Some(window), Some(max)) = (window, max) {
        match last_request {
            None => {
                changes.request_count = Some(1);
                changes.last_request = Some(now);
            }
            Some(last) => {
                let since = (now - last).num_milliseconds();
                if since > window {
                    changes.request_count = Some(1);
                    changes.last_request = Some(now);
                } else if count >= max {
                    let wait = u64::try_from(window - since).unwrap_or(0);
                    return Decision {
                        delete: false,
                        changes,
                        verdict: Err(AuthError::ApiKeyRateLimited {
                            try_again_in: std::time::Duration::from_millis(wait),
                        }),
                    };
                } else {
                    changes.request_count = Some(count + 1);
                    changes.last_request = Some(now);
                }
            }
        }
    }
    changes.updated_at = Some(now);
    Decision {
        delete: false,
        changes,
        verdict: Ok(()),
    }
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|time| time.with_timezone(&Utc))
}

fn extra_i64(key: &ApiKey, field: &str) -> Option<i64> {
    match key.extra.get(field)? {
        Value::Number(number) => number
            .as_i64()
            .or_else(|| number.as_f64().map(|float| float as i64)),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn extra_bool(key: &ApiKey, field: &str) -> Option<bool> {
    key.extra.get(field)?.as_bool()
}

fn extra_time(key: &ApiKey, field: &str) -> Option<DateTime<Utc>> {
    key.extra.get(field)?.as_str().and_then(parse_time)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(1_800_000_000_000 + ms).unwrap()
    }

    fn key(fields: Value) -> ApiKey {
        let mut row = json!({
            "id": "k", "referenceId": "u", "enabled": true,
            "createdAt": iso_string(at(0)),
            "rateLimitEnabled": true, "rateLimitTimeWindow": 10_000, "rateLimitMax": 2,
            "requestCount": 0, "lastRequest": null, "remaining": null,
        });
        row.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        serde_json::from_value(row).unwrap()
    }

    /// Runs verifications at the given times, applying each decision like the store does.
    fn run(mut key: ApiKey, times: &[i64]) -> (ApiKey, Vec<Result<(), AuthError>>, bool) {
        let mut verdicts = Vec::new();
        for &t in times {
            let decision = decide(&key, at(t));
            decision.changes.apply(&mut key);
            verdicts.push(decision.verdict);
            if decision.delete {
                return (key, verdicts, true);
            }
        }
        (key, verdicts, false)
    }

    #[test]
    fn remaining_counts_down_then_the_key_is_deleted() {
        let (key, verdicts, deleted) = run(
            key(json!({"remaining": 3, "rateLimitEnabled": false})),
            &[1, 2, 3, 4],
        );
        assert!(verdicts[..3].iter().all(Result::is_ok));
        assert!(matches!(verdicts[3], Err(AuthError::ApiKeyExhausted)));
        assert!(deleted);
        assert_eq!(key.remaining, Some(0));
        assert_eq!(key.extra["requestCount"], 0, "rate limit off: not counted");
        assert_eq!(key.extra["lastRequest"], iso_string(at(3)));
    }

    #[test]
    fn a_rate_limited_call_still_spends_remaining() {
        // Better Auth decrements `remaining` before checking the rate limit: with remaining 5
        // and 2 per 10 s it answered valid, valid, limited x3, USAGE_EXCEEDED.
        let (key, verdicts, deleted) = run(
            key(json!({"remaining": 5})),
            &[0, 1000, 2000, 3000, 4000, 5000],
        );
        assert!(verdicts[0].is_ok() && verdicts[1].is_ok());
        for verdict in &verdicts[2..5] {
            assert!(
                matches!(verdict, Err(AuthError::ApiKeyRateLimited { .. })),
                "{verdict:?}"
            );
        }
        assert!(matches!(verdicts[5], Err(AuthError::ApiKeyExhausted)));
        assert!(deleted);
        assert_eq!(key.extra["requestCount"], 2);
        assert_eq!(
            key.extra["lastRequest"],
            iso_string(at(1000)),
            "denied calls do not move lastRequest"
        );
    }

    #[test]
    fn the_window_slides_from_the_last_allowed_request() {
        // Allowed at 0 and 8 s, denied at 12 s: 10 - (12 - 8) = 6 s to wait.
        let (key, verdicts, _) = run(key(json!({})), &[0, 8000, 12_000]);
        assert!(
            matches!(verdicts[2], Err(AuthError::ApiKeyRateLimited { try_again_in }) if try_again_in == Duration::from_millis(6000))
        );
        // Past the window from the last allowed request: the count starts over at 1.
        let decision = decide(&key, at(18_001));
        assert!(decision.verdict.is_ok());
        assert_eq!(decision.changes.request_count, Some(1));
        // At exactly the window, still limited (Better Auth: `since > window` resets).
        let decision = decide(&key, at(18_000));
        assert!(decision.verdict.is_err());
    }

    #[test]
    fn refill_sets_remaining_to_the_amount_minus_the_call() {
        let exhausted = key(json!({
            "remaining": 0, "refillAmount": 5, "refillInterval": 1000, "rateLimitEnabled": false,
        }));
        // Not due yet (createdAt counts): refused, kept.
        let decision = decide(&exhausted, at(1000));
        assert!(matches!(decision.verdict, Err(AuthError::ApiKeyExhausted)));
        assert!(!decision.delete && decision.changes.is_empty());
        // Due: 5 - 1 left, lastRefillAt moved.
        let decision = decide(&exhausted, at(1001));
        assert!(decision.verdict.is_ok());
        assert_eq!(decision.changes.remaining, Some(4));
        assert_eq!(decision.changes.last_refill_at, Some(at(1001)));
        // A refill replaces what is left rather than adding to it.
        let some_left = key(json!({
            "remaining": 2, "refillAmount": 5, "refillInterval": 1000, "rateLimitEnabled": false,
            "lastRefillAt": iso_string(at(0)),
        }));
        assert_eq!(decide(&some_left, at(5000)).changes.remaining, Some(4));
    }

    #[test]
    fn disabled_and_expired() {
        let disabled = key(json!({"enabled": false, "remaining": 3}));
        let decision = decide(&disabled, at(1));
        assert!(matches!(decision.verdict, Err(AuthError::ApiKeyDisabled)));
        assert!(!decision.delete && decision.changes.is_empty());
        let expired = key(json!({"expiresAt": iso_string(at(10))}));
        assert!(decide(&expired, at(10)).verdict.is_ok());
        let decision = decide(&expired, at(11));
        assert!(matches!(decision.verdict, Err(AuthError::ApiKeyExpired)));
        assert!(decision.delete);
    }

    #[test]
    fn no_window_or_max_skips_the_rate_limit_without_touching_last_request() {
        let decision = decide(&key(json!({"rateLimitMax": null})), at(1));
        assert!(decision.verdict.is_ok());
        assert_eq!(decision.changes.last_request, None);
        assert_eq!(decision.changes.request_count, None);
        assert_eq!(decision.changes.updated_at, Some(at(1)));
    }
}

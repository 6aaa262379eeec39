//! [`SessionLifetime`]: Better Auth's `session` options that decide when a session is refreshed,
//! and how far.

use chrono::{DateTime, Duration, Utc};

use crate::model::Session;

/// Better Auth's `session.expiresIn` default: 7 days.
pub(crate) const DEFAULT_EXPIRES_IN: Duration = Duration::days(7);
/// Better Auth's `session.updateAge` default: 1 day.
pub(crate) const DEFAULT_UPDATE_AGE: Duration = Duration::days(1);

/// Better Auth's `session` options that decide refreshes. They must match the Better Auth
/// server's (`BETTER_AUTH_SESSION_EXPIRES_IN`, `BETTER_AUTH_SESSION_UPDATE_AGE`,
/// `BETTER_AUTH_DISABLE_SESSION_REFRESH` from the environment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionLifetime {
    /// `session.expiresIn`: how long a session lives after its last refresh (7 days).
    pub expires_in: Duration,
    /// `session.updateAge`: how old a refresh must be before the next one (1 day); zero
    /// refreshes on every use, as in Better Auth.
    pub update_age: Duration,
    /// Whether sessions are refreshed (written) at all: on by default, as in Better Auth;
    /// `false` is `session.disableSessionRefresh`, and keeps this library read-only for sessions.
    pub refresh: bool,
}

impl Default for SessionLifetime {
    fn default() -> Self {
        Self {
            expires_in: DEFAULT_EXPIRES_IN,
            update_age: DEFAULT_UPDATE_AGE,
            refresh: true,
        }
    }
}

impl SessionLifetime {
    /// Whether a session expiring at `expires_at` is due for a refresh at `now` (refresh on or
    /// not): `expiresAt - expiresIn + updateAge <= now`.
    pub fn is_due(&self, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        expires_at - self.expires_in + self.update_age <= now
    }

    /// This lifetime as it applies to `session`: `expiresIn` no longer than the one the
    /// session's own row shows Better Auth last gave it (`expiresAt - updatedAt`, written
    /// together by Better Auth's sign-in and refresh). So a service configured with a longer
    /// `expiresIn` than its Better Auth (`BETTER_AUTH_SESSION_EXPIRES_IN` left at the 7-day
    /// default in front of a Better Auth with 1-hour sessions) cannot lengthen sessions: it
    /// refreshes them to the length Better Auth gave them, never beyond. A session that was
    /// touched since (its `updatedAt` moved without its `expiresAt`) is refreshed to a little
    /// less, which is safe; one that is not sliding (`rememberMe: false`, one day) is then
    /// not due before it ends, as it would be with its `dont_remember` cookie.
    ///
    /// The row's lifetime is rounded up to whole seconds: Better Auth's `expiresIn` is whole
    /// seconds, and it reads the clock twice (`expiresAt: getDate(expiresIn, "sec")`, then
    /// `updatedAt: new Date()`), so a row it has just written often shows a millisecond or two
    /// less than `expiresIn`; read as it is, that would cut the refreshed session short and
    /// send `Max-Age` one second below Better Auth's own.
    pub fn bounded_by(&self, session: &Session) -> Self {
        let shown = (session.expires_at - session.updated_at).max(Duration::zero());
        let whole_seconds = Duration::seconds(
            shown
                .num_milliseconds()
                .saturating_add(999)
                .div_euclid(1000),
        );
        Self {
            expires_in: self.expires_in.min(whole_seconds),
            ..*self
        }
    }
}

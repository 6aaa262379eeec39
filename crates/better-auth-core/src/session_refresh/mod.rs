//! Sliding sessions as Better Auth slides them: when a session authenticated by its cookie or
//! a bearer token is used after `updateAge`, its `expiresAt` moves to `now + expiresIn` (and
//! `updatedAt` to `now`), in the store Better Auth keeps it in, and the session cookie goes
//! back to the client with a fresh `Max-Age`.
//!
//! - `mod.rs`: what a store is asked to write ([`Extension`], from the configured
//!   [`SessionLifetime`]) and answers ([`Extended`]);
//! - `response.rs`: the headers Better Auth sends with a refresh ([`RefreshHeaders`]).
//!
//! When a refresh is due is the configuration's rule ([`SessionLifetime::is_due`]); one write per
//! session however many requests carry it is the authenticator's (`authenticator/refresh_flight.rs`).
//!
//! Better Auth's condition (`src/api/routes/session.ts`): due when
//! `expiresAt - expiresIn + updateAge <= now`, so it reads `expiresAt` only. Not refreshed: a
//! request that carries a valid signed `dont_remember` cookie (a "remember me: off" sign-in),
//! JWT- and API-key-authenticated requests, and everything when refresh is disabled.

use std::net::IpAddr;

use chrono::{DateTime, Utc};

mod response;

pub use response::RefreshHeaders;

use crate::config::SessionLifetime;

impl SessionLifetime {
    /// What a refresh at `now` writes: `expiresAt = now + expiresIn`, `updatedAt = now` (both
    /// to the millisecond, as JavaScript dates are), guarded by the refresh condition.
    pub fn extension_at(&self, now: DateTime<Utc>) -> Extension {
        let now = crate::js::to_millis(now);
        Extension {
            expires_at: now + self.expires_in,
            updated_at: now,
            due_before: now + self.expires_in - self.update_age,
            client: None,
        }
    }
}

/// What a store writes for a refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Extension {
    /// The new `expiresAt`.
    pub expires_at: DateTime<Utc>,
    /// The new `updatedAt`.
    pub updated_at: DateTime<Utc>,
    /// The guard: write only while the stored `expiresAt` is at or before this instant (the
    /// refresh condition, evaluated by the store itself), so that of several services (or
    /// requests) refreshing the same session at once only one write lands. A stored
    /// `expiresAt` at or before `updated_at` (a session that is over) is never written.
    pub due_before: DateTime<Utc>,
    /// The address of the client whose request refreshes, when known (remote mode passes it
    /// on to Better Auth's rate limiter).
    pub client: Option<IpAddr>,
}

impl Extension {
    /// The same extension, asked for `client`.
    pub fn for_client(mut self, client: Option<IpAddr>) -> Self {
        self.client = client;
        self
    }
}

/// What a store did with an [`Extension`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Extended {
    /// Written: the session now expires at the extension's `expires_at`.
    Written,
    /// Better Auth refreshed the session itself (remote mode, where it is asked to): the dates
    /// it wrote and the headers it sent, which go back to the client as they are.
    RefreshedBy {
        /// The `expiresAt` Better Auth wrote.
        expires_at: DateTime<Utc>,
        /// The `updatedAt` Better Auth wrote.
        updated_at: DateTime<Utc>,
        /// Its `Set-Cookie` and `set-auth-token` headers.
        headers: RefreshHeaders,
    },
    /// Not written: the stored session is no longer due (another writer refreshed it) or no
    /// longer exists. The request is served; its session is read again next time.
    NotDue,
    /// The store does not write sessions (a custom store): nothing happened.
    Unsupported,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_EXPIRES_IN;
    use chrono::Duration;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn due_exactly_as_better_auth_decides() {
        // expiresIn 20 s, updateAge 5 s: Better Auth did not refresh a session expiring in
        // 19 s and did refresh one expiring in 14.9 s, whatever its `updatedAt`.
        let lifetime = SessionLifetime {
            expires_in: Duration::seconds(20),
            update_age: Duration::seconds(5),
            refresh: true,
        };
        let now = at(0);
        assert!(!lifetime.is_due(now + Duration::seconds(19), now));
        assert!(!lifetime.is_due(now + Duration::milliseconds(15_001), now));
        assert!(lifetime.is_due(now + Duration::seconds(15), now));
        assert!(lifetime.is_due(now + Duration::milliseconds(14_900), now));
        let extension = lifetime.extension_at(now);
        assert_eq!(extension.expires_at, at(20));
        assert_eq!(extension.updated_at, now);
        assert_eq!(extension.due_before, at(15));
        // After the write, the session is not due again for updateAge.
        assert!(!lifetime.is_due(extension.expires_at, now + Duration::seconds(4)));
        assert!(lifetime.is_due(extension.expires_at, now + Duration::seconds(5)));
    }

    #[test]
    fn update_age_zero_refreshes_on_every_use() {
        let lifetime = SessionLifetime {
            update_age: Duration::zero(),
            ..SessionLifetime::default()
        };
        let now = at(0);
        assert!(lifetime.is_due(now + DEFAULT_EXPIRES_IN, now));
    }

    #[test]
    fn a_one_day_session_is_due_at_once_with_the_defaults() {
        // A `rememberMe: false` session lasts one day; without its cookie (a bearer client),
        // Better Auth refreshes it on first use to `now + 7 days`, since
        // (now + 1 d) - 7 d + 1 d <= now.
        let now = at(0);
        assert!(SessionLifetime::default().is_due(now + Duration::days(1), now));
    }

    #[test]
    fn a_longer_configured_lifetime_never_lengthens_a_session() {
        // Better Auth gave the session one hour; the service is left at the 7-day default.
        let now = at(0);
        let mut session = crate::model::Session::new("s", "t", "u", now + Duration::minutes(30));
        session.updated_at = now - Duration::minutes(30);
        let lifetime = SessionLifetime {
            update_age: Duration::minutes(10),
            ..SessionLifetime::default()
        }
        .bounded_by(&session);
        assert_eq!(lifetime.expires_in, Duration::hours(1));
        // Due as Better Auth decides with its own hour: 30 min old, update age 10 min.
        assert!(lifetime.is_due(session.expires_at, now));
        let extension = lifetime.extension_at(now);
        assert_eq!(extension.expires_at, now + Duration::hours(1));
        // A shorter configured lifetime stays as it is.
        let short = SessionLifetime {
            expires_in: Duration::minutes(20),
            ..SessionLifetime::default()
        };
        assert_eq!(short.bounded_by(&session).expires_in, Duration::minutes(20));
        // Better Auth reads the clock twice for a row: a millisecond or two less than its
        // whole-second expiresIn is that expiresIn (Max-Age as Better Auth sends it).
        session.updated_at = now - Duration::minutes(30) + Duration::milliseconds(2);
        assert_eq!(
            SessionLifetime::default().bounded_by(&session).expires_in,
            Duration::hours(1)
        );
        session.updated_at = now - Duration::minutes(29);
        assert_eq!(
            SessionLifetime::default().bounded_by(&session).expires_in,
            Duration::minutes(59)
        );
        // A row whose dates are out of order gives nothing to extend by.
        session.updated_at = now + Duration::hours(2);
        assert_eq!(
            SessionLifetime::default().bounded_by(&session).expires_in,
            Duration::zero()
        );
    }

    #[test]
    fn times_are_whole_milliseconds() {
        let time = DateTime::from_timestamp(1_800_000_000, 123_456_789).unwrap();
        let extension = SessionLifetime::default().extension_at(time);
        assert_eq!(extension.updated_at.timestamp_subsec_nanos(), 123_000_000);
    }
}

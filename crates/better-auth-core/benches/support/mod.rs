//! What the benches share: a realistic session record and a store that returns it without I/O.

#![allow(dead_code)]

use async_trait::async_trait;
use better_auth_core::{
    AuthConfig, Authenticator, BackendError, CacheOptions, SecretSet, Session, SessionRecord, User,
    store::SessionStore,
};
use chrono::{Duration, Utc};

#[cfg(feature = "jwks")]
pub(crate) mod jwt;

/// The secret of the benches.
pub(crate) const SECRET: &str = "a-32+char-test-secret-for-ba-probe-0123456789";

/// A session and user shaped like Better Auth's (ids and tokens of 32 characters, a user agent,
/// the admin plugin's role), `n` making them distinct.
pub(crate) fn record(n: usize) -> SessionRecord {
    // Times as JavaScript keeps them (whole milliseconds, here never a round second), so a
    // cookie cache entry made from the record is what Better Auth writes.
    let js_time = |time: chrono::DateTime<Utc>| {
        chrono::DateTime::from_timestamp_millis(time.timestamp() * 1000 + 123)
            .expect("a time in range")
    };
    let now = js_time(Utc::now());
    let mut user = User::new(
        format!("user{n:0>28}"),
        format!("User Number {n}"),
        format!("user{n}@example.com"),
    );
    user.email_verified = true;
    user.role = Some("user".to_owned());
    user.created_at = now;
    user.updated_at = now;
    let mut session = Session::new(
        format!("sess{n:0>28}"),
        token(n),
        user.id.clone(),
        now + Duration::days(7),
    );
    session.created_at = now;
    session.updated_at = now;
    session.ip_address = Some("203.0.113.7".to_owned());
    session.user_agent = Some("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36".to_owned());
    SessionRecord::new(session, user)
}

/// The session token of record `n`.
pub(crate) fn token(n: usize) -> String {
    format!("tok{n:0>29}")
}

/// How many lookups reached [`InMemory`].
pub(crate) static LOOKUPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A store answering every token with its record, without I/O.
#[derive(Debug, Default)]
pub(crate) struct InMemory;

#[async_trait]
impl SessionStore for InMemory {
    async fn find_session(&self, token: &str) -> Result<Option<SessionRecord>, BackendError> {
        LOOKUPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let n: usize = token.trim_start_matches("tok").parse().unwrap_or(0);
        Ok(Some(record(n)))
    }

    async fn check_health(&self) -> Result<(), BackendError> {
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "in-memory"
    }
}

/// An authenticator over [`InMemory`] behind the in-process cache (an hour's TTL, so every
/// lookup after the first is a hit).
pub(crate) fn cached_authenticator() -> Authenticator {
    authenticator_with(CacheOptions::with_ttl(std::time::Duration::from_secs(3600)))
}

/// An authenticator over [`InMemory`] behind the in-process cache with `options`.
pub(crate) fn authenticator_with(options: CacheOptions) -> Authenticator {
    let secrets = SecretSet::single(SECRET).expect("the bench secret is valid");
    Authenticator::builder(AuthConfig::new(secrets))
        .session_store(InMemory)
        .cache(options)
        .build()
        .expect("the bench authenticator builds")
}

//! The refresh step of a request: after the credential is verified (and the Origin check
//! passed), a session read from the store by its token is refreshed when due, unless the
//! request carries a valid `dont_remember` cookie or refresh is off.

use std::{net::IpAddr, sync::Arc};

use chrono::Utc;

use super::{Authenticator, pipeline::Verified, refresh_flight::Flight};
use crate::{
    credentials::Found,
    model::{Identity, Session, SessionRecord},
    session_refresh::RefreshHeaders,
    signing,
};

impl Authenticator {
    /// The identity, refreshed if its session was due (its `expiresAt` and `updatedAt` then
    /// the written ones), with the headers to send back; the identity as it was otherwise,
    /// also when the write failed (logged: the session was valid).
    pub(super) async fn refresh_if_due(
        &self,
        verified: Verified,
        found: &Found,
        client: Option<IpAddr>,
    ) -> (Identity, Option<RefreshHeaders>) {
        let Verified {
            mut identity,
            from_store,
        } = verified;
        let now = Utc::now();
        let (Some(store), Some(session)) = (&self.inner.sessions, &identity.session) else {
            return (identity, None);
        };
        // Never longer than the session's own lifetime as Better Auth last wrote it.
        let lifetime = self.inner.config.session.bounded_by(session);
        if !from_store
            || !lifetime.refresh
            || !lifetime.is_due(session.expires_at, now)
            || self.remembers_nothing(found)
        {
            return (identity, None);
        }
        let flight = self
            .inner
            .refresher
            .refresh(
                store,
                &session.token,
                session.expires_at.timestamp_millis(),
                lifetime.extension_at(now).for_client(client),
            )
            .await;
        let Flight::Written {
            expires_at,
            updated_at,
            headers,
        } = flight
        else {
            if let Some(lookup) = &self.inner.lookup {
                // Read the session again next time: another writer may have refreshed it.
                lookup.forget(&session.token);
            }
            return (identity, None);
        };
        let mut refreshed = Session::clone(session);
        refreshed.expires_at = expires_at;
        refreshed.updated_at = updated_at;
        let refreshed = Arc::new(refreshed);
        if let Some(lookup) = &self.inner.lookup {
            lookup.remember(SessionRecord {
                session: Arc::clone(&refreshed),
                user: Arc::clone(&identity.user),
            });
        }
        let headers = match headers {
            Some(passed_on) => passed_on,
            None => self.refresh_headers(&refreshed, &identity, lifetime.expires_in),
        };
        identity.session = Some(refreshed);
        (identity, Some(headers))
    }

    /// Our headers for a refreshed session: the session cookie, `set-auth-token`, and the
    /// cookie cache's entry when one is configured (as Better Auth's `setSessionCookie` sets it).
    fn refresh_headers(
        &self,
        refreshed: &Arc<Session>,
        identity: &Identity,
        expires_in: chrono::Duration,
    ) -> RefreshHeaders {
        let headers = RefreshHeaders::new(&self.inner.config, &refreshed.token, expires_in);
        #[cfg(feature = "cookie-cache")]
        if let Some(options) = &self.inner.cookie_cache {
            let record = SessionRecord {
                session: Arc::clone(refreshed),
                user: Arc::clone(&identity.user),
            };
            let entry = crate::cookie_cache::encode(
                &record,
                options,
                &self.inner.config.secrets,
                Utc::now(),
            );
            if let Some(value) = entry {
                return headers.with_cookie_cache(
                    &self.inner.config,
                    &value,
                    options.max_age.num_seconds(),
                );
            }
        }
        #[cfg(not(feature = "cookie-cache"))]
        let _ = identity;
        headers
    }

    /// Whether the request carries a `dont_remember` cookie whose signature verifies (Better
    /// Auth's `getSignedCookie`: any signed value counts; a bad signature does not).
    fn remembers_nothing(&self, found: &Found) -> bool {
        found
            .dont_remember
            .as_deref()
            .is_some_and(|value| signing::verify(value, &self.inner.config.secrets).is_ok())
    }
}

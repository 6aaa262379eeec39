//! One write per session per refresh: the requests that read the same session (same token,
//! same `expiresAt`) and find it due share one store write, whether they arrive together or
//! a little later with a stale read (from the in-process cache, or a lookup that started before
//! the write). A session read again after the write has a new `expiresAt`, hence a new key: with
//! `updateAge` 0 every use after a write is a new refresh, as in Better Auth.

use std::{sync::Arc, time::Duration};

use moka::future::Cache;
use sha2::{Digest, Sha256};

use crate::{
    session_refresh::{Extended, Extension, RefreshHeaders},
    store::SessionStore,
};

/// The token's SHA-256 (no usable credential is kept) and the `expiresAt` read, in ms.
type FlightKey = ([u8; 32], i64);

/// How long a finished refresh answers the requests that read the session before it: longer
/// than any lookup in flight and than the in-process cache's TTL is short.
const REMEMBERED_FOR: Duration = Duration::from_secs(60);

/// What one refresh came to, shared by every request it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Flight {
    /// Written: the session now has these dates; the headers are the ones Better Auth sent
    /// when it refreshed the session itself (remote mode), else ours are sent.
    Written {
        expires_at: chrono::DateTime<chrono::Utc>,
        updated_at: chrono::DateTime<chrono::Utc>,
        headers: Option<RefreshHeaders>,
    },
    /// Not written (see [`Extended::NotDue`]), not supported, or failed (logged).
    NotWritten,
}

/// Coordinates the refresh writes of one authenticator.
#[derive(Debug)]
pub(crate) struct Refresher {
    flights: Cache<FlightKey, Flight>,
}

impl Refresher {
    /// A coordinator remembering at most `capacity` recent refreshes.
    pub(crate) fn new(capacity: u64) -> Self {
        Self {
            flights: Cache::builder()
                .max_capacity(capacity)
                .time_to_live(REMEMBERED_FOR)
                .build(),
        }
    }

    /// Refreshes the session of `token` that was read expiring at `read_expires_at` (ms), with
    /// `extension`, unless a refresh of that same read already ran or is running: then its
    /// answer. A write that fails is logged (warning) and answers [`Flight::NotWritten`]: the
    /// session was valid and the request is served.
    pub(crate) async fn refresh(
        &self,
        store: &Arc<dyn SessionStore>,
        token: &str,
        read_expires_at: i64,
        extension: Extension,
    ) -> Flight {
        let key = (Sha256::digest(token.as_bytes()).into(), read_expires_at);
        self.flights
            .get_with(key, async move {
                match store.extend_session(token, &extension).await {
                    Ok(Extended::Written) => {
                        crate::telemetry::session_refreshed();
                        Flight::Written {
                            expires_at: extension.expires_at,
                            updated_at: extension.updated_at,
                            headers: None,
                        }
                    }
                    Ok(Extended::RefreshedBy {
                        expires_at,
                        updated_at,
                        headers,
                    }) => {
                        crate::telemetry::session_refreshed();
                        Flight::Written {
                            expires_at,
                            updated_at,
                            headers: Some(headers),
                        }
                    }
                    Ok(Extended::NotDue | Extended::Unsupported) => Flight::NotWritten,
                    Err(error) => {
                        tracing::warn!(
                            target: "better_auth",
                            backend = store.backend(),
                            error = %error,
                            "session refresh not written; the request is served with the session as it was"
                        );
                        Flight::NotWritten
                    }
                }
            })
            .await
    }
}

//! The key cache: keys fetched once and reused; an unknown `kid` refetches, single-flight and
//! rate-limited; the last good set keeps serving while the source is down (up to `max_stale`);
//! a set older than `refresh_interval` is refreshed in the background while it keeps serving.

use std::{
    sync::{
        Arc, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use super::{Algorithm, KeySet, KeySource, VerifyingKey, key_set::Lookup};
use crate::error::{AuthError, BackendError};

/// How the key cache refreshes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyCacheOptions {
    /// A set older than this is refreshed in the background on the next use (default 5 min).
    pub refresh_interval: Duration,
    /// The least time between two fetches caused by unknown `kid`s or failures (default 5 s):
    /// a flood of random `kid`s costs the auth server at most one request per interval.
    pub min_refetch_interval: Duration,
    /// How long the last good set keeps serving while the source cannot be reached
    /// (default 24 h). Past it, tokens get 503s.
    pub max_stale: Duration,
    /// The algorithm of RSA keys published without `alg` (Better Auth always publishes it).
    pub default_rsa_algorithm: Option<Algorithm>,
}

impl Default for KeyCacheOptions {
    fn default() -> Self {
        Self {
            refresh_interval: Duration::from_secs(300),
            min_refetch_interval: Duration::from_secs(5),
            max_stale: Duration::from_secs(24 * 3600),
            default_rsa_algorithm: None,
        }
    }
}

/// What is known after the latest fetch attempt.
#[derive(Debug, Default)]
struct Snapshot {
    keys: KeySet,
    /// When the keys were fetched (none yet: no usable keys).
    fetched_at: Option<Instant>,
    /// When a fetch was last attempted, and its number.
    attempted_at: Option<Instant>,
    attempt: u64,
    /// Why the latest attempt failed, if it did.
    last_error: Option<BackendError>,
}

impl Snapshot {
    fn usable(&self, now: Instant, max_stale: Duration) -> bool {
        self.fetched_at
            .is_some_and(|at| now.saturating_duration_since(at) <= max_stale)
    }
}

#[derive(Debug)]
pub(crate) struct KeyCache {
    source: Arc<dyn KeySource>,
    options: KeyCacheOptions,
    state: RwLock<Arc<Snapshot>>,
    refresh_lock: Arc<tokio::sync::Mutex<()>>,
    fetches: AtomicU64,
}

impl KeyCache {
    pub(crate) fn new(source: Arc<dyn KeySource>, options: KeyCacheOptions) -> Self {
        Self {
            source,
            options,
            state: RwLock::new(Arc::new(Snapshot::default())),
            refresh_lock: Arc::new(tokio::sync::Mutex::new(())),
            fetches: AtomicU64::new(0),
        }
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        match self.state.read() {
            Ok(state) => state.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn store(&self, snapshot: Snapshot) {
        let snapshot = Arc::new(snapshot);
        match self.state.write() {
            Ok(mut state) => *state = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
    }

    /// How many fetches were attempted.
    pub(crate) fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// The key for a token's `kid` and `alg`, fetching the set if needed.
    /// The key for `kid` and `alg` when the keys at hand answer without a fetch (fresh enough,
    /// key found); a background refresh is started when due, as [`key_for`](Self::key_for)
    /// does. `None`: ask `key_for`.
    pub(crate) fn key_at_hand(
        self: &Arc<Self>,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Option<Arc<VerifyingKey>> {
        let seen = self.snapshot();
        let now = Instant::now();
        if !seen.usable(now, self.options.max_stale) {
            return None;
        }
        let Lookup::Found(key) = seen.keys.lookup(kid, alg) else {
            return None;
        };
        if seen
            .fetched_at
            .is_some_and(|at| now.saturating_duration_since(at) >= self.options.refresh_interval)
        {
            self.refresh_in_background(&seen, now);
        }
        Some(key)
    }

    pub(crate) async fn key_for(
        self: &Arc<Self>,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Arc<VerifyingKey>, AuthError> {
        let seen = self.snapshot();
        let now = Instant::now();
        if seen.usable(now, self.options.max_stale) {
            match seen.keys.lookup(kid, alg) {
                Lookup::Found(key) => {
                    if seen.fetched_at.is_some_and(|at| {
                        now.saturating_duration_since(at) >= self.options.refresh_interval
                    }) {
                        self.refresh_in_background(&seen, now);
                    }
                    return Ok(key);
                }
                Lookup::NotFound => {}
                other => return Err(lookup_error(other)),
            }
        }
        if self.recently_attempted(&seen, now) {
            // Rate-limited: answer from what we have, without asking the source again.
            return self.resolve(&seen, kid, alg, now);
        }
        let _guard = self.refresh_lock.lock().await;
        let current = self.snapshot();
        if current.attempt == seen.attempt {
            // Nobody fetched while we waited: this request does.
            self.fetch_locked(&current).await;
        }
        let current = self.snapshot();
        self.resolve(&current, kid, alg, Instant::now())
    }

    fn recently_attempted(&self, snapshot: &Snapshot, now: Instant) -> bool {
        snapshot
            .attempted_at
            .is_some_and(|at| now.saturating_duration_since(at) < self.options.min_refetch_interval)
    }

    /// The answer from a snapshot after a fetch (or without one, when rate-limited).
    fn resolve(
        &self,
        snapshot: &Snapshot,
        kid: Option<&str>,
        alg: Algorithm,
        now: Instant,
    ) -> Result<Arc<VerifyingKey>, AuthError> {
        if !snapshot.usable(now, self.options.max_stale) {
            return Err(unavailable(snapshot));
        }
        match snapshot.keys.lookup(kid, alg) {
            Lookup::Found(key) => Ok(key),
            // A key we do not have, and the source could not be asked: the token may be good.
            Lookup::NotFound if snapshot.last_error.is_some() => Err(unavailable(snapshot)),
            other => Err(lookup_error(other)),
        }
    }

    /// Fetches now (the caller holds the refresh lock) and stores the outcome.
    async fn fetch_locked(&self, previous: &Snapshot) {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let attempted_at = Instant::now();
        let attempt = previous.attempt + 1;
        let fetched = match self.source.fetch_keys().await {
            // No key at all where keys were published (a Better Auth answering 404 in the
            // middle of a deploy): kept as a failure, the last good keys serving on.
            Ok(jwks) if jwks.is_empty() && !previous.keys.is_empty() => Err(
                BackendError::invalid_data("jwks", "the key set came back empty"),
            ),
            other => other,
        };
        match fetched {
            Ok(jwks) => {
                crate::telemetry::jwks_fetched(true);
                let keys = KeySet::from_jwks(&jwks, self.options.default_rsa_algorithm);
                tracing::debug!(target: "better_auth", keys = keys.len(), "JWKS fetched");
                self.store(Snapshot {
                    keys,
                    fetched_at: Some(attempted_at),
                    attempted_at: Some(attempted_at),
                    attempt,
                    last_error: None,
                });
            }
            Err(error) => {
                crate::telemetry::jwks_fetched(false);
                tracing::warn!(target: "better_auth", %error, "JWKS fetch failed; the last good keys keep serving");
                self.store(Snapshot {
                    keys: previous.keys.clone(),
                    fetched_at: previous.fetched_at,
                    attempted_at: Some(attempted_at),
                    attempt,
                    last_error: Some(error),
                });
            }
        }
    }

    /// Fetches now, waiting for a fetch in progress instead of starting a second one.
    pub(crate) async fn refresh(&self) -> Result<usize, AuthError> {
        let seen = self.snapshot();
        let _guard = self.refresh_lock.lock().await;
        let current = self.snapshot();
        if current.attempt == seen.attempt {
            self.fetch_locked(&current).await;
        }
        let current = self.snapshot();
        match &current.last_error {
            None => Ok(current.keys.len()),
            Some(_) => Err(unavailable(&current)),
        }
    }

    /// Health without a fetch: fine until a token needed keys; then fine while usable keys are
    /// at hand, or the latest fetch worked.
    pub(crate) fn health(&self) -> Result<(), AuthError> {
        let snapshot = self.snapshot();
        if snapshot.attempt == 0
            || snapshot.usable(Instant::now(), self.options.max_stale)
            || snapshot.last_error.is_none()
        {
            Ok(())
        } else {
            Err(unavailable(&snapshot))
        }
    }

    /// Starts a refresh in the background, unless one runs or one was attempted recently.
    fn refresh_in_background(self: &Arc<Self>, seen: &Snapshot, now: Instant) {
        if self.recently_attempted(seen, now) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Ok(guard) = self.refresh_lock.clone().try_lock_owned() else {
            return;
        };
        let cache = self.clone();
        runtime.spawn(async move {
            let current = cache.snapshot();
            cache.fetch_locked(&current).await;
            drop(guard);
        });
    }
}

/// The error of a token whose key cannot be had: why the latest fetch failed (a timeout stays
/// a timeout).
fn unavailable(snapshot: &Snapshot) -> AuthError {
    AuthError::JwksUnavailable(
        snapshot
            .last_error
            .clone()
            .unwrap_or_else(|| BackendError::unavailable("jwks", "no key set could be fetched")),
    )
}

fn lookup_error(lookup: Lookup) -> AuthError {
    match lookup {
        Lookup::WrongAlgorithm => AuthError::InvalidToken {
            reason: "the token's `alg` is not the algorithm of its key",
        },
        Lookup::Ambiguous => AuthError::InvalidToken {
            reason: "the token has no `kid` and several keys could verify it",
        },
        Lookup::NotFound | Lookup::Found(_) => AuthError::UnknownKey,
    }
}

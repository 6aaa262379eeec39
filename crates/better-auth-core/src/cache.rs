//! An in-process cache in front of any [`SessionStore`]: bounded, short-lived, single-flight.
//!
//! - Keyed by the SHA-256 of the token, so the cache holds no usable credential.
//! - Single-flight: N concurrent lookups of the same uncached token make ONE backend query
//!   (moka's `try_get_with` coalesces them); the others wait for its answer.
//! - Answers "no such session" are cached too (a token that was never issued or was signed out
//!   does not come back), so a flood of one stale token costs one query per TTL.
//! - Errors are never cached: the next request asks the backend again.
//! - Expiry is still checked on every request by the [`Authenticator`](crate::Authenticator),
//!   so a cached session never outlives its `expiresAt`.
//!
//! The price is revocation delay: a session signed out or deleted in Better Auth stays accepted
//! here for up to the TTL. Keep it short (default 5 s).

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use moka::{Expiry, future::Cache};
use sha2::{Digest, Sha256};

use crate::{error::BackendError, model::SessionRecord, store::SessionStore};

/// Settings of a [`CachedStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheOptions {
    /// How long a found session is reused. This is how long a revoked session stays accepted.
    pub ttl: Duration,
    /// How long "no such session" is reused (default: the same as `ttl`). A token that was
    /// never issued or was signed out does not come back, so this may be longer.
    pub negative_ttl: Duration,
    /// The most entries kept (least recently / frequently used go first).
    pub max_entries: u64,
}

impl Default for CacheOptions {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(5),
            negative_ttl: Duration::from_secs(5),
            max_entries: 100_000,
        }
    }
}

impl CacheOptions {
    /// Options with this TTL (for found and missing sessions alike) and the default size.
    pub fn with_ttl(ttl: Duration) -> Self {
        Self {
            ttl,
            negative_ttl: ttl,
            ..Self::default()
        }
    }

    /// Sets how long "no such session" answers are reused.
    pub fn negative_ttl(mut self, ttl: Duration) -> Self {
        self.negative_ttl = ttl;
        self
    }

    /// Sets the size bound.
    pub fn max_entries(mut self, max_entries: u64) -> Self {
        self.max_entries = max_entries;
        self
    }
}

type CacheKey = [u8; 32];

/// Found answers live `ttl`, missing ones `negative_ttl` (sessions here; memberships in
/// `membership_cache.rs`).
pub(crate) struct Lifetimes {
    found: Duration,
    missing: Duration,
}

impl Lifetimes {
    /// The lifetimes of `options`.
    pub(crate) fn of(options: &CacheOptions) -> Self {
        Self {
            found: options.ttl,
            missing: options.negative_ttl,
        }
    }
}

impl<K, V> Expiry<K, Option<V>> for Lifetimes {
    fn expire_after_create(
        &self,
        _key: &K,
        value: &Option<V>,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        Some(if value.is_some() {
            self.found
        } else {
            self.missing
        })
    }
}

/// A [`SessionStore`] that caches the answers of another one.
///
/// ```
/// # async fn demo(store: std::sync::Arc<dyn better_auth_core::SessionStore>) {
/// use std::time::Duration;
/// use better_auth_core::{CacheOptions, CachedStore};
///
/// let cached = CachedStore::new(store, CacheOptions::with_ttl(Duration::from_secs(10)));
/// # }
/// ```
pub struct CachedStore<S: ?Sized = dyn SessionStore> {
    cache: Cache<CacheKey, Option<SessionRecord>>,
    inner: Arc<S>,
    options: CacheOptions,
}

impl<S: SessionStore + ?Sized> CachedStore<S> {
    /// Caches the answers of `inner`.
    pub fn new(inner: Arc<S>, options: CacheOptions) -> Self {
        let cache = Cache::builder()
            .max_capacity(options.max_entries)
            .expire_after(Lifetimes::of(&options))
            .build();
        Self {
            cache,
            inner,
            options,
        }
    }

    /// The settings.
    pub fn options(&self) -> CacheOptions {
        self.options
    }

    /// The number of cached answers (approximate: pending evictions may still count).
    pub fn entry_count(&self) -> u64 {
        self.cache.entry_count()
    }

    /// Applies the cache's pending maintenance (inserts, evictions) now; normally it runs by
    /// itself. Useful before reading [`entry_count`](Self::entry_count).
    pub async fn run_pending_tasks(&self) {
        self.cache.run_pending_tasks().await;
    }

    /// Drops every cached answer.
    pub fn clear(&self) {
        self.cache.invalidate_all();
    }

    /// The session for `token`: from the cache when there, else from the store (coalesced with
    /// concurrent lookups of the same token). An inherent method: the authenticator calls it
    /// directly, without the boxed future of the `SessionStore` trait object.
    pub async fn lookup(&self, token: &str) -> Result<Option<SessionRecord>, BackendError> {
        let inner = &self.inner;
        let asked = std::sync::atomic::AtomicBool::new(false);
        let found = self
            .cache
            .try_get_with(key(token), async {
                asked.store(true, std::sync::atomic::Ordering::Relaxed);
                inner.find_session(token).await
            })
            .await;
        // A request that waited for another's lookup of the same token asked nothing: a hit.
        let miss = asked.load(std::sync::atomic::Ordering::Relaxed);
        crate::telemetry::session_source(if miss { "miss" } else { "hit" });
        found
            // The error is shared between the coalesced callers; each gets its own copy.
            .map_err(|shared| shared.detached_copy())
    }

    /// Drops the cached answer for one token (e.g. after a sign-out this service saw).
    pub async fn forget(&self, token: &str) {
        self.cache.invalidate(&key(token)).await;
    }

    /// Replaces the cached answer for `record`'s token (after a refresh this service wrote:
    /// the cache then serves the new `expiresAt`, never the old one). Lives `ttl` again.
    pub async fn remember(&self, record: SessionRecord) {
        let key = key(&record.session.token);
        self.cache.insert(key, Some(record)).await;
    }
}

impl<S: SessionStore + ?Sized> std::fmt::Debug for CachedStore<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedStore")
            .field("inner", &self.inner)
            .field("options", &self.options)
            .field("entries", &self.cache.entry_count())
            .finish()
    }
}

fn key(token: &str) -> CacheKey {
    Sha256::digest(token.as_bytes()).into()
}

#[async_trait]
impl<S: SessionStore + ?Sized> SessionStore for CachedStore<S> {
    async fn find_session(&self, token: &str) -> Result<Option<SessionRecord>, BackendError> {
        self.lookup(token).await
    }

    /// Refreshes through the inner store, then drops this token's cached answer.
    async fn extend_session(
        &self,
        token: &str,
        extension: &crate::session_refresh::Extension,
    ) -> Result<crate::session_refresh::Extended, BackendError> {
        let extended = self.inner.extend_session(token, extension).await;
        self.forget(token).await;
        extended
    }

    async fn check_health(&self) -> Result<(), BackendError> {
        self.inner.check_health().await
    }

    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
}

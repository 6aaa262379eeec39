//! An in-process cache in front of any [`SessionStore`]: bounded, short-lived, single-flight.
//!
//! - Keyed by a keyed hash of the token (SipHash-1-3, 128 bits, a random key per process), so
//!   the keys are no usable credential and nobody outside the process can steer two tokens
//!   onto one key.
//! - Bounded by `max_entries`, with S3-FIFO eviction (`quick_cache`): about 60 bytes of
//!   bookkeeping per entry beside the record.
//! - Single-flight and batched: N concurrent lookups of the same uncached token make ONE
//!   backend query, and concurrent lookups of different tokens share queries (see
//!   [`BatchOptions`]); the others wait for its answer.
//! - Answers "no such session" are cached too (a token that was never issued or was signed out
//!   does not come back), so a flood of one stale token costs one query per TTL.
//! - Errors are never cached: the next request asks the backend again.
//! - Expiry is still checked on every request by the [`Authenticator`](crate::Authenticator),
//!   so a cached session never outlives its `expiresAt`.
//!
//! The price is revocation delay: a session signed out or deleted in Better Auth stays accepted
//! here for up to the TTL. Keep it short (default 5 s).

use std::sync::Arc;

use async_trait::async_trait;

use super::{BatchOptions, CacheOptions, SessionLookup};
use crate::{error::BackendError, model::SessionRecord, store::SessionStore};

/// A [`SessionStore`] that caches the answers of another one, and batches its misses (see
/// [`BatchOptions`]).
///
/// ```
/// # async fn demo(store: std::sync::Arc<dyn better_auth_core::store::SessionStore>) {
/// use std::time::Duration;
/// use better_auth_core::{CacheOptions, CachedStore};
///
/// let cached = CachedStore::new(store, CacheOptions::with_ttl(Duration::from_secs(10)));
/// # }
/// ```
pub struct CachedStore<S: ?Sized = dyn SessionStore> {
    lookup: SessionLookup,
    inner: Arc<S>,
    options: CacheOptions,
}

impl<S: SessionStore + ?Sized> CachedStore<S> {
    /// Caches the answers of `inner`; misses batched with the default [`BatchOptions`].
    pub fn new(inner: Arc<S>, options: CacheOptions) -> Self {
        Self::with_batch(inner, options, BatchOptions::default())
    }

    /// Caches the answers of `inner`; misses batched with `batch`.
    pub fn with_batch(inner: Arc<S>, options: CacheOptions, batch: BatchOptions) -> Self {
        // `Arc<S>` is itself a sized `SessionStore`, whatever `S` is.
        let store: Arc<dyn SessionStore> = Arc::new(Arc::clone(&inner));
        Self {
            lookup: SessionLookup::new(store, Some(options), batch),
            inner,
            options,
        }
    }

    /// The settings.
    pub fn options(&self) -> CacheOptions {
        self.options
    }

    /// The number of cached answers (expired ones count until they are evicted).
    pub fn entry_count(&self) -> u64 {
        self.lookup.cached() as u64
    }

    /// Kept for compatibility: the cache applies inserts and evictions as they happen, so
    /// nothing is ever pending.
    pub async fn run_pending_tasks(&self) {}

    /// Drops every cached answer.
    pub fn clear(&self) {
        self.lookup.clear();
    }

    /// The session for `token`: from the cache when there, else from the store (in the next
    /// batch, shared with concurrent lookups of the same token). An inherent method: callers
    /// holding the concrete type skip the boxed future of the `SessionStore` trait object.
    pub async fn lookup(&self, token: &str) -> Result<Option<SessionRecord>, BackendError> {
        self.lookup.find(token, None, None).await
    }

    /// Drops the cached answer for one token (e.g. after a sign-out this service saw).
    pub async fn forget(&self, token: &str) {
        self.lookup.forget(token);
    }

    /// Replaces the cached answer for `record`'s token (after a refresh this service wrote:
    /// the cache then serves the new `expiresAt`, never the old one). Lives `ttl` again.
    pub async fn remember(&self, record: SessionRecord) {
        self.lookup.remember(record);
    }
}

impl<S: SessionStore + ?Sized> std::fmt::Debug for CachedStore<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedStore")
            .field("inner", &self.inner)
            .field("options", &self.options)
            .field("batch", &self.lookup.batch_options())
            .field("entries", &self.lookup.cached())
            .finish()
    }
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

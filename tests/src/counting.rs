//! A wrapper that counts the lookups and refresh writes reaching a real store: one
//! `find_session` (or `find_sessions` batch) is one query, one `extend_session` one write.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use async_trait::async_trait;
use better_auth_core::{BackendError, SessionRecord, store::SessionStore};

/// Counts `find_session` calls, then asks the real store.
#[derive(Debug)]
pub struct CountingStore {
    inner: Arc<dyn SessionStore>,
    lookups: AtomicUsize,
    tokens: AtomicUsize,
    extensions: AtomicUsize,
}

impl CountingStore {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn SessionStore>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            lookups: AtomicUsize::new(0),
            tokens: AtomicUsize::new(0),
            extensions: AtomicUsize::new(0),
        })
    }

    /// Refresh writes (`extend_session` calls) so far.
    pub fn extensions(&self) -> usize {
        self.extensions.load(Ordering::SeqCst)
    }

    /// Lookups so far.
    pub fn lookups(&self) -> usize {
        self.lookups.load(Ordering::SeqCst)
    }

    /// Tokens asked so far (a batch asks several in one lookup).
    pub fn tokens(&self) -> usize {
        self.tokens.load(Ordering::SeqCst)
    }

    /// Starts counting lookups and tokens from zero again.
    pub fn reset_lookups(&self) {
        self.lookups.store(0, Ordering::SeqCst);
        self.tokens.store(0, Ordering::SeqCst);
    }
}

#[async_trait]
impl SessionStore for CountingStore {
    async fn find_session(&self, token: &str) -> Result<Option<SessionRecord>, BackendError> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        self.tokens.fetch_add(1, Ordering::SeqCst);
        self.inner.find_session(token).await
    }

    /// A batch is one query too (none for no tokens).
    async fn find_sessions(
        &self,
        queries: &[better_auth_core::store::SessionQuery<'_>],
    ) -> Vec<better_auth_core::store::SessionAnswer> {
        if !queries.is_empty() {
            self.lookups.fetch_add(1, Ordering::SeqCst);
        }
        self.tokens.fetch_add(queries.len(), Ordering::SeqCst);
        self.inner.find_sessions(queries).await
    }

    async fn extend_session(
        &self,
        token: &str,
        extension: &better_auth_core::store::Extension,
    ) -> Result<better_auth_core::store::Extended, BackendError> {
        self.extensions.fetch_add(1, Ordering::SeqCst);
        self.inner.extend_session(token, extension).await
    }

    async fn check_health(&self) -> Result<(), BackendError> {
        self.inner.check_health().await
    }

    fn backend(&self) -> &'static str {
        "counting"
    }
}

//! How the authenticator finds a session by its token: the in-process cache of answers (when
//! on), then the store through the batcher (concurrent misses share queries).
//!
//! - `answer_cache.rs`: the bounded cache of answers (hot and cold tiers) and their lifetimes.
//! - `packed.rs`: a record packed in one allocation, for the cold tier.
//! - `batch.rs`: the batcher in front of the store.

use std::{net::IpAddr, sync::Arc};

mod answer_cache;
mod batch;
mod cached_store;
mod options;
mod packed;

use crate::cache_keys::Keys;
use answer_cache::AnswerCache;
pub use batch::BatchOptions;
use batch::Batcher;
pub use cached_store::CachedStore;
pub use options::CacheOptions;

use crate::{error::BackendError, model::SessionRecord, store::SessionStore};

/// The cache (optional) and the batcher in front of one session store.
#[derive(Clone)]
pub(crate) struct SessionLookup {
    keys: Keys,
    records: Option<Arc<AnswerCache>>,
    batcher: Batcher,
}

impl SessionLookup {
    /// Looks sessions up in `store`, through a cache with `cache` options when given.
    pub(crate) fn new(
        store: Arc<dyn SessionStore>,
        cache: Option<CacheOptions>,
        batch: BatchOptions,
    ) -> Self {
        let records = cache.map(|options| Arc::new(AnswerCache::new(&options)));
        Self {
            keys: Keys::random(),
            batcher: Batcher::new(store, records.clone(), batch),
            records,
        }
    }

    /// The cached answer for `value`, a signed value (`TOKEN.SIGNATURE`) exactly as one whose
    /// signature was verified when the answer was cached: then the signature needs no second
    /// check. `None`: not cached for this exact value (verify it, then [`find`](Self::find)).
    ///
    /// Why this is safe: the answer is returned only when the keyed hash of `value` equals the
    /// one recorded for a value that passed the HMAC check, and that hash is a pseudorandom
    /// function under a key that never leaves the process: a different value (another
    /// signature for a token, a tampered token) matches with probability about 2^-128. The
    /// token part must also hash to the entry's key, and the caller still compares the
    /// record's token with it byte for byte.
    pub(crate) fn answer_signed(&self, value: &str) -> Option<Option<SessionRecord>> {
        let records = self.records.as_ref()?;
        let token = value.rsplit_once('.')?.0;
        let entry = records.get_hot(self.keys.token(token))?;
        let proven = entry.signed != 0 && entry.signed == self.keys.signed(value);
        if !proven {
            return None;
        }
        crate::telemetry::session_source("hit");
        Some(entry.answer)
    }

    /// The session of `token`, whose signature verified (`signed`: the signed value it came
    /// in, if it was signed): from the cache, else from the store in the next batch, asked
    /// for `client` (the address of the client whose request asks, when known).
    pub(crate) async fn find(
        &self,
        token: &str,
        signed: Option<&str>,
        client: Option<IpAddr>,
    ) -> Result<Option<SessionRecord>, BackendError> {
        let key = self.keys.token(token);
        let signed = signed.map_or(0, |value| self.keys.signed(value));
        if let Some(records) = &self.records {
            if let Some(entry) = records.get(key, token) {
                crate::telemetry::session_source("hit");
                let answer = entry.answer.clone();
                if signed != 0 {
                    records.mark_signed(key, entry, signed);
                }
                return Ok(answer);
            }
            crate::telemetry::session_source("miss");
        }
        self.batcher.find(token, key, signed, client).await
    }

    /// Drops the cached answer for `token`.
    pub(crate) fn forget(&self, token: &str) {
        if let Some(records) = &self.records {
            records.remove(self.keys.token(token));
        }
    }

    /// Replaces the cached answer for `record`'s token (after a refresh this service wrote),
    /// keeping the signed value already proven for it; lives `ttl` again.
    pub(crate) fn remember(&self, record: SessionRecord) {
        if let Some(records) = &self.records {
            let key = self.keys.token(&record.session.token);
            let signed = records.get_hot(key).map_or(0, |entry| entry.signed);
            records.insert(key, Some(record), signed);
        }
    }

    /// The number of cached answers.
    pub(crate) fn cached(&self) -> usize {
        self.records.as_ref().map_or(0, |records| records.len())
    }

    /// Drops every cached answer.
    pub(crate) fn clear(&self) {
        if let Some(records) = &self.records {
            records.clear();
        }
    }

    /// The batching options.
    pub(crate) fn batch_options(&self) -> BatchOptions {
        self.batcher.options()
    }
}

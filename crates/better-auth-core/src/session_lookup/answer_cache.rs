//! The in-process cache of session answers, in two tiers, each bounded (S3-FIFO eviction,
//! `quick_cache`) and indexed by the keyed hash of the token:
//!
//! - hot: the most recently used answers as typed records, ready to hand out (two `Arc`
//!   clones); at most `hot_entries` of them;
//! - cold: every answer (up to `max_entries`), each packed in one allocation of about 300
//!   bytes (`packed.rs`); a cold hit unpacks the record (about a microsecond) and moves it to
//!   the hot tier.
//!
//! Each answer is kept for its lifetime (found: `ttl`, missing: `negative_ttl`). A hot entry
//! also remembers the keyed hash of the signed value (`TOKEN.SIGNATURE`) whose signature was
//! verified for it: a request presenting that exact value again is answered without computing
//! the HMAC again (see [`super::SessionLookup::answer_signed`]).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use super::CacheOptions;
use super::packed;
use crate::cache_keys::Key;
use crate::model::SessionRecord;

/// A cached answer, ready to hand out.
#[derive(Clone)]
pub(crate) struct Entry {
    /// The session and its user, or `None`: no such session.
    pub(crate) answer: Option<SessionRecord>,
    /// When it stops being used.
    expires: Instant,
    /// The keyed hash of the signed value verified for it (0: none yet).
    pub(crate) signed: Key,
}

/// A cached answer, packed.
#[derive(Clone)]
struct Cold {
    /// The packed record, or `None`: no such session.
    packed: Option<Arc<[u8]>>,
    expires: Instant,
}

/// The two tiers.
pub(crate) struct AnswerCache {
    hot: quick_cache::sync::Cache<Key, Entry>,
    cold: quick_cache::sync::Cache<Key, Cold>,
    found_ttl: Duration,
    missing_ttl: Duration,
}

fn capacity(entries: u64) -> usize {
    usize::try_from(entries.max(1)).unwrap_or(usize::MAX)
}

impl AnswerCache {
    /// Bounded and timed by `options`.
    pub(crate) fn new(options: &CacheOptions) -> Self {
        Self {
            hot: quick_cache::sync::Cache::new(capacity(
                options.hot_entries.min(options.max_entries),
            )),
            cold: quick_cache::sync::Cache::new(capacity(options.max_entries)),
            found_ttl: options.ttl,
            missing_ttl: options.negative_ttl,
        }
    }

    /// The live entry for `key` (the key of `token`), if any (an expired one is none): from
    /// the hot tier, else unpacked from the cold one (and moved to the hot tier).
    pub(crate) fn get(&self, key: Key, token: &str) -> Option<Entry> {
        let now = Instant::now();
        if let Some(entry) = self.hot.get(&key) {
            return (entry.expires > now).then_some(entry);
        }
        let cold = self.cold.get(&key).filter(|cold| cold.expires > now)?;
        let answer = match &cold.packed {
            None => None,
            Some(packed) => Some(packed::unpack(packed, token)?),
        };
        let entry = Entry {
            answer,
            expires: cold.expires,
            signed: 0,
        };
        self.hot.insert(key, entry.clone());
        Some(entry)
    }

    /// The live hot entry for `key`, if any.
    pub(crate) fn get_hot(&self, key: Key) -> Option<Entry> {
        self.hot
            .get(&key)
            .filter(|entry| entry.expires > Instant::now())
    }

    /// Keeps `answer` for `key` for its lifetime, in both tiers, with the signed value
    /// verified for it.
    pub(crate) fn insert(&self, key: Key, answer: Option<SessionRecord>, signed: Key) {
        let ttl = if answer.is_some() {
            self.found_ttl
        } else {
            self.missing_ttl
        };
        if ttl.is_zero() {
            return;
        }
        let expires = Instant::now() + ttl;
        let packed = answer.as_ref().map(packed::pack);
        match packed {
            Some(None) => {
                // Not packable: the hot tier only.
                self.cold.remove(&key);
            }
            Some(Some(packed)) => self.cold.insert(
                key,
                Cold {
                    packed: Some(Arc::from(packed)),
                    expires,
                },
            ),
            None => self.cold.insert(
                key,
                Cold {
                    packed: None,
                    expires,
                },
            ),
        }
        self.hot.insert(
            key,
            Entry {
                answer,
                expires,
                signed,
            },
        );
    }

    /// Marks the live entry of `key` as proven by the signed value `signed` (same answer, same
    /// expiry).
    pub(crate) fn mark_signed(&self, key: Key, entry: Entry, signed: Key) {
        if entry.signed != signed {
            self.hot.insert(key, Entry { signed, ..entry });
        }
    }

    /// Drops the answer for `key`.
    pub(crate) fn remove(&self, key: Key) {
        self.hot.remove(&key);
        self.cold.remove(&key);
    }

    /// Drops every answer.
    pub(crate) fn clear(&self) {
        self.hot.clear();
        self.cold.clear();
    }

    /// The number of answers held (expired ones included until evicted).
    pub(crate) fn len(&self) -> usize {
        self.cold.len().max(self.hot.len())
    }
}

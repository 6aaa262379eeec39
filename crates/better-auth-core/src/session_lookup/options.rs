//! [`CacheOptions`]: how long the in-process cache keeps an answer, and how many.

use std::time::Duration;

/// Settings of a [`CachedStore`](super::CachedStore).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheOptions {
    /// How long a found session is reused. This is how long a revoked session stays accepted.
    pub ttl: Duration,
    /// How long "no such session" is reused (default: the same as `ttl`). A token that was
    /// never issued or was signed out does not come back, so this may be longer.
    pub negative_ttl: Duration,
    /// The most entries kept (least recently / frequently used go first), each packed in one
    /// allocation of about 300 bytes.
    pub max_entries: u64,
    /// Of those, how many are also kept as typed records, ready to hand out (default 4,096):
    /// the others are unpacked when used (about a microsecond), then kept so.
    pub hot_entries: u64,
}

impl Default for CacheOptions {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(5),
            negative_ttl: Duration::from_secs(5),
            max_entries: 100_000,
            hot_entries: 4_096,
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

    /// Sets how many entries are kept as typed records, ready to hand out.
    pub fn hot_entries(mut self, hot_entries: u64) -> Self {
        self.hot_entries = hot_entries;
        self
    }
}

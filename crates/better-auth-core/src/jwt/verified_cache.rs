//! Tokens already verified, kept (bounded) until their `exp`: a client sends the same JWT for
//! its whole lifetime (15 minutes by default in Better Auth), so the signature check, by far the
//! costliest step of the JWT path, runs once per token instead of once per request.
//!
//! An entry answers only for the exact token it was made from (looked up by its keyed hash:
//! SipHash-1-3, 128 bits, a random key per process; the token itself is not kept), only
//! while the key that verified it is still the one the key set holds for its `kid` (a refresh
//! that drops or replaces the key drops the entry), and only while its claims pass every rule
//! of a full verification (`exp`, `nbf`, `iat`, the maximum age, `iss`, `aud`: checked again on
//! every hit). A token that failed is never cached: it is verified, and refused, every time.
//! A hit shares the claims (`Arc`): nothing is copied.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::Utc;

use super::{Algorithm, JwtClaims, VerifyingKey};
use crate::cache_keys::{Key, Keys};

/// Settings of the verified-token cache of [`JwksVerifier`](super::JwksVerifier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedTokenCacheOptions {
    /// The most tokens kept (default 10,000; 0 turns the cache off).
    pub max_entries: u64,
    /// The most bytes the kept tokens' claims may take, estimated per entry from the token's
    /// length (default 32 MiB): long tokens count for more than short ones.
    pub max_bytes: u64,
    /// The longest a token is kept, even if its `exp` is later (default 5 minutes).
    pub max_ttl: Duration,
}

impl Default for VerifiedTokenCacheOptions {
    fn default() -> Self {
        Self {
            max_entries: 10_000,
            max_bytes: 32 * 1024 * 1024,
            max_ttl: Duration::from_secs(300),
        }
    }
}

impl VerifiedTokenCacheOptions {
    /// No cache: every request verifies its token's signature.
    pub fn disabled() -> Self {
        Self {
            max_entries: 0,
            ..Self::default()
        }
    }
}

/// A verified token: its claims, and the key and header fields it was verified with.
#[derive(Debug)]
pub(crate) struct Verified {
    pub(crate) claims: Arc<JwtClaims>,
    pub(crate) key: Arc<VerifyingKey>,
    pub(crate) kid: Option<String>,
    pub(crate) alg: Algorithm,
    expires: Instant,
    /// What it counts for against the bounds (see [`ByWeight`]).
    weight: u64,
}

/// The bound: each entry weighs its estimated bytes (twice the token's length, for the
/// decoded claims and their typed copy, plus a fixed 256 for the entry itself) but at least
/// `max_bytes / max_entries`; the cache holds `max_bytes` of weight. So neither more than
/// `max_entries` entries nor more than about `max_bytes` bytes are kept.
#[derive(Clone)]
struct ByWeight;

impl quick_cache::Weighter<Key, Arc<Verified>> for ByWeight {
    fn weight(&self, _key: &Key, value: &Arc<Verified>) -> u64 {
        value.weight
    }
}

/// The cache itself.
#[derive(Clone)]
pub(crate) struct VerifiedTokens {
    cache: Arc<quick_cache::sync::Cache<Key, Arc<Verified>, ByWeight>>,
    keys: Keys,
    max_ttl: Duration,
    min_weight: u64,
}

impl std::fmt::Debug for VerifiedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedTokens")
            .field("entries", &self.cache.len())
            .field("weight", &self.cache.weight())
            .field("max_ttl", &self.max_ttl)
            .finish_non_exhaustive()
    }
}

impl VerifiedTokens {
    /// `None` when the options turn it off.
    pub(crate) fn new(options: VerifiedTokenCacheOptions) -> Option<Self> {
        (options.max_entries > 0).then(|| {
            let max_bytes = options.max_bytes.max(1);
            let estimated = usize::try_from(options.max_entries).unwrap_or(usize::MAX);
            Self {
                cache: Arc::new(quick_cache::sync::Cache::with_weighter(
                    estimated, max_bytes, ByWeight,
                )),
                keys: Keys::random(),
                max_ttl: options.max_ttl,
                min_weight: (max_bytes / options.max_entries).max(1),
            }
        })
    }

    /// The cache key of a token: its keyed hash (the token itself is not kept).
    pub(crate) fn digest(&self, token: &str) -> Key {
        self.keys.token(token)
    }

    /// The live entry for this token, if any. The caller checks the claims again (every rule,
    /// on every hit).
    pub(crate) fn get(&self, digest: &Key) -> Option<Arc<Verified>> {
        self.cache
            .get(digest)
            .filter(|entry| entry.expires > Instant::now())
    }

    /// Forgets a token (its key is gone or changed).
    pub(crate) fn forget(&self, digest: &Key) {
        self.cache.remove(digest);
    }

    /// Keeps `token`, which just verified, until its `exp` (plus `leeway`) or `max_ttl`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn insert(
        &self,
        digest: Key,
        token: &str,
        claims: &Arc<JwtClaims>,
        key: Arc<VerifyingKey>,
        kid: Option<&str>,
        alg: Algorithm,
        leeway: Duration,
    ) {
        let until_exp = (claims.expires_at - Utc::now())
            .to_std()
            .unwrap_or_default()
            .saturating_add(leeway);
        let lifetime = until_exp.min(self.max_ttl);
        if lifetime.is_zero() {
            return;
        }
        let estimated = 256 + 2 * token.len() as u64;
        let entry = Verified {
            claims: Arc::clone(claims),
            key,
            kid: kid.map(str::to_owned),
            alg,
            expires: Instant::now() + lifetime,
            weight: estimated.max(self.min_weight),
        };
        self.cache.insert(digest, Arc::new(entry));
    }
}

//! Tokens already verified, kept (bounded) until their `exp`: a client sends the same JWT for
//! its whole lifetime (15 minutes by default in Better Auth), so the signature check, by far the
//! costliest step of the JWT path, runs once per token instead of once per request.
//!
//! An entry answers only for the exact token it was made from (looked up by its SHA-256), only
//! while the key that verified it is still the one the key set holds for its `kid` (a refresh
//! that drops or replaces the key drops the entry), and only while its claims pass every rule
//! of a full verification (`exp`, `nbf`, `iat`, the maximum age, `iss`, `aud`: checked again on
//! every hit). A token that failed is never cached: it is verified, and refused, every time.
//! A hit shares the claims (`Arc`): nothing is copied.

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use moka::{Expiry, future::Cache};
use sha2::{Digest, Sha256};

use super::{Algorithm, JwtClaims, VerifyingKey};

/// Settings of the verified-token cache of [`JwksVerifier`](super::JwksVerifier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedTokenCacheOptions {
    /// The most tokens kept (default 10,000; 0 turns the cache off).
    pub max_entries: u64,
    /// The longest a token is kept, even if its `exp` is later (default 5 minutes).
    pub max_ttl: Duration,
}

impl Default for VerifiedTokenCacheOptions {
    fn default() -> Self {
        Self {
            max_entries: 10_000,
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
    lifetime: Duration,
}

type TokenDigest = [u8; 32];

struct UntilExpiry;

impl Expiry<TokenDigest, Arc<Verified>> for UntilExpiry {
    fn expire_after_create(
        &self,
        _key: &TokenDigest,
        value: &Arc<Verified>,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        Some(value.lifetime)
    }
}

/// The cache itself.
#[derive(Debug, Clone)]
pub(crate) struct VerifiedTokens {
    cache: Cache<TokenDigest, Arc<Verified>>,
    max_ttl: Duration,
}

impl VerifiedTokens {
    /// `None` when the options turn it off.
    pub(crate) fn new(options: VerifiedTokenCacheOptions) -> Option<Self> {
        (options.max_entries > 0).then(|| Self {
            cache: Cache::builder()
                .max_capacity(options.max_entries)
                .expire_after(UntilExpiry)
                .build(),
            max_ttl: options.max_ttl,
        })
    }

    pub(crate) fn digest(token: &str) -> TokenDigest {
        Sha256::digest(token.as_bytes()).into()
    }

    /// The entry for this token, if any. The caller checks the claims again (every rule, on
    /// every hit).
    pub(crate) async fn get(&self, digest: &TokenDigest) -> Option<Arc<Verified>> {
        self.cache.get(digest).await
    }

    /// Forgets a token (its key is gone or changed).
    pub(crate) async fn forget(&self, digest: &TokenDigest) {
        self.cache.invalidate(digest).await;
    }

    /// Keeps a token that just verified, until its `exp` (plus `leeway`) or `max_ttl`.
    pub(crate) async fn insert(
        &self,
        digest: TokenDigest,
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
        let entry = Verified {
            claims: Arc::clone(claims),
            key,
            kid: kid.map(str::to_owned),
            alg,
            lifetime,
        };
        self.cache.insert(digest, Arc::new(entry)).await;
    }
}

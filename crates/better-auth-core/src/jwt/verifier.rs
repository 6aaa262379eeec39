//! [`JwksVerifier`]: Better Auth JWT plugin tokens, verified with the keys of its JWKS.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use chrono::Utc;
use url::Url;

use super::{
    Algorithm, HttpJwks, JwtClaims, JwtValidation, KeyCacheOptions, KeySource, TokenVerifier,
    VerifiedTokenCacheOptions, claims, compact, key_cache::KeyCache,
    verified_cache::VerifiedTokens,
};
use crate::{config::ConfigError, error::AuthError};

/// Settings of the HTTP key source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchOptions {
    /// The time limit of one JWKS request (default 2 s).
    pub timeout: Duration,
    /// The largest JWKS body accepted (default 256 KiB).
    pub max_body_bytes: usize,
}

impl FetchOptions {
    /// The HTTP key source for `url` with these settings (a startup error if the client
    /// cannot be built).
    pub(crate) fn http_source(self, url: Url) -> Result<HttpJwks, ConfigError> {
        HttpJwks::new(url, self.timeout, self.max_body_bytes).map_err(|error| {
            ConfigError::Connect {
                backend: "jwks",
                source: Box::new(error),
            }
        })
    }
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(2),
            max_body_bytes: 256 * 1024,
        }
    }
}

/// Verifies Better Auth JWT plugin tokens (`GET /api/auth/token`, or the `set-auth-jwt` header
/// of `get-session`) with the public keys of its JWKS.
///
/// - Each key verifies only with the algorithm it was published for; `alg: none`, HMAC and any
///   algorithm Better Auth does not sign with are refused before a key is looked at.
/// - `exp` is required; `nbf` and `iat` are honoured with a small leeway; `iss` and `aud` must
///   match (Better Auth's default: the origin of `BETTER_AUTH_URL`).
/// - Keys are cached; see [`KeyCacheOptions`] for refresh, rate limiting and staleness.
/// - Tokens that verified are remembered until their `exp` (bounded; see
///   [`VerifiedTokenCacheOptions`]): the same token sent again skips the signature check, as
///   long as the key that verified it is still published.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use better_auth_core::jwt::{JwksVerifier, TokenVerifier};
///
/// let url = url::Url::parse("https://app.example.com")?;
/// let verifier = JwksVerifier::for_better_auth(&url)?;
/// let claims = verifier.verify_token("eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiJ9...").await?;
/// println!("user {}", claims.subject);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct JwksVerifier {
    keys: Arc<KeyCache>,
    validation: JwtValidation,
    verified: Option<VerifiedTokens>,
    hits: Arc<AtomicU64>,
}

impl JwksVerifier {
    /// A verifier over any key source.
    pub fn new(
        source: impl KeySource,
        options: KeyCacheOptions,
        validation: JwtValidation,
    ) -> Self {
        Self {
            keys: Arc::new(KeyCache::new(Arc::new(source), options)),
            validation,
            verified: VerifiedTokens::new(VerifiedTokenCacheOptions::default()),
            hits: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Sets the verified-token cache (on by default; [`VerifiedTokenCacheOptions::disabled`]
    /// verifies every signature every time).
    pub fn verified_token_cache(mut self, options: VerifiedTokenCacheOptions) -> Self {
        self.verified = VerifiedTokens::new(options);
        self
    }

    /// A verifier fetching the JWKS at `url`.
    pub fn from_url(
        url: Url,
        fetch: FetchOptions,
        options: KeyCacheOptions,
        validation: JwtValidation,
    ) -> Result<Self, ConfigError> {
        Ok(Self::new(fetch.http_source(url)?, options, validation))
    }

    /// Better Auth's defaults for the server at `base_url` (`BETTER_AUTH_URL`): keys from
    /// `{base_url}/api/auth/jwks` (or `{base_url}/jwks` when the URL has a path, as Better Auth
    /// reads it), `iss` and `aud` equal to its origin.
    pub fn for_better_auth(base_url: &Url) -> Result<Self, ConfigError> {
        let url = crate::config::auth_endpoint(base_url, "/jwks")?;
        let origin = base_url.origin().ascii_serialization();
        Self::from_url(
            url,
            FetchOptions::default(),
            KeyCacheOptions::default(),
            JwtValidation::for_origin(origin),
        )
    }

    /// The claim checks.
    pub fn validation(&self) -> &JwtValidation {
        &self.validation
    }

    /// Fetches the key set now (e.g. at startup, to fail early); the number of usable keys.
    pub async fn refresh(&self) -> Result<usize, AuthError> {
        self.keys.refresh().await
    }

    /// The key cache, shared with the cookie cache's `jwks` strategy (one set of keys, one
    /// fetch, for both).
    #[cfg(feature = "cookie-cache")]
    pub(crate) fn key_cache(&self) -> &Arc<KeyCache> {
        &self.keys
    }

    /// How many times the key source was asked (for tests and metrics).
    pub fn fetch_count(&self) -> u64 {
        self.keys.fetch_count()
    }

    /// How many tokens were answered from the verified-token cache (for tests and metrics).
    pub fn verified_cache_hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

#[async_trait]
impl TokenVerifier for JwksVerifier {
    async fn verify_token(&self, token: &str) -> Result<Arc<JwtClaims>, AuthError> {
        if let Some(answer) = self.verify_cached(token) {
            return answer;
        }
        let jws = compact::parse(token).map_err(|reason| AuthError::InvalidToken { reason })?;
        claims::check_type(jws.header.typ.as_deref(), &self.validation)?;
        let alg = Algorithm::from_name(&jws.header.alg).ok_or(AuthError::InvalidToken {
            reason: "the token's algorithm is not accepted",
        })?;
        let key = self.keys.key_for(jws.header.kid.as_deref(), alg).await?;
        if key.algorithm() != alg {
            return Err(AuthError::InvalidToken {
                reason: "the token's `alg` is not the algorithm of its key",
            });
        }
        if !key.verify(jws.signing_input.as_bytes(), &jws.signature) {
            return Err(AuthError::InvalidToken {
                reason: "the signature does not verify",
            });
        }
        let payload = compact::decode_payload(jws.payload)
            .map_err(|reason| AuthError::InvalidToken { reason })?;
        let claims = Arc::new(claims::validate(&payload, &self.validation, Utc::now())?);
        if let Some(verified) = &self.verified {
            let (digest, kid) = (verified.digest(token), jws.header.kid.as_deref());
            verified.insert(
                digest,
                token,
                &claims,
                key,
                kid,
                alg,
                self.validation.leeway,
            );
        }
        Ok(claims)
    }

    /// A verified-token cache hit whose key is the one the keys at hand hold now, its claims
    /// checked again: no signature, no I/O, nothing allocated. An entry whose key is gone or
    /// replaced, or whose claims fail, is dropped (the token is then verified from scratch, or
    /// refused).
    fn verify_cached(&self, token: &str) -> Option<Result<Arc<JwtClaims>, AuthError>> {
        let verified = self.verified.as_ref()?;
        let digest = verified.digest(token);
        let hit = verified.get(&digest)?;
        match self.keys.key_at_hand(hit.kid.as_deref(), hit.alg) {
            Some(key) if Arc::ptr_eq(&key, &hit.key) => {}
            // Replaced, dropped, or the keys need a fetch: verify again from scratch.
            _ => {
                verified.forget(&digest);
                return None;
            }
        }
        self.hits.fetch_add(1, Ordering::Relaxed);
        if let Err(error) = claims::check(&hit.claims, &self.validation, Utc::now()) {
            verified.forget(&digest);
            return Some(Err(error));
        }
        Some(Ok(Arc::clone(&hit.claims)))
    }

    /// No fetch: healthy until a token needed keys, then while usable keys are at hand (so a
    /// deployment that never sends JWTs is not unhealthy for lack of a JWKS).
    async fn check_health(&self) -> Result<(), AuthError> {
        self.keys.health()
    }
}

//! [`CookieCacheKeys`]: the public keys and the issuer the `jwks` strategy checks entries
//! against.

use std::sync::Arc;

use url::Url;

use crate::{
    config::ConfigError,
    jwt::{FetchOptions, JwksVerifier, KeyCacheOptions, KeySource, key_cache::KeyCache},
};

/// The `iss` Better Auth writes when it has no base URL.
pub const ISSUER_WITHOUT_BASE_URL: &str = "better-auth:session-cache";

/// What the `jwks` strategy verifies entries with: the keys of Better Auth's JWT plugin (its
/// JWKS, through the same key cache as JWT verification: fetched once, an unknown `kid`
/// refetched at most once per [`KeyCacheOptions::min_refetch_interval`]) and the `iss` the
/// entries must carry.
///
/// ```no_run
/// # fn demo() -> Result<(), better_auth_core::ConfigError> {
/// use better_auth_core::cookie_cache::{CookieCacheKeys, CookieCacheOptions};
///
/// let base_url = url::Url::parse("https://app.example.com").expect("a URL");
/// let options = CookieCacheOptions::jwks(CookieCacheKeys::for_better_auth(&base_url)?);
/// # let _ = options; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct CookieCacheKeys {
    pub(super) keys: Arc<KeyCache>,
    pub(super) issuer: String,
}

impl PartialEq for CookieCacheKeys {
    /// The same key cache (not merely the same source) and the same issuer.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.keys, &other.keys) && self.issuer == other.issuer
    }
}

impl Eq for CookieCacheKeys {}

impl CookieCacheKeys {
    /// Keys from any source, entries required to carry `iss` = `issuer` (see
    /// [`issuer_for`](Self::issuer_for)).
    pub fn new(
        source: impl KeySource,
        options: KeyCacheOptions,
        issuer: impl Into<String>,
    ) -> Self {
        Self {
            keys: Arc::new(KeyCache::new(Arc::new(source), options)),
            issuer: issuer.into(),
        }
    }

    /// Keys fetched from the JWKS at `url`.
    pub fn from_url(
        url: Url,
        fetch: FetchOptions,
        options: KeyCacheOptions,
        issuer: impl Into<String>,
    ) -> Result<Self, ConfigError> {
        Ok(Self::new(fetch.http_source(url)?, options, issuer))
    }

    /// Better Auth's defaults for the server at `base_url` (`BETTER_AUTH_URL`): keys from its
    /// JWKS (`{base_url}/api/auth/jwks`, or `{base_url}/jwks` when the URL has a path), `iss`
    /// the URL's origin.
    pub fn for_better_auth(base_url: &Url) -> Result<Self, ConfigError> {
        let url = crate::config::auth_endpoint(base_url, "/jwks")?;
        Self::from_url(
            url,
            FetchOptions::default(),
            KeyCacheOptions::default(),
            Self::issuer_for(Some(base_url)),
        )
    }

    /// The keys of `verifier` (the same cache: one fetch serves JWTs and the cookie cache),
    /// entries required to carry `iss` = `issuer`.
    pub fn sharing(verifier: &JwksVerifier, issuer: impl Into<String>) -> Self {
        Self {
            keys: Arc::clone(verifier.key_cache()),
            issuer: issuer.into(),
        }
    }

    /// The `iss` Better Auth writes: the origin of its base URL, or
    /// [`ISSUER_WITHOUT_BASE_URL`] when it has none.
    pub fn issuer_for(base_url: Option<&Url>) -> String {
        base_url
            .map(|url| url.origin().ascii_serialization())
            .filter(|origin| origin != "null")
            .unwrap_or_else(|| ISSUER_WITHOUT_BASE_URL.to_owned())
    }

    /// The `iss` entries must carry.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Fetches the keys now (e.g. at startup, to fail early); the number of usable keys.
    pub async fn refresh(&self) -> Result<usize, crate::error::AuthError> {
        self.keys.refresh().await
    }

    /// How many times the key source was asked (for tests and metrics).
    pub fn fetch_count(&self) -> u64 {
        self.keys.fetch_count()
    }
}

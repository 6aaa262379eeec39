//! Where keys come from: Better Auth's JWKS endpoint over HTTP (or, with a database feature,
//! its `jwks` table; see `table_source.rs`).

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use url::Url;

use super::Jwk;
use crate::error::BackendError;

/// A source of public keys. The key cache asks it for the whole set when it needs to.
#[async_trait]
pub trait KeySource: std::fmt::Debug + Send + Sync + 'static {
    /// Every published key.
    async fn fetch_keys(&self) -> Result<Vec<Jwk>, BackendError>;
}

/// A fixed set of keys (from configuration, or for tests and benchmarks).
#[derive(Debug, Clone, Default)]
pub struct StaticKeys {
    keys: Vec<Jwk>,
}

impl StaticKeys {
    /// These keys, always.
    pub fn new(keys: Vec<Jwk>) -> Self {
        Self { keys }
    }

    /// The keys of a JWKS document (`{"keys": [...]}`).
    pub fn from_jwks_json(json: &str) -> Result<Self, serde_json::Error> {
        Ok(Self::new(serde_json::from_str::<JwksDocument>(json)?.keys))
    }
}

#[async_trait]
impl KeySource for StaticKeys {
    async fn fetch_keys(&self) -> Result<Vec<Jwk>, BackendError> {
        Ok(self.keys.clone())
    }
}

/// A JWKS document: `{"keys": [...]}`.
#[derive(Debug, Deserialize)]
struct JwksDocument {
    keys: Vec<Jwk>,
}

/// Better Auth's JWKS endpoint (`{BETTER_AUTH_URL}/api/auth/jwks` by default).
#[derive(Debug, Clone)]
pub struct HttpJwks {
    client: reqwest::Client,
    url: Url,
    timeout: Duration,
    max_body_bytes: usize,
}

const BACKEND: &str = "jwks";

impl HttpJwks {
    /// Fetches from `url` with a total `timeout` per request and bodies capped at
    /// `max_body_bytes`.
    pub fn new(url: Url, timeout: Duration, max_body_bytes: usize) -> Result<Self, BackendError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("better-auth-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| BackendError::unavailable(BACKEND, error))?;
        Ok(Self {
            client,
            url,
            timeout,
            max_body_bytes,
        })
    }

    /// The JWKS URL.
    pub fn url(&self) -> &Url {
        &self.url
    }
}

#[async_trait]
impl KeySource for HttpJwks {
    async fn fetch_keys(&self) -> Result<Vec<Jwk>, BackendError> {
        let fail = |error: reqwest::Error| {
            if error.is_timeout() {
                BackendError::timeout(BACKEND, self.timeout)
            } else {
                BackendError::unavailable(BACKEND, error)
            }
        };
        let mut response = self
            .client
            .get(self.url.clone())
            .send()
            .await
            .map_err(fail)?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            // No JWT plugin at this Better Auth (its router answers 404 for the path): no key
            // is published, so no JWT verifies (a 401, as Better Auth answers such a bearer
            // token: no session), rather than a 503 for a backend that is up.
            tracing::warn!(target: "better_auth", url = %self.url, "the JWKS endpoint answered 404: no keys are published (is Better Auth's JWT plugin on, and BETTER_AUTH_JWKS_URL right?); JWTs are refused");
            return Ok(Vec::new());
        }
        if !response.status().is_success() {
            return Err(BackendError::unavailable(
                BACKEND,
                format!("{} answered {}", self.url, response.status()),
            ));
        }
        if response
            .content_length()
            .is_some_and(|len| len > self.max_body_bytes as u64)
        {
            return Err(BackendError::invalid_data(
                BACKEND,
                "JWKS body over the size limit",
            ));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(fail)? {
            if body.len() + chunk.len() > self.max_body_bytes {
                return Err(BackendError::invalid_data(
                    BACKEND,
                    "JWKS body over the size limit",
                ));
            }
            body.extend_from_slice(&chunk);
        }
        let document: JwksDocument = serde_json::from_slice(&body).map_err(|error| {
            BackendError::invalid_data(BACKEND, format!("not a JWKS document: {error}"))
        })?;
        Ok(document.keys)
    }
}

//! Remote mode: for services that can reach neither the database nor Redis, sessions are asked
//! of Better Auth itself (`GET {BETTER_AUTH_URL}/api/auth/get-session`), with the session cookie
//! signed the way Better Auth expects. Put a [`CachedStore`](crate::CachedStore) in front (the
//! authenticator's `cache` option): every uncached request otherwise costs one HTTP round trip.

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use url::Url;

use super::SessionStore;
use crate::{
    config::{AuthConfig, ConfigError},
    error::BackendError,
    model::{Session, SessionRecord, User},
    secret::Secret,
    signing,
};

const BACKEND: &str = "better-auth";

/// Settings of a [`RemoteSessionStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteOptions {
    /// The time limit of one call (default 2 s).
    pub timeout: Duration,
    /// The largest answer accepted (default 256 KiB).
    pub max_body_bytes: usize,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(2),
            max_body_bytes: 256 * 1024,
        }
    }
}

#[derive(Deserialize)]
struct Answer {
    session: Session,
    user: User,
}

/// Sessions asked of Better Auth's `get-session` endpoint.
#[derive(Clone)]
pub struct RemoteSessionStore {
    client: reqwest::Client,
    url: Url,
    cookie_name: String,
    secret: Secret,
    options: RemoteOptions,
}

impl std::fmt::Debug for RemoteSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteSessionStore")
            .field("url", &self.url.as_str())
            .field("cookie_name", &self.cookie_name)
            .field("options", &self.options)
            .finish()
    }
}

impl RemoteSessionStore {
    /// A store asking the Better Auth server of `config.base_url`, with its cookie name and
    /// current secret. Fails without a base URL.
    pub fn new(config: &AuthConfig, options: RemoteOptions) -> Result<Self, ConfigError> {
        let base = config.base_url.as_ref().ok_or(ConfigError::InvalidUrl {
            name: crate::config::env::URL,
            reason: "remote mode needs the Better Auth server's base URL".to_owned(),
        })?;
        let mut url = crate::config::auth_endpoint(base, "/get-session")?;
        // No refresh (no writes on Better Auth's side) and no cookie cache (the truth).
        url.set_query(Some("disableRefresh=true&disableCookieCache=true"));
        let client = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("better-auth-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| ConfigError::Connect {
                backend: BACKEND,
                source: error.into(),
            })?;
        Ok(Self {
            client,
            url,
            cookie_name: config.session_cookie(),
            secret: config.secrets.current().clone(),
            options,
        })
    }

    /// The endpoint asked.
    pub fn url(&self) -> &Url {
        &self.url
    }

    async fn call(&self, cookie: Option<String>) -> Result<Vec<u8>, BackendError> {
        let mut request = self.client.get(self.url.clone());
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let fail = |error: reqwest::Error| {
            if error.is_timeout() {
                BackendError::timeout(BACKEND, self.options.timeout)
            } else {
                BackendError::unavailable(BACKEND, error)
            }
        };
        let mut response = request.send().await.map_err(fail)?;
        if !response.status().is_success() {
            return Err(BackendError::unavailable(
                BACKEND,
                format!("get-session answered {}", response.status()),
            ));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(fail)? {
            if body.len() + chunk.len() > self.options.max_body_bytes {
                return Err(BackendError::invalid_data(
                    BACKEND,
                    "get-session answer over the size limit",
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

#[async_trait]
impl SessionStore for RemoteSessionStore {
    async fn find_session(&self, token: &str) -> Result<Option<SessionRecord>, BackendError> {
        let cookie = format!(
            "{}={}",
            self.cookie_name,
            signing::cookie_value(token, &self.secret)
        );
        let body = self.call(Some(cookie)).await?;
        let answer: Option<Answer> = serde_json::from_slice(&body).map_err(|error| {
            BackendError::invalid_data(
                BACKEND,
                format!("get-session answered something else than a session: {error}"),
            )
        })?;
        Ok(answer.map(|answer| SessionRecord::new(answer.session, answer.user)))
    }

    async fn check_health(&self) -> Result<(), BackendError> {
        // Without credentials get-session answers `null`: Better Auth is up.
        self.call(None).await.map(|_| ())
    }

    fn backend(&self) -> &'static str {
        BACKEND
    }
}

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
    session_refresh::{Extended, Extension, RefreshHeaders},
    signing,
};

/// A `get-session` answer: a session, or `null`.
fn parse(body: &[u8]) -> Result<Option<Answer>, BackendError> {
    serde_json::from_slice(body).map_err(|error| {
        BackendError::invalid_data(
            BACKEND,
            format!("get-session answered something else than a session: {error}"),
        )
    })
}

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
    /// `get-session` letting Better Auth refresh a due session (asked by `extend_session`).
    refresh_url: Url,
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
        let mut refresh_url = url.clone();
        // Lookups: no refresh (no writes on Better Auth's side) and no cookie cache (the
        // truth). A refresh, when the session is due, is Better Auth's own.
        url.set_query(Some("disableRefresh=true&disableCookieCache=true"));
        refresh_url.set_query(Some("disableCookieCache=true"));
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
            refresh_url,
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
        Ok(self.call_at(&self.url, cookie).await?.1)
    }

    /// `GET url` with `cookie`: the answer's headers and body (bounded).
    async fn call_at(
        &self,
        url: &Url,
        cookie: Option<String>,
    ) -> Result<(reqwest::header::HeaderMap, Vec<u8>), BackendError> {
        let mut request = self.client.get(url.clone());
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
        Ok((response.headers().clone(), body))
    }

    /// The signed session cookie Better Auth expects for `token`.
    fn cookie(&self, token: &str) -> String {
        format!(
            "{}={}",
            self.cookie_name,
            signing::cookie_value(token, &self.secret)
        )
    }
}

#[async_trait]
impl SessionStore for RemoteSessionStore {
    async fn find_session(&self, token: &str) -> Result<Option<SessionRecord>, BackendError> {
        let body = self.call(Some(self.cookie(token))).await?;
        Ok(parse(&body)?.map(|answer| SessionRecord::new(answer.session, answer.user)))
    }

    /// Asks `get-session` without `disableRefresh`: Better Auth refreshes the session if it
    /// is due by its own settings, and its `Set-Cookie` (the session cookie, and the others it
    /// sets with it) and `set-auth-token` headers are passed on. No refresh cookie in its
    /// answer: not due by Better Auth's settings, nothing to send.
    async fn extend_session(
        &self,
        token: &str,
        _extension: &Extension,
    ) -> Result<Extended, BackendError> {
        let (headers, body) = self
            .call_at(&self.refresh_url, Some(self.cookie(token)))
            .await?;
        let Some(answer) = parse(&body)? else {
            return Ok(Extended::NotDue);
        };
        let session_cookie = format!("{}=", self.cookie_name);
        let mut passed_on = Vec::new();
        let mut refreshed = false;
        for (name, wanted) in [
            (reqwest::header::SET_COOKIE, "set-cookie"),
            (
                reqwest::header::HeaderName::from_static("set-auth-token"),
                "set-auth-token",
            ),
            (
                reqwest::header::ACCESS_CONTROL_EXPOSE_HEADERS,
                "access-control-expose-headers",
            ),
        ] {
            for value in headers.get_all(&name) {
                let Ok(value) = value.to_str() else { continue };
                refreshed |= wanted == "set-cookie" && value.starts_with(&session_cookie);
                passed_on.push((wanted, value.to_owned()));
            }
        }
        if !refreshed {
            return Ok(Extended::NotDue);
        }
        Ok(Extended::RefreshedBy {
            expires_at: answer.session.expires_at,
            updated_at: answer.session.updated_at,
            headers: RefreshHeaders::passed_on(passed_on),
        })
    }

    async fn check_health(&self) -> Result<(), BackendError> {
        // Without credentials get-session answers `null`: Better Auth is up.
        self.call(None).await.map(|_| ())
    }

    fn backend(&self) -> &'static str {
        BACKEND
    }
}

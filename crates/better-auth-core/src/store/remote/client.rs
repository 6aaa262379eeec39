//! The HTTP client of remote mode: calls to Better Auth's endpoints on behalf of a session
//! (its cookie signed as Better Auth expects), with a time limit and a bounded answer.

use std::{net::IpAddr, time::Duration};

use reqwest::{
    StatusCode,
    header::{HeaderMap, HeaderName},
};
use serde::Serialize;
use url::Url;

use super::RemoteOptions;
use crate::{
    config::{AuthConfig, ConfigError},
    error::BackendError,
    secret::Secret,
    signing,
};

/// The backend name of remote mode in logs and errors.
pub(super) const BACKEND: &str = "better-auth";

/// An answer of Better Auth: status, headers, body (at most
/// [`RemoteOptions::max_body_bytes`]).
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: Vec<u8>,
}

impl Answer {
    /// The body read as `T`, or an error naming `endpoint`.
    pub(super) fn json<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: &str,
    ) -> Result<T, BackendError> {
        serde_json::from_slice(&self.body).map_err(|error| {
            BackendError::invalid_data(
                BACKEND,
                format!("{endpoint} answered something else than expected: {error}"),
            )
        })
    }

    /// An error for an answer `endpoint` should not have given.
    pub(super) fn unexpected(&self, endpoint: &str) -> BackendError {
        BackendError::unavailable(BACKEND, format!("{endpoint} answered {}", self.status))
    }
}

/// Calls Better Auth's endpoints (under `{BETTER_AUTH_URL}/api/auth`) as a session, for a
/// client: each call carries the client's address in the header Better Auth's rate limiter
/// reads ([`RemoteOptions::client_address_header`]), so its limit is that client's own, and its
/// 429 is that client's answer ([`BackendError::rate_limited`]), never a 503 for everyone.
#[derive(Clone)]
pub(super) struct BetterAuthClient {
    client: reqwest::Client,
    base: Url,
    origin: String,
    cookie_name: String,
    secret: Secret,
    options: RemoteOptions,
    address_header: HeaderName,
}

impl std::fmt::Debug for BetterAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BetterAuthClient")
            .field("base", &self.base.as_str())
            .field("cookie_name", &self.cookie_name)
            .field("options", &self.options)
            .finish()
    }
}

impl BetterAuthClient {
    /// A client of the Better Auth server of `config.base_url`, with its cookie name and
    /// current secret. Fails without a base URL.
    pub(super) fn new(config: &AuthConfig, options: RemoteOptions) -> Result<Self, ConfigError> {
        let base_url = config.base_url.as_ref().ok_or(ConfigError::InvalidUrl {
            name: crate::config::env::URL,
            reason: "remote mode needs the Better Auth server's base URL".to_owned(),
        })?;
        let base = crate::config::auth_endpoint(base_url, "")?;
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
            origin: base_url.origin().ascii_serialization(),
            base,
            cookie_name: config.session_cookie(),
            secret: config.secrets.current().clone(),
            address_header: HeaderName::from_bytes(options.client_address_header.as_bytes())
                .map_err(|_| ConfigError::InvalidEnv {
                    name: crate::config::env::CLIENT_ADDRESS_HEADER,
                    value: options.client_address_header.clone(),
                    expected: "a header name (Better Auth's advanced.ipAddress.ipAddressHeaders)",
                })?,
            options,
        })
    }

    /// The URL of endpoint `path` (`"/get-session"`) with `query`.
    pub(super) fn endpoint(&self, path: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}{path}", url.path().trim_end_matches('/'));
        url.set_path(&joined);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// `GET url`, as the session of `token` when there is one, for `client`.
    pub(super) async fn get(
        &self,
        url: &Url,
        token: Option<&str>,
        client: Option<IpAddr>,
    ) -> Result<Answer, BackendError> {
        let mut request = self.client.get(url.clone());
        if let Some(token) = token {
            request = request.header("cookie", self.cookie(token));
        }
        self.send(request, client).await
    }

    /// `POST url` with a JSON `body`, as the session of `token` (and from Better Auth's own
    /// origin, which its CSRF check trusts).
    pub(super) async fn post(
        &self,
        url: &Url,
        token: &str,
        body: &impl Serialize,
        client: Option<IpAddr>,
    ) -> Result<Answer, BackendError> {
        let body = serde_json::to_vec(body).map_err(|error| {
            BackendError::invalid_data(BACKEND, format!("a request body: {error}"))
        })?;
        let request = self
            .client
            .post(url.clone())
            .header("cookie", self.cookie(token))
            .header("origin", &self.origin)
            .header("content-type", "application/json")
            .body(body);
        self.send(request, client).await
    }

    /// Sends `request` for `client` (its address in the rate limiter's header); a 429 is the
    /// client's own refusal.
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        client: Option<IpAddr>,
    ) -> Result<Answer, BackendError> {
        let request = match client {
            Some(client) => request.header(
                self.address_header.clone(),
                crate::client::forwarded_for(client),
            ),
            None => request,
        };
        let fail = |error: reqwest::Error| {
            if error.is_timeout() {
                BackendError::timeout(BACKEND, self.options.timeout)
            } else {
                BackendError::unavailable(BACKEND, error)
            }
        };
        let mut response = request.send().await.map_err(fail)?;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            // Its window, 10 s by default, when it says nothing readable.
            let wait = crate::client::retry_after(response.headers(), Duration::from_secs(10));
            return Err(BackendError::rate_limited(BACKEND, wait));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(fail)? {
            if body.len() + chunk.len() > self.options.max_body_bytes {
                return Err(BackendError::invalid_data(
                    BACKEND,
                    format!(
                        "{} answered over the size limit",
                        response.url().path().rsplit('/').next().unwrap_or_default()
                    ),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status: response.status(),
            headers: response.headers().clone(),
            body,
        })
    }

    /// The session cookie's name.
    pub(super) fn cookie_name(&self) -> &str {
        &self.cookie_name
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

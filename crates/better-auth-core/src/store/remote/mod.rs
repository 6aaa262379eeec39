//! Remote mode: for services that can reach neither the database nor Redis, sessions are asked
//! of Better Auth itself (`GET {BETTER_AUTH_URL}/api/auth/get-session`), with the session cookie
//! signed the way Better Auth expects. Put a [`CachedStore`](crate::CachedStore) in front (the
//! authenticator's `cache` option): every uncached request otherwise costs one HTTP round trip.

mod client;
mod organizations;

use std::{net::IpAddr, time::Duration};

use async_trait::async_trait;
use serde::Deserialize;
use url::Url;

use self::client::{Answer, BACKEND, BetterAuthClient};
pub use self::organizations::RemoteOrganizationStore;
use super::{SessionAnswer, SessionQuery, SessionStore};
use crate::{
    client::{MissBudget, MissBudgetOptions},
    config::{AuthConfig, ConfigError},
    error::BackendError,
    model::{Session, SessionRecord, User},
    session_refresh::{Extended, Extension, RefreshHeaders},
};

/// A `get-session` answer: a session, or `null`.
fn parse(answer: &Answer) -> Result<Option<Found>, BackendError> {
    if !answer.status.is_success() {
        return Err(answer.unexpected("get-session"));
    }
    answer.json("get-session")
}

/// Settings of a [`RemoteSessionStore`] (and of a [`RemoteOrganizationStore`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteOptions {
    /// The time limit of one call (default 2 s).
    pub timeout: Duration,
    /// The largest answer accepted (default 256 KiB).
    pub max_body_bytes: usize,
    /// The header each call carries the client's address in: the one Better Auth's rate
    /// limiter reads (its `advanced.ipAddress.ipAddressHeaders`; `x-forwarded-for` by
    /// default), so that its limit is each client's own
    /// (`BETTER_AUTH_CLIENT_ADDRESS_HEADER`).
    pub client_address_header: String,
    /// Each client's budget of lookups that find no session (default 20 per 10 s; `None`:
    /// none); see [`MissBudget`](crate::client::MissBudget).
    pub miss_budget: Option<MissBudgetOptions>,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(2),
            max_body_bytes: 256 * 1024,
            client_address_header: crate::client::FORWARDED_FOR.to_owned(),
            miss_budget: Some(MissBudgetOptions::default()),
        }
    }
}

/// What `get-session` answers for a session.
#[derive(Deserialize)]
struct Found {
    session: Session,
    user: User,
}

/// Sessions asked of Better Auth's `get-session` endpoint, for the client whose request asks
/// (its address in the header Better Auth's rate limiter reads), within that client's budget
/// of lookups that find nothing.
#[derive(Debug, Clone)]
pub struct RemoteSessionStore {
    client: BetterAuthClient,
    url: Url,
    /// `get-session` letting Better Auth refresh a due session (asked by `extend_session`).
    refresh_url: Url,
    budget: Option<MissBudget>,
}

impl RemoteSessionStore {
    /// A store asking the Better Auth server of `config.base_url`, with its cookie name and
    /// current secret. Fails without a base URL.
    pub fn new(config: &AuthConfig, options: RemoteOptions) -> Result<Self, ConfigError> {
        let budget = options.miss_budget.map(MissBudget::new);
        let client = BetterAuthClient::new(config, options)?;
        // Lookups: no refresh (no writes on Better Auth's side) and no cookie cache (the
        // truth). A refresh, when the session is due, is Better Auth's own.
        let url = client.endpoint(
            "/get-session",
            &[("disableRefresh", "true"), ("disableCookieCache", "true")],
        );
        let refresh_url = client.endpoint("/get-session", &[("disableCookieCache", "true")]);
        Ok(Self {
            client,
            url,
            refresh_url,
            budget,
        })
    }

    /// The session of `token`, asked for `client` within its budget: a client that spent it
    /// is refused before any call; a lookup that finds nothing counts against it.
    async fn find_for(
        &self,
        token: &str,
        client: Option<IpAddr>,
    ) -> Result<Option<SessionRecord>, BackendError> {
        if let Some(budget) = &self.budget
            && let Err(retry_after) = budget.check(client)
        {
            return Err(BackendError::rate_limited(BACKEND, retry_after));
        }
        let answer = self.client.get(&self.url, Some(token), client).await?;
        let found = parse(&answer)?;
        if found.is_none()
            && let Some(budget) = &self.budget
        {
            budget.record_miss(client);
        }
        Ok(found.map(|found| SessionRecord::new(found.session, found.user)))
    }

    /// The endpoint asked.
    pub fn url(&self) -> &Url {
        &self.url
    }
}

#[async_trait]
impl SessionStore for RemoteSessionStore {
    async fn find_session(&self, token: &str) -> Result<Option<SessionRecord>, BackendError> {
        self.find_for(token, None).await
    }

    /// One call per token, concurrently, each for its own client: one call's failure (that
    /// client's rate limit) is that token's answer alone.
    async fn find_sessions(&self, queries: &[SessionQuery<'_>]) -> Vec<SessionAnswer> {
        futures_util::future::join_all(
            queries
                .iter()
                .map(|query| self.find_for(query.token, query.client)),
        )
        .await
    }

    /// Asks `get-session` without `disableRefresh`: Better Auth refreshes the session if it
    /// is due by its own settings, and its `Set-Cookie` (the session cookie, and the others it
    /// sets with it) and `set-auth-token` headers are passed on. No refresh cookie in its
    /// answer: not due by Better Auth's settings, nothing to send.
    async fn extend_session(
        &self,
        token: &str,
        extension: &Extension,
    ) -> Result<Extended, BackendError> {
        let answer = self
            .client
            .get(&self.refresh_url, Some(token), extension.client)
            .await?;
        let headers = &answer.headers;
        let Some(found) = parse(&answer)? else {
            return Ok(Extended::NotDue);
        };
        let session_cookie = format!("{}=", self.client.cookie_name());
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
            expires_at: found.session.expires_at,
            updated_at: found.session.updated_at,
            headers: RefreshHeaders::passed_on(passed_on),
        })
    }

    async fn check_health(&self) -> Result<(), BackendError> {
        // Without credentials get-session answers `null`: Better Auth is up.
        parse(&self.client.get(&self.url, None, None).await?).map(|_| ())
    }

    fn backend(&self) -> &'static str {
        BACKEND
    }
}

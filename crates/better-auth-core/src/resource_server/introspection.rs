//! Opaque access tokens, answered for by the provider's introspection endpoint (RFC 7662,
//! Better Auth's `POST /oauth2/introspect`), with this resource server's own confidential
//! client.
//!
//! - Client authentication as the client was registered: `client_secret_basic` (default) or
//!   `client_secret_post` (Better Auth holds a client to its registered method).
//! - Answers are cached by the keyed hash of the token: an active one until its `exp`, at most
//!   [`IntrospectionOptions::max_ttl`]; an inactive one for
//!   [`IntrospectionOptions::negative_ttl`]. Concurrent requests with the same token share one
//!   call.
//! - The provider down, slow, or refusing this client's credentials is a 503, never a pass and
//!   never a 401 that would send the user to sign in again.
//! - Per client (see [`client`](crate::client)): each call carries the address of the client
//!   whose request it is made for, in the header the provider's rate limiter reads (its
//!   `/oauth2/introspect` allows 100 calls a minute per address in production), so its 429 is
//!   that client's answer (a 429, not a 503 for everyone); a client that sent too many tokens
//!   the provider does not know spends its own budget ([`IntrospectionOptions::miss_budget`])
//!   and is refused before any call; a token that cannot be one of the provider's opaque
//!   tokens (32 letters after the configured prefix) is refused before any call too.

use std::{
    net::IpAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::Utc;
use serde_json::{Map, Value};
use url::Url;

use super::{AccessToken, TokenFormat};
use crate::{
    cache_keys::{Key, Keys},
    client::{MissBudget, MissBudgetOptions},
    error::{AuthError, BackendError},
};

const BACKEND: &str = "introspection";

/// How the resource server's client authenticates to the introspection endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ClientAuthMethod {
    /// HTTP Basic with the client id and secret (RFC 6749 §2.3.1).
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
}

impl ClientAuthMethod {
    /// The method named as in client registration (`client_secret_basic`,
    /// `client_secret_post`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "client_secret_basic" => Some(Self::ClientSecretBasic),
            "client_secret_post" => Some(Self::ClientSecretPost),
            _ => None,
        }
    }
}

/// Settings of introspection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IntrospectionOptions {
    /// The client's authentication method.
    pub auth_method: ClientAuthMethod,
    /// The time limit of one call (default 2 s).
    pub timeout: Duration,
    /// The longest an active answer is reused (default 60 s; 0: ask on every request). A token
    /// revoked at the provider is refused at most this long after.
    pub max_ttl: Duration,
    /// How long an inactive answer is reused (default 5 s).
    pub negative_ttl: Duration,
    /// The most answers kept (default 10,000).
    pub max_entries: usize,
    /// The largest answer read (default 64 KiB).
    pub max_body_bytes: usize,
    /// The provider's `prefix.opaqueAccessToken`, when it sets one: its opaque tokens are this
    /// prefix and 32 letters (`BETTER_AUTH_OAUTH_OPAQUE_TOKEN_PREFIX`). Anything else is
    /// refused before any call.
    pub opaque_token_prefix: String,
    /// The header each call carries the client's address in (`x-forwarded-for`; the one the
    /// provider's rate limiter reads, `BETTER_AUTH_CLIENT_ADDRESS_HEADER`).
    pub client_address_header: String,
    /// Each client's budget of tokens the provider answers inactive (default 20 per 10 s;
    /// `None`: none; `BETTER_AUTH_MISS_BUDGET`).
    pub miss_budget: Option<MissBudgetOptions>,
}

impl Default for IntrospectionOptions {
    fn default() -> Self {
        Self {
            auth_method: ClientAuthMethod::default(),
            timeout: Duration::from_secs(2),
            max_ttl: Duration::from_secs(60),
            negative_ttl: Duration::from_secs(5),
            max_entries: 10_000,
            max_body_bytes: 64 * 1024,
            opaque_token_prefix: String::new(),
            client_address_header: crate::client::FORWARDED_FOR.to_owned(),
            miss_budget: Some(MissBudgetOptions::default()),
        }
    }
}

/// A cached answer: the token, or why it is refused; kept until `until`.
#[derive(Clone)]
struct Answer {
    token: Result<Arc<AccessToken>, AuthError>,
    until: Instant,
}

/// The introspection client and its cache.
#[derive(Clone)]
pub(crate) struct Introspector {
    http: reqwest::Client,
    endpoint: Url,
    client_id: String,
    client_secret: String,
    options: IntrospectionOptions,
    keys: Keys,
    answers: Arc<quick_cache::sync::Cache<Key, Answer>>,
    calls: Arc<std::sync::atomic::AtomicU64>,
    address_header: http::HeaderName,
    budget: Option<MissBudget>,
}

impl std::fmt::Debug for Introspector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Introspector")
            .field("endpoint", &self.endpoint.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("options", &self.options)
            .finish()
    }
}

impl Introspector {
    pub(crate) fn new(
        endpoint: Url,
        client_id: String,
        client_secret: String,
        options: IntrospectionOptions,
    ) -> Result<Self, BackendError> {
        let http = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            // A redirect would carry the client's credentials elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("better-auth-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| BackendError::unavailable(BACKEND, error))?;
        let address_header = http::HeaderName::from_bytes(options.client_address_header.as_bytes())
            .map_err(|error| BackendError::unavailable(BACKEND, error))?;
        Ok(Self {
            address_header,
            budget: options.miss_budget.map(MissBudget::new),
            http,
            endpoint,
            client_id,
            client_secret,
            answers: Arc::new(quick_cache::sync::Cache::new(options.max_entries.max(1))),
            options,
            keys: Keys::random(),
            calls: Arc::new(std::sync::atomic::AtomicU64::new(0)),
        })
    }

    /// How many calls were made to the endpoint (for tests and metrics).
    pub(crate) fn calls(&self) -> u64 {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The provider's claims for an active `token` (not yet checked against this resource), or
    /// why it is refused, asked for `client`.
    pub(crate) async fn introspect(
        &self,
        token: &str,
        client: Option<IpAddr>,
    ) -> Result<Arc<AccessToken>, AuthError> {
        if !self.could_be_opaque_token(token) {
            return Err(AuthError::InvalidToken {
                reason: "not an access token the provider issues (neither a JWT nor its opaque \
                         form: 32 letters after the configured prefix)",
            });
        }
        let key = self.keys.token(token);
        loop {
            match self.answers.get_value_or_guard_async(&key).await {
                Ok(answer) if answer.until > Instant::now() => return answer.token,
                Ok(_) => {
                    self.answers.remove(&key);
                }
                Err(guard) => {
                    if let Some(budget) = &self.budget
                        && let Err(retry_after) = budget.check(client)
                    {
                        // Not kept: the answer is this client's, not the token's.
                        drop(guard);
                        return Err(AuthError::RateLimited { retry_after });
                    }
                    let token = self.call(token, client).await;
                    if let (Err(error), Some(budget)) = (&token, &self.budget)
                        && error.status() == http::StatusCode::UNAUTHORIZED
                    {
                        budget.record_miss(client);
                    }
                    let now = Instant::now();
                    let keep = match &token {
                        Ok(token) => (token.expires_at - Utc::now())
                            .to_std()
                            .unwrap_or_default()
                            .min(self.options.max_ttl),
                        // This client's rate limit: not the token's answer.
                        Err(AuthError::RateLimited { .. }) => Duration::ZERO,
                        Err(error) if error.is_client_error() => self.options.negative_ttl,
                        // A backend failure is shared with the requests waiting on this call
                        // and kept a moment, so a provider that is down is not asked once per
                        // waiting request in turn.
                        Err(_) => self.options.negative_ttl.min(Duration::from_secs(1)),
                    };
                    if !keep.is_zero() {
                        let _ = guard.insert(Answer {
                            token: token.clone(),
                            until: now + keep,
                        });
                    }
                    return token;
                }
            }
        }
    }

    /// Whether `token` has the shape of the provider's opaque access tokens: the configured
    /// prefix, then 32 letters (`generateRandomString(32, "A-Z", "a-z")`).
    fn could_be_opaque_token(&self, token: &str) -> bool {
        token
            .strip_prefix(self.options.opaque_token_prefix.as_str())
            .is_some_and(|rest| rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_alphabetic()))
    }

    async fn call(
        &self,
        token: &str,
        client: Option<IpAddr>,
    ) -> Result<Arc<AccessToken>, AuthError> {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let fail = |error: reqwest::Error| {
            AuthError::Backend(if error.is_timeout() {
                BackendError::timeout(BACKEND, self.options.timeout)
            } else {
                BackendError::unavailable(BACKEND, error)
            })
        };
        let mut request = self
            .http
            .post(self.endpoint.clone())
            .header(http::header::ACCEPT, "application/json");
        if let Some(client) = client {
            request = request.header(
                self.address_header.clone(),
                crate::client::forwarded_for(client),
            );
        }
        if self.options.auth_method == ClientAuthMethod::ClientSecretBasic {
            // RFC 6749 §2.3.1: each part form-urlencoded, then Basic.
            let encode = |part: &str| {
                url::form_urlencoded::byte_serialize(part.as_bytes()).collect::<String>()
            };
            request =
                request.basic_auth(encode(&self.client_id), Some(encode(&self.client_secret)));
        }
        let body = self.form(token);
        let mut response = request
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(fail)?;
        let status = response.status();
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            // The provider's rate limit for this client's address: its answer alone.
            // Its introspection window, 60 s, when it says nothing readable.
            let retry_after =
                crate::client::retry_after(response.headers(), Duration::from_secs(60));
            return Err(AuthError::RateLimited { retry_after });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(fail)? {
            if body.len() + chunk.len() > self.options.max_body_bytes {
                return Err(AuthError::Backend(BackendError::invalid_data(
                    BACKEND,
                    "introspection answer over the size limit",
                )));
            }
            body.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            // 401 `invalid_client`: this service's client id or secret is wrong; 5xx: the
            // provider failed. Neither says anything about the token: 503.
            return Err(AuthError::Backend(BackendError::unavailable(
                BACKEND,
                format!(
                    "{} answered {status}{}",
                    self.endpoint,
                    if status == reqwest::StatusCode::UNAUTHORIZED {
                        " (check BETTER_AUTH_OAUTH_CLIENT_ID / BETTER_AUTH_OAUTH_CLIENT_SECRET and the client's token_endpoint_auth_method)"
                    } else {
                        ""
                    }
                ),
            )));
        }
        let Ok(Value::Object(claims)) = serde_json::from_slice::<Value>(&body) else {
            return Err(AuthError::Backend(BackendError::invalid_data(
                BACKEND,
                "the introspection answer is not a JSON object",
            )));
        };
        read_answer(claims)
    }
}

impl Introspector {
    /// The form body: the token, its hint, and the client's credentials for
    /// `client_secret_post`.
    fn form(&self, token: &str) -> String {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("token", token)
            .append_pair("token_type_hint", "access_token");
        if self.options.auth_method == ClientAuthMethod::ClientSecretPost {
            form.append_pair("client_id", &self.client_id)
                .append_pair("client_secret", &self.client_secret);
        }
        form.finish()
    }
}

/// An introspection answer: `active: true` with the token's claims, anything else refused.
fn read_answer(mut claims: Map<String, Value>) -> Result<Arc<AccessToken>, AuthError> {
    match claims.remove("active") {
        Some(Value::Bool(true)) => {}
        _ => {
            return Err(AuthError::InvalidToken {
                reason: "the provider says the token is not active (expired, revoked or unknown)",
            });
        }
    }
    claims.remove("token_type");
    AccessToken::from_claims(claims, TokenFormat::Opaque).map(Arc::new)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn answer(value: Value) -> Result<Arc<AccessToken>, AuthError> {
        let Value::Object(map) = value else { panic!() };
        read_answer(map)
    }

    // As Better Auth answers: an active opaque M2M token (`active: true`, no `sub`, no `aud`),
    // and an inactive one (an unknown token gives just `{"active": false}`).
    #[test]
    fn active_answers_give_the_token_inactive_ones_refuse() {
        let token = answer(
            json!({"active": true, "iss": "http://as/api/auth", "client_id": "c",
            "azp": "c", "exp": 2_000_000_000, "iat": 1_999_999_000,
            "scope": "read:items write:items", "token_type": "Bearer"}),
        )
        .unwrap();
        assert_eq!(token.format, TokenFormat::Opaque);
        assert!(token.has_scope("write:items"));
        assert!(!token.claims.contains_key("active"));
        // Better Auth answers an inactive token with `{"active": false}` alone; claims beside
        // anything but `"active": true` must not make it pass either.
        let claims = json!({"iss": "http://as/api/auth", "client_id": "c", "exp": 2_000_000_000,
            "scope": "read:items"});
        let with = |active: Option<Value>| {
            let mut answer = claims.clone();
            if let Some(active) = active {
                answer["active"] = active;
            }
            answer
        };
        for inactive in [
            json!({"active": false}),
            json!({"active": "true"}),
            json!({}),
            with(Some(json!(false))),
            with(Some(json!("true"))),
            with(Some(json!(1))),
            with(None),
        ] {
            assert!(matches!(
                answer(inactive),
                Err(AuthError::InvalidToken { .. })
            ));
        }
    }
}

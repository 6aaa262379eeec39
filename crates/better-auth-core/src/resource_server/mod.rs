//! A resource server for Better Auth's OAuth 2.1 provider (`@better-auth/oauth-provider`) and
//! its MCP clients (feature `resource-server`): [`ResourceServer`] verifies the access tokens
//! the provider issues for this resource, checks their scopes, and answers refusals the
//! RFC 6750 way with RFC 9728 metadata.
//!
//! The path of a request: the token is read from `Authorization: Bearer` only; a JWT
//! (`typ: at+jwt`) is verified with the provider's JWKS (the same key machinery as session
//! JWTs: algorithm pinning, `kid` refetch, stale-if-error), its `iss` pinned to the provider's
//! issuer (the base URL *with* `/api/auth`) and its `aud` to this resource; any other token is
//! opaque and is asked of the provider's introspection endpoint with this service's own
//! confidential client (cached; see [`IntrospectionOptions`]). Both give an [`AccessToken`];
//! a route then requires scopes with [`ResourceServer::require`].
//!
//! A session JWT of the same Better Auth (same keys, no `typ`, `iss` without `/api/auth`), a
//! session token, an API key: all are refused (401 `invalid_token`). The two kinds of tokens
//! never pass for each other.

mod access_token;
mod builder;
mod challenge;
mod env;
mod introspection;
mod metadata;
mod scopes;
mod verified;

use std::{net::IpAddr, sync::Arc, time::Duration};

use chrono::Utc;
use url::Url;

pub use access_token::{AccessToken, TokenFormat, TokenSubject};
pub use builder::ResourceServerBuilder;
pub use env::{
    ALLOW_MISSING_AUDIENCE, INTROSPECTION_TTL, OAUTH_CLIENT_AUTH_METHOD, OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET, OAUTH_ISSUER, OAUTH_OPAQUE_TOKEN_PREFIX, RESOURCE, RESOURCE_AUDIENCES,
    RESOURCE_SCOPES,
};
pub use introspection::{ClientAuthMethod, IntrospectionOptions};
pub use metadata::{ProtectedResourceMetadata, WELL_KNOWN};
pub use scopes::ScopeRequirement;
pub use verified::VerifiedToken;

use crate::{
    client::TrustedProxies,
    config::{ConfigError, auth_endpoint, parse_url},
    error::AuthError,
    headers::RequestHeaders,
    jwt::{JwksVerifier, KeyCacheOptions, TokenVerifier, looks_like_jwt},
    model::JwtClaims,
    response::{ErrorResponse, Rejection},
};

/// The most `AccessToken`s kept from verified JWTs (as many as the verified-token cache keeps
/// by default).
const ACCESS_TOKENS_KEPT: usize = 10_000;

/// Verifies OAuth access tokens for one resource (an API or an MCP server) and renders
/// refusals as RFC 6750 challenges. Cheap to clone (one `Arc`); build it once at startup.
///
/// ```no_run
/// # async fn demo(headers: &http::HeaderMap) -> Result<(), Box<dyn std::error::Error>> {
/// use better_auth_core::resource_server::{ResourceServer, ScopeRequirement};
///
/// let server = ResourceServer::builder(
///     "https://api.example.com",
///     &url::Url::parse("https://app.example.com")?,
/// )?
/// .introspection("resource-server-client-id", "its-secret")
/// .scopes_supported(["read:items", "write:items"])
/// .build()?;
///
/// match server.authenticate(headers).await {
///     Ok(token) => {
///         server.require(&token, &ScopeRequirement::all_of(["read:items"]))?;
///         println!("{} via client {}", token.sub(), token.client_id);
///     }
///     // 401 `invalid_token` or 503, with the `WWW-Authenticate` challenge.
///     Err(error) => drop(server.reject(error)),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ResourceServer {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    resource: String,
    audiences: Vec<String>,
    issuer: String,
    jwt: JwksVerifier,
    /// The `AccessToken` made from each verified JWT, by the address of the claims it was made
    /// from (the entry holds them, so the address is not reused while it lives): reused while
    /// the verified-token cache answers with those same claims (so every rule it checks on a
    /// hit still applies), made again otherwise.
    access_tokens: quick_cache::sync::Cache<usize, (Arc<JwtClaims>, Arc<AccessToken>)>,
    introspection: Option<introspection::Introspector>,
    allow_missing_audience: bool,
    leeway: Duration,
    trusted_proxies: TrustedProxies,
    metadata: ProtectedResourceMetadata,
    metadata_json: Arc<[u8]>,
    metadata_url: String,
    metadata_path: String,
}

impl ResourceServer {
    /// A resource server for `resource` (its identifier: the audience its tokens carry, e.g.
    /// `https://api.example.com`) trusting the Better Auth server at `better_auth_url`
    /// (`BETTER_AUTH_URL`): issuer `{better_auth_url}/api/auth`, keys from its `/jwks`,
    /// introspection at its `/oauth2/introspect`.
    pub fn builder(
        resource: &str,
        better_auth_url: &Url,
    ) -> Result<ResourceServerBuilder, ConfigError> {
        let resource_url = parse_url(RESOURCE, resource)?;
        let issuer_url = auth_endpoint(better_auth_url, "")?;
        Ok(ResourceServerBuilder {
            resource: resource.trim().to_owned(),
            resource_url,
            audiences: Vec::new(),
            issuer: issuer_url.as_str().trim_end_matches('/').to_owned(),
            jwks_url: None,
            key_source: None,
            key_options: KeyCacheOptions::default(),
            client: None,
            introspection_options: IntrospectionOptions::default(),
            allow_missing_audience: false,
            leeway: Duration::from_secs(5),
            trusted_proxies: TrustedProxies::none(),
            scopes_supported: Vec::new(),
            resource_name: None,
            resource_documentation: None,
        })
    }

    /// Reads its settings from the environment (see [`env`](self#constants)):
    /// `BETTER_AUTH_RESOURCE`, `BETTER_AUTH_URL`, and optionally the client for
    /// introspection (`BETTER_AUTH_OAUTH_CLIENT_ID` / `_SECRET`) and the rest.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), with the variables read through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        env::builder_from_vars(&var)?.build()
    }

    /// The resource identifier.
    pub fn resource(&self) -> &str {
        &self.inner.resource
    }

    /// The issuer tokens must come from (`{BETTER_AUTH_URL}/api/auth` by default).
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// The audiences accepted: the resource, then any added.
    pub fn audiences(&self) -> &[String] {
        &self.inner.audiences
    }

    /// The access token of a request: `Authorization: Bearer <token>`, verified. Nothing else
    /// is read (no cookie, no query or form token). The client is unknown here: prefer
    /// [`authenticate_from`](Self::authenticate_from).
    pub async fn authenticate(
        &self,
        headers: &(impl RequestHeaders + Sync),
    ) -> Result<Arc<AccessToken>, AuthError> {
        self.authenticate_from(None, headers).await
    }

    /// [`authenticate`](Self::authenticate) for a request whose connection comes from `peer`:
    /// the client is `peer`, or behind a trusted proxy the address it forwards
    /// ([`ResourceServerBuilder::trusted_proxies`]); an introspection call made for the
    /// request carries it, and counts against its budget (see
    /// [`IntrospectionOptions::miss_budget`]).
    pub async fn authenticate_from(
        &self,
        peer: Option<IpAddr>,
        headers: &(impl RequestHeaders + Sync),
    ) -> Result<Arc<AccessToken>, AuthError> {
        let token = bearer_token(headers)?;
        let client = self.inner.trusted_proxies.client(peer, headers);
        self.verify_token_for(token, client).await
    }

    /// What the adapters' extractors run: [`authenticate_from`](Self::authenticate_from), the
    /// token kept with this server (for its scope guards) or the refusal rendered
    /// ([`reject`](Self::reject)).
    pub async fn verify_request(
        &self,
        headers: &(impl RequestHeaders + Sync),
    ) -> Result<VerifiedToken, Rejection> {
        self.verify_request_from(None, headers).await
    }

    /// [`verify_request`](Self::verify_request) for a request whose connection comes from
    /// `peer` (what the adapters pass).
    pub async fn verify_request_from(
        &self,
        peer: Option<IpAddr>,
        headers: &(impl RequestHeaders + Sync),
    ) -> Result<VerifiedToken, Rejection> {
        match self.authenticate_from(peer, headers).await {
            Ok(token) => Ok(VerifiedToken {
                token,
                server: self.clone(),
            }),
            Err(error) => Err(self.reject(error)),
        }
    }

    /// Verifies one access token: a JWT locally, an opaque token by introspection.
    pub async fn verify_token(&self, token: &str) -> Result<Arc<AccessToken>, AuthError> {
        self.verify_token_for(token, None).await
    }

    /// [`verify_token`](Self::verify_token), an introspection made for `client` (its address).
    pub async fn verify_token_for(
        &self,
        token: &str,
        client: Option<IpAddr>,
    ) -> Result<Arc<AccessToken>, AuthError> {
        let inner = &self.inner;
        if looks_like_jwt(token) {
            let claims = match inner.jwt.verify_cached(token) {
                Some(answer) => answer?,
                None => inner.jwt.verify_token(token).await?,
            };
            let key = Arc::as_ptr(&claims) as usize;
            if let Some((seen, access)) = inner.access_tokens.get(&key)
                && Arc::ptr_eq(&seen, &claims)
            {
                return Ok(access);
            }
            let access = Arc::new(AccessToken::from_claims(
                claims.raw.clone(),
                TokenFormat::Jwt,
            )?);
            inner
                .access_tokens
                .insert(key, (claims, Arc::clone(&access)));
            return Ok(access);
        }
        let Some(introspection) = &inner.introspection else {
            return Err(AuthError::InvalidToken {
                reason: "an opaque token, and no client is configured to introspect it \
                         (BETTER_AUTH_OAUTH_CLIENT_ID / BETTER_AUTH_OAUTH_CLIENT_SECRET)",
            });
        };
        let token = introspection.introspect(token, client).await?;
        self.check_introspected(&token)?;
        Ok(token)
    }

    /// The rules a JWT meets by its validation, applied to an introspection answer (on every
    /// use, cached or not): the issuer, the expiry, the audience.
    fn check_introspected(&self, token: &AccessToken) -> Result<(), AuthError> {
        let inner = &self.inner;
        if token.issuer.as_deref() != Some(inner.issuer.as_str()) {
            return Err(AuthError::InvalidToken {
                reason: "wrong issuer",
            });
        }
        let leeway = chrono::Duration::from_std(inner.leeway).unwrap_or_default();
        if token.expires_at <= Utc::now() - leeway {
            return Err(AuthError::TokenExpired);
        }
        let audience_ok = if token.audience.is_empty() {
            inner.allow_missing_audience
        } else {
            token
                .audience
                .iter()
                .any(|aud| inner.audiences.contains(aud))
        };
        if !audience_ok {
            return Err(AuthError::InvalidToken {
                reason: "wrong audience",
            });
        }
        Ok(())
    }

    /// Whether `token` has the scopes `requirement` asks for; the `insufficient_scope` error
    /// (403, naming the scopes) otherwise.
    pub fn require(
        &self,
        token: &AccessToken,
        requirement: &ScopeRequirement,
    ) -> Result<(), AuthError> {
        if requirement.is_met_by(token.scope_names()) {
            Ok(())
        } else {
            Err(requirement.refusal(token.scope_names()))
        }
    }

    /// The refusal for `error`: logged (as every rejection is), rendered with the RFC 6750
    /// challenge and this resource's metadata URL.
    pub fn reject(&self, error: AuthError) -> Rejection {
        error.log();
        let response = challenge::render(&error, &self.inner.metadata_url);
        Rejection::new(error, response)
    }

    /// The protected-resource metadata.
    pub fn metadata(&self) -> &ProtectedResourceMetadata {
        &self.inner.metadata
    }

    /// The response to `GET` [`metadata_path`](Self::metadata_path): 200, `application/json`,
    /// the metadata document (an [`ErrorResponse`] is any framework-neutral response; each
    /// adapter copies it into its own).
    pub fn metadata_response(&self) -> ErrorResponse {
        ErrorResponse {
            status: 200,
            headers: vec![
                ("content-type", "application/json".to_owned()),
                ("cache-control", "public, max-age=300".to_owned()),
            ],
            body: self.inner.metadata_json.to_vec(),
        }
    }

    /// The metadata as the JSON document to serve (`application/json`).
    pub fn metadata_json(&self) -> &[u8] {
        &self.inner.metadata_json
    }

    /// Where the metadata is published: `{origin}/.well-known/oauth-protected-resource{path}`,
    /// the `resource_metadata` of every challenge.
    pub fn metadata_url(&self) -> &str {
        &self.inner.metadata_url
    }

    /// The route to serve [`metadata_json`](Self::metadata_json) on:
    /// `/.well-known/oauth-protected-resource` followed by the resource's path.
    pub fn metadata_path(&self) -> &str {
        &self.inner.metadata_path
    }

    /// Whether tokens can be verified: `Ok` while keys are at hand (or none were needed yet),
    /// or the 503 error.
    pub async fn check_health(&self) -> Result<(), AuthError> {
        self.inner.jwt.check_health().await
    }

    /// How many introspection calls were made (for tests and metrics).
    pub fn introspection_calls(&self) -> u64 {
        self.inner
            .introspection
            .as_ref()
            .map_or(0, introspection::Introspector::calls)
    }

    /// How many times the JWKS was fetched (for tests and metrics).
    pub fn jwks_fetches(&self) -> u64 {
        self.inner.jwt.fetch_count()
    }
}

/// The token of `Authorization: Bearer <token>` (scheme without case, RFC 6750 §2.1). No
/// header, or another scheme: no credentials; two headers, or a token that is not a
/// `b64token`: malformed.
fn bearer_token(headers: &impl RequestHeaders) -> Result<&str, AuthError> {
    let mut values = headers.values(AUTHORIZATION);
    let value = match (values.next(), values.next()) {
        (None, _) => return Err(AuthError::MissingCredentials),
        (Some(value), None) => value,
        (Some(_), Some(_)) => {
            return Err(AuthError::MalformedCredentials {
                reason: "more than one Authorization header",
            });
        }
    };
    let value = std::str::from_utf8(value)
        .ok()
        .filter(|value| value.is_ascii())
        .ok_or(AuthError::MalformedCredentials {
            reason: "the Authorization header is not ASCII",
        })?;
    let Some((scheme, token)) = value.split_once(' ') else {
        return Err(AuthError::MissingCredentials);
    };
    if scheme.eq_ignore_ascii_case("DPoP") {
        return Err(AuthError::InvalidToken {
            reason: "DPoP-bound tokens are not supported; send a bearer token",
        });
    }
    if !scheme.eq_ignore_ascii_case("Bearer") {
        return Err(AuthError::MissingCredentials);
    }
    let token = token.trim_start_matches(' ');
    let unpadded = token.trim_end_matches('=');
    // RFC 6750 `b64token`, checked without an early exit (a pass the compiler vectorizes).
    let b64token = token.len() <= crate::jwt::compact::MAX_TOKEN_LEN
        && !unpadded.is_empty()
        && unpadded.bytes().fold(true, |ok, b| {
            ok & (b.is_ascii_alphanumeric() | matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/'))
        });
    if !b64token {
        return Err(AuthError::MalformedCredentials {
            reason: "the bearer token is empty, too long or not a b64token",
        });
    }
    Ok(token)
}

/// The header of bearer tokens (RFC 6750 §2.1).
const AUTHORIZATION: &str = "authorization";

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[&str]) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for value in pairs {
            map.append(http::header::AUTHORIZATION, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn only_one_authorization_bearer_header_is_read() {
        assert_eq!(
            bearer_token(&headers(&["Bearer abc.def-_~+/=="])).unwrap(),
            "abc.def-_~+/=="
        );
        assert_eq!(bearer_token(&headers(&["bearer x"])).unwrap(), "x");
        assert!(matches!(
            bearer_token(&headers(&[])),
            Err(AuthError::MissingCredentials)
        ));
        assert!(matches!(
            bearer_token(&headers(&["Basic dXNlcjpwYXNz"])),
            Err(AuthError::MissingCredentials)
        ));
        assert!(matches!(
            bearer_token(&headers(&["DPoP x"])),
            Err(AuthError::InvalidToken { .. })
        ));
        for bad in [
            &["Bearer a", "Bearer b"][..],
            &["Bearer "],
            &["Bearer a\"b"],
            &["Bearer ==="],
        ] {
            assert!(
                matches!(
                    bearer_token(&headers(bad)),
                    Err(AuthError::MalformedCredentials { .. })
                ),
                "{bad:?}"
            );
        }
    }
}

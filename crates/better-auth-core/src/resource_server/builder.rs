//! [`ResourceServerBuilder`]: the settings of a [`ResourceServer`], and building it.

use std::{sync::Arc, time::Duration};

use url::Url;

use super::{
    ACCESS_TOKENS_KEPT, Inner, IntrospectionOptions, OAUTH_ISSUER, ProtectedResourceMetadata,
    ResourceServer, introspection, metadata,
};
use crate::{
    client::TrustedProxies,
    config::parse_url,
    error::ConfigError,
    jwt::{JwksVerifier, JwtValidation, KeyCacheOptions, KeySource},
};

/// Makes the JWT verifier from the key cache settings and the claim rules.
type MakeVerifier = Box<dyn FnOnce(KeyCacheOptions, JwtValidation) -> JwksVerifier + Send>;

/// Settings of a [`ResourceServer`], from [`ResourceServer::builder`].
#[must_use]
pub struct ResourceServerBuilder {
    pub(super) resource: String,
    pub(super) resource_url: Url,
    pub(super) audiences: Vec<String>,
    pub(super) issuer: String,
    pub(super) jwks_url: Option<Url>,
    pub(super) key_source: Option<MakeVerifier>,
    pub(super) key_options: KeyCacheOptions,
    pub(super) client: Option<(String, String)>,
    pub(super) introspection_options: IntrospectionOptions,
    pub(super) allow_missing_audience: bool,
    pub(super) leeway: Duration,
    pub(super) trusted_proxies: TrustedProxies,
    pub(super) scopes_supported: Vec<String>,
    pub(super) resource_name: Option<String>,
    pub(super) resource_documentation: Option<String>,
}

impl std::fmt::Debug for ResourceServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceServerBuilder")
            .field("resource", &self.resource)
            .field("audiences", &self.audiences)
            .field("issuer", &self.issuer)
            .field("jwks_url", &self.jwks_url.as_ref().map(Url::as_str))
            .field("client_id", &self.client.as_ref().map(|(id, _)| id))
            .field("introspection_options", &self.introspection_options)
            .field("allow_missing_audience", &self.allow_missing_audience)
            .finish_non_exhaustive()
    }
}

impl ResourceServerBuilder {
    /// Accepts tokens for `audience` too (another identifier of the same resource).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// The issuer, when the jwt plugin's `jwt.issuer` is set (default:
    /// `{BETTER_AUTH_URL}/api/auth`).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = issuer.into();
        self
    }

    /// The JWKS URL, when not `{issuer}/jwks`.
    pub fn jwks_url(mut self, url: Url) -> Self {
        self.jwks_url = Some(url);
        self
    }

    /// Keys from another source (a static set, the `jwks` table) instead of the JWKS URL.
    pub fn key_source(mut self, source: impl KeySource) -> Self {
        self.key_source = Some(Box::new(move |options, validation| {
            JwksVerifier::new(source, options, validation)
        }));
        self
    }

    /// The key cache's settings (refresh, refetch, staleness).
    pub fn key_cache(mut self, options: KeyCacheOptions) -> Self {
        self.key_options = options;
        self
    }

    /// Introspects opaque tokens with this confidential client, linked to this resource at
    /// the provider (without one, opaque tokens are refused).
    pub fn introspection(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.client = Some((client_id.into(), client_secret.into()));
        self
    }

    /// The proxies in front of this service whose `X-Forwarded-For` names the client
    /// (`BETTER_AUTH_TRUSTED_PROXIES`; none by default: the connection's peer is the client).
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    /// The introspection settings (client authentication method, cache, timeout).
    pub fn introspection_options(mut self, options: IntrospectionOptions) -> Self {
        self.introspection_options = options;
        self
    }

    /// Accepts introspected tokens that carry no audience (opaque tokens issued without a
    /// `resource`; the provider only answers for them to the client they were issued to).
    /// Off by default, as in Better Auth's resource client (`allowMissingAudience`).
    pub fn allow_missing_audience(mut self, allow: bool) -> Self {
        self.allow_missing_audience = allow;
        self
    }

    /// The clock skew tolerated on `exp`, `nbf`, `iat` (default 5 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The metadata's `scopes_supported`.
    pub fn scopes_supported<S: Into<String>>(
        mut self,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.scopes_supported = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The metadata's `resource_name`.
    pub fn resource_name(mut self, name: impl Into<String>) -> Self {
        self.resource_name = Some(name.into());
        self
    }

    /// The metadata's `resource_documentation`.
    pub fn resource_documentation(mut self, url: impl Into<String>) -> Self {
        self.resource_documentation = Some(url.into());
        self
    }

    /// The resource server.
    pub fn build(self) -> Result<ResourceServer, ConfigError> {
        let mut audiences = vec![self.resource.clone()];
        audiences.extend(self.audiences);
        let validation = JwtValidation {
            issuer: Some(self.issuer.clone()),
            audience: audiences.clone(),
            leeway: self.leeway,
            token_type: Some(crate::jwt::claims::ACCESS_TOKEN_TYPE.to_owned()),
            ..JwtValidation::default()
        };
        let jwt = match self.key_source {
            Some(make) => make(self.key_options, validation),
            None => {
                let url = match self.jwks_url {
                    Some(url) => url,
                    None => parse_url(OAUTH_ISSUER, &format!("{}/jwks", self.issuer))?,
                };
                JwksVerifier::from_url(
                    url,
                    crate::jwt::FetchOptions::default(),
                    self.key_options,
                    validation,
                )?
            }
        };
        let introspection = match self.client {
            Some((client_id, client_secret)) => {
                let endpoint =
                    parse_url(OAUTH_ISSUER, &format!("{}/oauth2/introspect", self.issuer))?;
                Some(
                    introspection::Introspector::new(
                        endpoint,
                        client_id,
                        client_secret,
                        self.introspection_options,
                    )
                    .map_err(|error| ConfigError::Connect {
                        backend: "introspection",
                        source: Box::new(error),
                    })?,
                )
            }
            None => None,
        };
        let metadata = ProtectedResourceMetadata {
            resource: self.resource.clone(),
            authorization_servers: vec![self.issuer.clone()],
            scopes_supported: self.scopes_supported,
            bearer_methods_supported: vec!["header".to_owned()],
            resource_name: self.resource_name,
            resource_documentation: self.resource_documentation,
        };
        // A struct of strings and lists of strings: serializing it cannot fail.
        let metadata_json = serde_json::to_vec(&metadata).unwrap_or_default().into();
        Ok(ResourceServer {
            inner: Arc::new(Inner {
                metadata_url: metadata::metadata_url(&self.resource_url),
                metadata_path: metadata::metadata_path(&self.resource_url),
                resource: self.resource,
                audiences,
                issuer: self.issuer,
                jwt,
                access_tokens: quick_cache::sync::Cache::new(ACCESS_TOKENS_KEPT),
                introspection,
                allow_missing_audience: self.allow_missing_audience,
                leeway: self.leeway,
                trusted_proxies: self.trusted_proxies,
                metadata,
                metadata_json,
            }),
        })
    }
}

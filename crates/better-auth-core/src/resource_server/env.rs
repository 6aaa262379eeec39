//! The environment variables of a [`ResourceServer`](super::ResourceServer), read strictly as
//! the rest of the configuration is (see [`config::env`](crate::config::env)).

use std::time::Duration;

use super::{ClientAuthMethod, IntrospectionOptions, ResourceServer, ResourceServerBuilder};
use crate::{
    client::TrustedProxies,
    config::{
        ConfigError, Vars,
        env::{CLIENT_ADDRESS_HEADER, JWKS_URL, TRUSTED_PROXIES, URL},
    },
};

/// This service's resource identifier (`https://api.example.com`, or `.../mcp`): the audience
/// the access tokens it accepts carry, and the `resource` of its metadata. Required.
pub const RESOURCE: &str = "BETTER_AUTH_RESOURCE";
/// More audiences accepted, comma-separated (other identifiers of the same resource).
pub const RESOURCE_AUDIENCES: &str = "BETTER_AUTH_RESOURCE_AUDIENCES";
/// The metadata's `scopes_supported`, space- or comma-separated.
pub const RESOURCE_SCOPES: &str = "BETTER_AUTH_RESOURCE_SCOPES";
/// The issuer, when the jwt plugin's `jwt.issuer` is set (default:
/// `{BETTER_AUTH_URL}/api/auth`).
pub const OAUTH_ISSUER: &str = "BETTER_AUTH_OAUTH_ISSUER";
/// The client id of this service's own confidential client, linked to its resource at the
/// provider: it introspects opaque access tokens.
pub const OAUTH_CLIENT_ID: &str = "BETTER_AUTH_OAUTH_CLIENT_ID";
/// That client's secret.
pub const OAUTH_CLIENT_SECRET: &str = "BETTER_AUTH_OAUTH_CLIENT_SECRET";
/// That client's `token_endpoint_auth_method`: `client_secret_basic` (default) or
/// `client_secret_post`.
pub const OAUTH_CLIENT_AUTH_METHOD: &str = "BETTER_AUTH_OAUTH_CLIENT_AUTH_METHOD";
/// How long an active introspection answer is reused, in seconds (60 by default; 0: ask on
/// every request).
pub const INTROSPECTION_TTL: &str = "BETTER_AUTH_OAUTH_INTROSPECTION_TTL";
/// The OAuth provider's `prefix.opaqueAccessToken`, when it sets one: its opaque access tokens
/// are this prefix and 32 letters; anything else is refused before any introspection.
pub const OAUTH_OPAQUE_TOKEN_PREFIX: &str = "BETTER_AUTH_OAUTH_OPAQUE_TOKEN_PREFIX";
/// `true`: accept introspected tokens that carry no audience (opaque tokens issued without a
/// `resource`). Off by default, as in Better Auth's resource client.
pub const ALLOW_MISSING_AUDIENCE: &str = "BETTER_AUTH_OAUTH_ALLOW_MISSING_AUDIENCE";

fn list(value: &str) -> Vec<String> {
    value
        .split([',', ' '])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(super) fn builder_from_vars(
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<ResourceServerBuilder, ConfigError> {
    let vars = Vars(var);
    let resource = vars.text(RESOURCE).ok_or(ConfigError::MissingEnv {
        name: RESOURCE,
        why: "set it to this service's resource identifier, the audience its access tokens carry",
    })?;
    let base_url = vars.url(URL)?.ok_or(ConfigError::MissingEnv {
        name: URL,
        why: "set it to the Better Auth server's base URL (the OAuth provider)",
    })?;
    let mut builder = ResourceServer::builder(&resource, &base_url)?;
    if let Some(issuer) = vars.url(OAUTH_ISSUER)? {
        builder = builder.issuer(issuer.as_str().trim_end_matches('/'));
    }
    if let Some(url) = vars.url(JWKS_URL)? {
        builder = builder.jwks_url(url);
    }
    for audience in vars
        .text(RESOURCE_AUDIENCES)
        .as_deref()
        .map(list)
        .unwrap_or_default()
    {
        builder = builder.audience(audience);
    }
    if let Some(scopes) = vars.text(RESOURCE_SCOPES) {
        builder = builder.scopes_supported(list(&scopes));
    }
    let mut options = IntrospectionOptions::default();
    if let Some(method) = vars.text(OAUTH_CLIENT_AUTH_METHOD) {
        options.auth_method =
            ClientAuthMethod::from_name(&method).ok_or(ConfigError::InvalidEnv {
                name: OAUTH_CLIENT_AUTH_METHOD,
                value: method,
                expected: "client_secret_basic or client_secret_post",
            })?;
    }
    if let Some(seconds) = vars.number::<u64>(INTROSPECTION_TTL, "a number of seconds")? {
        options.max_ttl = Duration::from_secs(seconds);
    }
    if let Some(prefix) = vars.text(OAUTH_OPAQUE_TOKEN_PREFIX) {
        options.opaque_token_prefix = prefix;
    }
    if let Some(header) = vars.text(CLIENT_ADDRESS_HEADER) {
        options.client_address_header = header.to_ascii_lowercase();
    }
    if let Some(budget) = vars.miss_budget()? {
        options.miss_budget = budget;
    }
    if let Some(list) = vars.text(TRUSTED_PROXIES) {
        let proxies = TrustedProxies::parse(&list).map_err(|_| ConfigError::InvalidEnv {
            name: TRUSTED_PROXIES,
            value: list.clone(),
            expected: "addresses and CIDR ranges, comma-separated",
        })?;
        builder = builder.trusted_proxies(proxies);
    }
    builder = builder.introspection_options(options);
    match (vars.text(OAUTH_CLIENT_ID), vars.raw(OAUTH_CLIENT_SECRET)) {
        (Some(id), Some(secret)) => builder = builder.introspection(id, secret),
        (None, None) => {}
        (Some(_), None) => {
            return Err(ConfigError::MissingEnv {
                name: OAUTH_CLIENT_SECRET,
                why: "BETTER_AUTH_OAUTH_CLIENT_ID is set; introspection needs the client's secret too",
            });
        }
        (None, Some(_)) => {
            return Err(ConfigError::MissingEnv {
                name: OAUTH_CLIENT_ID,
                why: "BETTER_AUTH_OAUTH_CLIENT_SECRET is set; introspection needs the client's id too",
            });
        }
    }
    if let Some(allow) = vars.flag(ALLOW_MISSING_AUDIENCE)? {
        builder = builder.allow_missing_audience(allow);
    }
    Ok(builder)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<ResourceServer, ConfigError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ResourceServer::from_vars(|name| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        })
    }

    #[test]
    fn the_environment_names_the_resource_and_the_provider() {
        let server = read(&[
            (RESOURCE, "https://api.example.test"),
            (URL, "http://127.0.0.1:3000"),
            (RESOURCE_SCOPES, "read:items write:items"),
        ])
        .unwrap();
        assert_eq!(server.issuer(), "http://127.0.0.1:3000/api/auth");
        assert_eq!(
            server.metadata().authorization_servers,
            ["http://127.0.0.1:3000/api/auth"]
        );
        assert_eq!(
            server.metadata().scopes_supported,
            ["read:items", "write:items"]
        );
        assert_eq!(
            server.metadata_url(),
            "https://api.example.test/.well-known/oauth-protected-resource"
        );

        let missing = read(&[(URL, "http://127.0.0.1:3000")]).unwrap_err();
        assert!(missing.to_string().contains(RESOURCE), "{missing}");
        let half = read(&[
            (RESOURCE, "https://api.example.test"),
            (URL, "http://127.0.0.1:3000"),
            (OAUTH_CLIENT_ID, "id"),
        ])
        .unwrap_err();
        assert!(half.to_string().contains(OAUTH_CLIENT_SECRET), "{half}");
        let method = read(&[
            (RESOURCE, "https://api.example.test"),
            (URL, "http://127.0.0.1:3000"),
            (OAUTH_CLIENT_AUTH_METHOD, "private_key_jwt"),
        ])
        .unwrap_err();
        assert!(
            method.to_string().contains(OAUTH_CLIENT_AUTH_METHOD),
            "{method}"
        );
    }
}

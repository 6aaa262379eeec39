//! Protected-resource metadata (RFC 9728): the document a resource server publishes at
//! `/.well-known/oauth-protected-resource` so that clients (MCP clients among them) find the
//! authorization server. Better Auth does not serve it for the resource (facts S3); its
//! `oauthProviderResourceClient().getProtectedResourceMetadata()` builds the same fields.

use url::Url;

/// The well-known path segment of RFC 9728 §3.
pub const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// The metadata document of a protected resource.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ProtectedResourceMetadata {
    /// `resource`: the resource identifier, the audience tokens must carry.
    pub resource: String,
    /// `authorization_servers`: the issuers whose tokens it accepts.
    pub authorization_servers: Vec<String>,
    /// `scopes_supported`, when configured.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes_supported: Vec<String>,
    /// `bearer_methods_supported`: `header` (tokens in `Authorization: Bearer`, RFC 6750
    /// §2.1; form and query tokens are not read).
    pub bearer_methods_supported: Vec<String>,
    /// `resource_name`, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_name: Option<String>,
    /// `resource_documentation`, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_documentation: Option<String>,
}

/// Where the metadata of `resource` is published (RFC 9728 §3.1: the well-known segment goes
/// between the host and the resource's path): `https://api.example.com/mcp` →
/// `https://api.example.com/.well-known/oauth-protected-resource/mcp`. Computed as Better
/// Auth's `createResourceServerChallenge` does (a trailing `/` dropped, the query kept).
pub(crate) fn metadata_url(resource: &Url) -> String {
    let path = resource.path().trim_end_matches('/');
    let query = resource
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    format!(
        "{}{WELL_KNOWN}{path}{query}",
        resource.origin().ascii_serialization()
    )
}

/// The path part of [`metadata_url`]: the route a service serves the document on.
pub(crate) fn metadata_path(resource: &Url) -> String {
    format!("{WELL_KNOWN}{}", resource.path().trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_well_known_segment_goes_before_the_path() {
        let at = |resource: &str| {
            let url = Url::parse(resource).unwrap();
            (metadata_url(&url), metadata_path(&url))
        };
        assert_eq!(
            at("https://api.example.test"),
            (
                "https://api.example.test/.well-known/oauth-protected-resource".to_owned(),
                "/.well-known/oauth-protected-resource".to_owned()
            )
        );
        assert_eq!(
            at("https://api.example.test:8443/mcp/"),
            (
                "https://api.example.test:8443/.well-known/oauth-protected-resource/mcp".to_owned(),
                "/.well-known/oauth-protected-resource/mcp".to_owned()
            )
        );
    }
}

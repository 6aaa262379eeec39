//! An MCP server protected by an OAuth resource server: the tools of [`tools::Items`], served
//! by `rmcp`'s streamable HTTP transport at `/mcp` on axum, answer only requests that carry an
//! access token issued for this server by Better Auth's OAuth provider
//! (`@better-auth/oauth-provider`).
//!
//! # The flow (MCP authorization, RFC 9728 + OAuth 2.1)
//!
//! 1. An MCP client sends its first request (`initialize`) to `/mcp` without a token. The
//!    [`auth::require_access_token`] middleware answers 401 with
//!    `WWW-Authenticate: Bearer error="invalid_token", ..., resource_metadata="<url>"`.
//! 2. The client fetches `<url>`, this server's protected-resource metadata (served at
//!    [`ResourceServer::metadata_path`]): `resource` (the identifier tokens must be issued for)
//!    and `authorization_servers: ["{BETTER_AUTH_URL}/api/auth"]`.
//! 3. It discovers the authorization server from there (Better Auth's
//!    `/.well-known/oauth-authorization-server`), registers or is given a client, and gets a
//!    token for the resource: authorization code with PKCE for a user (the user signs in and
//!    consents in the browser), or client credentials for a machine, with
//!    `resource=<BETTER_AUTH_RESOURCE>`. Better Auth then issues a JWT (`typ: at+jwt`,
//!    `aud` = the resource) signed with its JWKS.
//! 4. The client repeats its requests to `/mcp` with `Authorization: Bearer <token>`. Every
//!    request is checked (the JWT against the provider's keys, pinned to its issuer and to this
//!    resource; an opaque token by introspection when this server has a client of its own), and
//!    the verified [`AccessToken`] is put in the request's extensions. `rmcp` hands the
//!    request's `http::request::Parts` to the tool it calls, so a tool reads the identity of
//!    the request that carried the call, never of the one that opened the MCP session.
//! 5. A tool checks scopes itself: `list_items` without `read:items` is a tool error (an MCP
//!    result with `isError: true`) naming the missing scope.
//!
//! The MCP session (`Mcp-Session-Id`) is not a credential: a request with a session id and no
//! good token is refused like any other.
//!
//! # Configuration
//!
//! - `BETTER_AUTH_URL`: the Better Auth server (the OAuth provider), required;
//! - `BETTER_AUTH_RESOURCE`: this server's resource identifier, the audience of its tokens,
//!   required (`https://mcp.example.com/mcp`, or a resource configured at the provider such as
//!   `https://api.example.com`);
//! - `BETTER_AUTH_OAUTH_CLIENT_ID` / `BETTER_AUTH_OAUTH_CLIENT_SECRET`: this server's own
//!   confidential client, to introspect opaque tokens (without them only JWTs are accepted);
//! - `BETTER_AUTH_RESOURCE_SCOPES`: the metadata's `scopes_supported` (default `read:items`);
//!   the other `BETTER_AUTH_*` settings of `better_auth_core::resource_server` apply too;
//! - `PORT` (default 8080, 0 for any). It listens on 127.0.0.1 and prints
//!   `listening on http://127.0.0.1:PORT`.
//!
//! `rmcp` accepts only requests whose `Host` is a loopback name (against DNS rebinding) or the
//! host of `BETTER_AUTH_RESOURCE`, which is where a proxy in front of it is reached.
//!
//! [`ResourceServer::metadata_path`]: better_auth_axum::core::resource_server::ResourceServer::metadata_path
//! [`AccessToken`]: better_auth_axum::core::resource_server::AccessToken

mod auth;
mod tools;

use better_auth_axum::core::resource_server::{RESOURCE_SCOPES, ResourceServer};

/// `scopes_supported` of the metadata unless `BETTER_AUTH_RESOURCE_SCOPES` says otherwise: the
/// scope the tools check, so that a client asks for it.
const DEFAULT_SCOPES: &str = tools::READ_ITEMS;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Any filter, with the directives that keep credentials out of the framework's own log.
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(format!(
            "{filter},{}",
            better_auth_axum::core::telemetry::CREDENTIAL_SAFE_LOG_DIRECTIVES
        )))
        .init();
    let port: u16 = std::env::var("PORT")
        .ok()
        .map_or(Ok(8080), |port| port.parse())?;
    let server = ResourceServer::from_vars(|name| {
        std::env::var(name)
            .ok()
            .or_else(|| (name == RESOURCE_SCOPES).then(|| DEFAULT_SCOPES.to_owned()))
    })?;
    let app = auth::app(server)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    // The peer address: each client's own introspection budget (see better_auth_core::client).
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

//! The HTTP side: `/mcp` (the streamable HTTP transport) behind the access-token middleware,
//! and the protected-resource metadata beside it, public.

use std::sync::Arc;

use axum::{
    Router,
    extract::{Request, State},
    http::Uri,
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use better_auth_axum::{AuthRejection, core::resource_server::ResourceServer};
use rmcp::transport::streamable_http_server::{
    StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
};

use crate::tools::Items;

/// The router: `/mcp` (GET, POST, DELETE, as the transport answers them), each request
/// authenticated by [`require_access_token`]; the metadata at
/// [`ResourceServer::metadata_path`].
pub(crate) fn app(server: ResourceServer) -> anyhow::Result<Router> {
    // rmcp refuses a `Host` it does not know (DNS rebinding): the loopback names this server
    // listens on, and the resource's host, where a proxy in front of it is reached.
    let mut hosts = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    let resource: Uri = server.resource().parse()?;
    hosts.extend(resource.host().map(str::to_owned));
    let config = StreamableHttpServerConfig::default().with_allowed_hosts(hosts);
    let tools = Items::new(server.clone());
    let mcp = StreamableHttpService::new(
        move || Ok(tools.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    Ok(Router::new()
        .route_service("/mcp", mcp)
        .route_layer(middleware::from_fn_with_state(
            server.clone(),
            require_access_token,
        ))
        .route(
            server.metadata_path(),
            better_auth_axum::protected_resource_metadata(&server),
        ))
}

/// Every request to `/mcp`: the bearer token verified for this resource and put in the
/// request's extensions (an `Arc<AccessToken>`, which the tools read), or the resource
/// server's refusal: 401 with `WWW-Authenticate: Bearer error="invalid_token", ...,
/// resource_metadata="..."` (503 when the provider's keys cannot be had).
pub(crate) async fn require_access_token(
    State(server): State<ResourceServer>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    match server.authenticate_from(peer, request.headers()).await {
        Ok(token) => {
            request.extensions_mut().insert(token);
            next.run(request).await
        }
        Err(error) => AuthRejection(server.reject(error)).into_response(),
    }
}

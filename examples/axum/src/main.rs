//! The axum contract service. Configured by the environment: `DATABASE_URL`,
//! `BETTER_AUTH_SECRET`, `BETTER_AUTH_URL` (JWT verification through its JWKS),
//! `BETTER_AUTH_COOKIE_PREFIX`, `BETTER_AUTH_TRUSTED_ORIGINS`, `PORT` (default 8080, 0 for any),
//! and for the OAuth resource routes `BETTER_AUTH_RESOURCE`, `BETTER_AUTH_OAUTH_CLIENT_ID`,
//! `BETTER_AUTH_OAUTH_CLIENT_SECRET` (see `better_auth_core::resource_server`);
//! it listens on 127.0.0.1 and prints `listening on http://127.0.0.1:PORT`.

mod items;

use better_auth_axum::Authenticator;

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
    let auth = Authenticator::from_env().await?;
    let mut app = example_axum::app(auth);
    // An OAuth resource server too when BETTER_AUTH_RESOURCE names this service.
    if std::env::var_os(better_auth_axum::core::resource_server::RESOURCE).is_some() {
        let server = better_auth_axum::core::resource_server::ResourceServer::from_env()?;
        app = app.merge(items::routes(server));
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    // The peer address: each client's own rate limit and budget (see better_auth_core::client).
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

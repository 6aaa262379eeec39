//! The Poem contract service. Configured by the environment: `DATABASE_URL`,
//! `BETTER_AUTH_SECRET`, `BETTER_AUTH_URL` (JWT verification through its JWKS),
//! `BETTER_AUTH_COOKIE_PREFIX`, `BETTER_AUTH_TRUSTED_ORIGINS`, `PORT` (default 8080, 0 for any),
//! and for the OAuth resource routes `BETTER_AUTH_RESOURCE`, `BETTER_AUTH_OAUTH_CLIENT_ID`,
//! `BETTER_AUTH_OAUTH_CLIENT_SECRET` (see `better_auth_core::resource_server`);
//! it listens on 127.0.0.1 and prints `listening on http://127.0.0.1:PORT`.

mod items;

use better_auth_poem::Authenticator;
use poem::{
    Endpoint, Server,
    listener::{Acceptor, Listener, TcpListener},
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Any filter, with the directives that keep credentials out of the framework's own log.
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(format!(
            "{filter},{}",
            better_auth_poem::core::telemetry::CREDENTIAL_SAFE_LOG_DIRECTIVES
        )))
        .init();
    let port: u16 = std::env::var("PORT")
        .ok()
        .map_or(Ok(8080), |port| port.parse())?;
    let auth = Authenticator::from_env().await?;
    // An OAuth resource server too when BETTER_AUTH_RESOURCE names this service.
    let resource = match std::env::var_os(better_auth_poem::core::resource_server::RESOURCE) {
        Some(_) => Some(better_auth_poem::core::resource_server::ResourceServer::from_env()?),
        None => None,
    };
    let acceptor = TcpListener::bind(format!("127.0.0.1:{port}"))
        .into_acceptor()
        .await?;
    let address = acceptor
        .local_addr()
        .first()
        .and_then(|addr| addr.as_socket_addr().copied())
        .ok_or_else(|| anyhow::anyhow!("no address bound"))?;
    println!("listening on http://{address}");
    let app = example_poem::app(auth);
    match resource {
        Some(server) => serve(acceptor, items::routes(server, app)).await,
        None => serve(acceptor, app).await,
    }
}

/// Serves `app` until Ctrl-C.
async fn serve(
    acceptor: impl Acceptor + 'static,
    app: impl Endpoint + 'static,
) -> anyhow::Result<()> {
    Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(
            app,
            async {
                let _ = tokio::signal::ctrl_c().await;
            },
            None,
        )
        .await?;
    Ok(())
}

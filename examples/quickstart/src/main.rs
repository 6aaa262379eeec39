//! The better-auth-rs quickstart: a small axum API whose `GET /me` answers for Better Auth
//! sessions.
//!
//! - Without `DATABASE_URL`, it opens (or creates) a demo SQLite database laid out exactly as
//!   Better Auth 1.7 creates it, with a demo user and a session signed with a demo secret, and
//!   prints the `curl` lines to try.
//! - With `DATABASE_URL` (postgres:// or sqlite://) and `BETTER_AUTH_SECRET`, it serves the
//!   sessions of that real Better Auth database instead.
//!
//! It listens on 127.0.0.1:`PORT` (default 8080).
#![forbid(unsafe_code)]

mod demo;

use std::net::SocketAddr;

use axum::{Json, Router, http::StatusCode, routing::get};
use better_auth_axum::{AuthRejection, AuthUser, Authenticator};
use serde_json::{Value, json};
use tracing_subscriber::EnvFilter;

async fn me(user: AuthUser) -> Json<Value> {
    let identity = user.into_identity();
    Json(json!({"user": identity.user, "session": identity.session}))
}

async fn healthz(
    axum::extract::State(auth): axum::extract::State<Authenticator>,
) -> Result<&'static str, AuthRejection> {
    auth.check_health().await?;
    Ok("ok")
}

async fn index() -> (StatusCode, &'static str) {
    (
        StatusCode::OK,
        "better-auth-rs quickstart: GET /me with a Better Auth session cookie or bearer token\n",
    )
}

/// The API: `/`, `/me`, `/healthz`.
fn app(auth: Authenticator) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/me", get(me))
        .route("/healthz", get(healthz))
        .with_state(auth)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,better_auth=info")),
        )
        .init();

    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .map_err(|_| anyhow::anyhow!("PORT must be a port number, got {port:?}"))?,
        Err(_) => 8080,
    };

    let (auth, demo) = if std::env::var("DATABASE_URL").is_ok_and(|url| !url.trim().is_empty()) {
        (Authenticator::from_env().await?, None)
    } else {
        let path = std::env::var("QUICKSTART_DB").unwrap_or_else(|_| "quickstart.db".to_owned());
        let (auth, session) = demo::open(&path).await?;
        (auth, Some((path, session)))
    };

    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let base = format!("http://{}", listener.local_addr()?);
    println!("better-auth-rs quickstart listening on {base}");
    match &demo {
        Some((path, session)) => demo::print_hints(&base, path, &auth, session),
        None => println!(
            "serving the sessions of DATABASE_URL; send a Better Auth session cookie to {base}/me"
        ),
    }

    // The peer address: each client's own rate limit and budget (see better_auth_core::client).
    axum::serve(
        listener,
        app(auth).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

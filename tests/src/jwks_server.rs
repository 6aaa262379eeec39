//! A JWKS server of the test's own on loopback, to break on purpose: down, slow, garbage, huge,
//! rotating. It counts the requests it receives.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{Router, extract::State, http::StatusCode, response::IntoResponse, routing::get};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

/// What the server answers.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// This JWKS document.
    Keys(Value),
    /// This document, after a delay.
    Slow(Duration, Value),
    /// A 200 whose body is not JSON.
    Garbage,
    /// A 200 with a body of this many bytes (a JSON string of `a`s in a JWKS shape).
    Huge(usize),
    /// This status with an empty body.
    Status(u16),
}

#[derive(Clone)]
struct Shared {
    behaviour: Arc<Mutex<Behaviour>>,
    hits: Arc<AtomicUsize>,
}

/// The server. Dropping it stops it.
pub struct JwksServer {
    addr: SocketAddr,
    shared: Shared,
    task: Option<JoinHandle<()>>,
}

async fn jwks(State(shared): State<Shared>) -> impl IntoResponse {
    shared.hits.fetch_add(1, Ordering::SeqCst);
    let behaviour = shared.behaviour.lock().unwrap().clone();
    match behaviour {
        Behaviour::Keys(document) => (StatusCode::OK, document.to_string()).into_response(),
        Behaviour::Slow(delay, document) => {
            tokio::time::sleep(delay).await;
            (StatusCode::OK, document.to_string()).into_response()
        }
        Behaviour::Garbage => (StatusCode::OK, "<html>not a key set</html>").into_response(),
        Behaviour::Huge(size) => {
            let body = format!("{{\"keys\":[],\"pad\":\"{}\"}}", "a".repeat(size));
            (StatusCode::OK, body).into_response()
        }
        Behaviour::Status(code) => StatusCode::from_u16(code).unwrap().into_response(),
    }
}

impl JwksServer {
    /// Starts serving `behaviour` on a free loopback port.
    pub async fn start(behaviour: Behaviour) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Shared {
            behaviour: Arc::new(Mutex::new(behaviour)),
            hits: Arc::new(AtomicUsize::new(0)),
        };
        let mut server = Self {
            addr,
            shared,
            task: None,
        };
        server.serve(listener);
        server
    }

    /// A port where nothing listens yet (the server is "down at start"); [`up`](Self::up)
    /// starts it there.
    pub async fn down(behaviour: Behaviour) -> Self {
        let mut server = Self::start(behaviour).await;
        server.stop().await;
        server
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let app = Router::new()
            .route("/api/auth/jwks", get(jwks))
            .with_state(self.shared.clone());
        self.task = Some(tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        }));
    }

    /// Stops listening: connections are refused.
    pub async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Listens again on the same port.
    pub async fn up(&mut self) {
        self.stop().await;
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }

    /// Changes what it answers.
    pub fn set(&self, behaviour: Behaviour) {
        *self.shared.behaviour.lock().unwrap() = behaviour;
    }

    /// How many JWKS requests it received.
    pub fn hits(&self) -> usize {
        self.shared.hits.load(Ordering::SeqCst)
    }

    /// The base URL (`http://127.0.0.1:PORT`), whose `/api/auth/jwks` serves the keys.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A JWKS document of these keys.
    pub fn document(keys: &[Value]) -> Value {
        json!({ "keys": keys })
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

//! The conformance suite every adapter runs (feature `test-utils`), in the manner of juniper's
//! HTTP test suite: an adapter implements [`TestClient`] (send a request, read status, headers
//! and body) over its framework's own test client, builds the contract app on
//! [`Fixture::authenticator`], and calls [`run`]. The four adapters cannot drift apart.
//!
//! # The contract app
//!
//! | route | answer |
//! |---|---|
//! | `GET /public` | 200 `ok`, no authentication at all |
//! | `GET /private` | 200 `ok` for an authenticated request, else the error |
//! | `GET /me` | 200 `{"user": {...}, "session": {...} or null, "via": "cookie" \| "bearer" \| "jwt" \| "api_key"}`; else the error |
//! | `GET /optional` | 200 `{"user": {...} or null}`: absent or refused credentials read as none |
//! | `GET /admin` | 200 `{"user": {...}}` for role `admin`; 401 unauthenticated; 403 `missing_role` |
//! | `POST /notes` | 201 `{"ok": true, "by": "<user id>"}`; cookie requests pass the Origin check |
//! | `GET /healthz` | 200 when the stores answer, else the 503 error |
//!
//! Errors are the authenticator's [`ErrorResponse`](crate::ErrorResponse)s.
// Test utilities: a failed setup step panics with its reason.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use async_trait::async_trait;

mod attacks;
mod fixture;
mod forge;
mod suite;

pub use attacks::{ATTACK_CORPUS, AttackCase, attack_cases, run_attacks};
pub use fixture::{BASE_URL, Fixture, FixtureApiKey, FixtureUser, SECRET, TRUSTED_ORIGIN};
pub use suite::{run, run_backend_down, run_custom_errors};

/// A request of the suite.
#[derive(Debug, Clone)]
pub struct TestRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, e.g. `/me`.
    pub path: String,
    /// Headers to send (lower-case names).
    pub headers: Vec<(String, String)>,
}

/// What the app answered.
#[derive(Debug, Clone)]
pub struct TestResponse {
    /// The status code.
    pub status: u16,
    /// Every header (names lower-case).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// Sends a request to the app under test, through the framework's test client. Futures need not
/// be `Send` (actix-web's test services are not).
#[async_trait(?Send)]
pub trait TestClient {
    /// Sends `request` and returns the full response.
    async fn send(&self, request: TestRequest) -> TestResponse;
}

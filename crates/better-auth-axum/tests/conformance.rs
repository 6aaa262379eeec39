//! The adapter conformance suite of better-auth-core (`better_auth_core::testing`), run in
//! process against the contract app of `examples/axum`, through `tower::ServiceExt::oneshot`.

// The example service's own routes, compiled into this test: the app a user copies is the app
// tested. They name only this crate's public API. (The example cannot be a dev-dependency: it
// depends on this crate, so cargo would link two copies of it.)
#[path = "../../../examples/axum/src/lib.rs"]
pub mod example_axum;

use async_trait::async_trait;
use axum::{Router, body::Body, http::Request};
use better_auth_core::testing::{self, Fixture, TestClient, TestRequest, TestResponse};
use http_body_util::BodyExt;
use tower::ServiceExt;

struct AxumClient(Router);

#[async_trait(?Send)]
impl TestClient for AxumClient {
    async fn send(&self, request: TestRequest) -> TestResponse {
        let mut builder = Request::builder()
            .method(request.method.as_str())
            .uri(&request.path);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value);
        }
        let response = self
            .0
            .clone()
            .oneshot(builder.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    value.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }
}

#[tokio::test]
async fn axum_passes_the_conformance_suite() {
    let fixture = Fixture::new().await;
    let client = AxumClient(example_axum::app(fixture.authenticator().await));
    testing::run(&client, &fixture).await;
}

#[tokio::test]
async fn axum_serves_the_test_kit_credentials() {
    let kit = better_auth_testkit::TestAuth::new();
    let client = AxumClient(example_axum::app(kit.authenticator()));
    better_auth_testkit::conformance::run(&client, &kit).await;
}

#[tokio::test]
async fn axum_sends_the_configured_error_rendering() {
    let fixture = Fixture::new().await;
    let client = AxumClient(example_axum::app(
        fixture.authenticator_with_custom_errors().await,
    ));
    testing::run_custom_errors(&client, &fixture).await;
}

#[tokio::test]
async fn axum_answers_503_when_the_store_is_down() {
    let fixture = Fixture::new().await;
    let client = AxumClient(example_axum::app(fixture.broken_authenticator().await));
    testing::run_backend_down(&client, &fixture).await;
}

#[tokio::test]
async fn axum_refuses_the_attack_corpus() {
    let fixture = Fixture::new().await;
    testing::run_attacks(
        &AxumClient(example_axum::app(fixture.authenticator().await)),
        &fixture,
    )
    .await;
}

/// The example's `GET /openapi.json` documents `/me` with Better Auth's three security schemes,
/// the cookie named as the service's configuration names it.
#[tokio::test]
async fn axum_documents_its_security_schemes() {
    use better_auth_core::{AuthConfig, SecretSet};

    let mut config = AuthConfig::new(SecretSet::single(better_auth_testkit::TEST_SECRET).unwrap());
    config.cookie_prefix = "acme".to_owned();
    let kit = better_auth_testkit::TestAuth::with_config(config);
    let client = AxumClient(example_axum::app(kit.authenticator()));
    let response = client
        .send(TestRequest {
            method: "GET".into(),
            path: "/openapi.json".into(),
            headers: Vec::new(),
        })
        .await;
    assert_eq!(response.status, 200);
    let document = response.json();
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(
        schemes["better_auth_session"],
        serde_json::json!({"type": "apiKey", "in": "cookie", "name": "acme.session_token",
            "description": "Better Auth's signed session cookie (TOKEN.SIGNATURE), set by its sign-in"}),
        "{document}"
    );
    assert_eq!(schemes["better_auth_bearer"]["scheme"], "bearer");
    assert_eq!(schemes["better_auth_api_key"]["in"], "header");
    assert_eq!(schemes["better_auth_api_key"]["name"], "x-api-key");
    assert_eq!(
        document["paths"]["/me"]["get"]["security"],
        serde_json::json!([{"better_auth_session": []}, {"better_auth_bearer": []}, {"better_auth_api_key": []}]),
        "any one of the three"
    );
    // And the cookie the document names is the one the service reads.
    let alice = kit.user("alice@example.com").create();
    let cookie = kit.session(&alice).create().cookie();
    assert!(cookie.starts_with("acme.session_token="), "{cookie}");
    let response = client
        .send(TestRequest {
            method: "GET".into(),
            path: "/me".into(),
            headers: vec![("cookie".into(), cookie)],
        })
        .await;
    assert_eq!(response.status, 200);
}

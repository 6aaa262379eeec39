//! poem-openapi: an `#[OpenApi]` operation taking `OpenApiUser` documents Better Auth's three
//! schemes, with the cookie named as the service's configuration names it, and authenticates
//! as `AuthUser` does (checked with the test kit's credentials).

#![cfg(feature = "openapi")]

use better_auth_core::{AuthConfig, SecretSet};
use better_auth_poem::{BetterAuth, openapi::OpenApiUser};
use better_auth_testkit::{TEST_SECRET, TestAuth};
use poem::{EndpointExt, Route, test::TestClient};
use poem_openapi::{OpenApi, OpenApiService, payload::PlainText};

struct Api;

#[OpenApi]
impl Api {
    /// The signed-in user's email.
    #[oai(path = "/me", method = "get")]
    async fn me(&self, user: OpenApiUser) -> PlainText<String> {
        PlainText(user.user.email.clone())
    }
}

#[tokio::test]
async fn operations_document_the_configured_schemes_and_authenticate() {
    let mut config = AuthConfig::new(SecretSet::single(TEST_SECRET).unwrap());
    config.cookie_prefix = "acme".to_owned();
    assert!(better_auth_poem::openapi::document_names_of(&config));
    let kit = TestAuth::with_config(config);

    let service = OpenApiService::new(Api, "kit", "1.0");
    let document: serde_json::Value = serde_json::from_str(&service.spec()).unwrap();
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["better_auth_session"]["name"], "acme.session_token");
    assert_eq!(schemes["better_auth_session"]["in"], "cookie");
    assert_eq!(schemes["better_auth_bearer"]["scheme"], "bearer");
    assert_eq!(schemes["better_auth_api_key"]["name"], "x-api-key");
    assert_eq!(
        document["paths"]["/me"]["get"]["security"],
        serde_json::json!([{"better_auth_session": []}, {"better_auth_bearer": []}, {"better_auth_api_key": []}])
    );

    let client = TestClient::new(
        Route::new()
            .nest("/", service)
            .with(BetterAuth::new(kit.authenticator())),
    );
    let alice = kit.user("alice@example.com").create();
    let session = kit.session(&alice).create();
    let response = client
        .get("/me")
        .header("cookie", session.cookie())
        .send()
        .await;
    response.assert_status_is_ok();
    response.assert_text("alice@example.com").await;
    let response = client
        .get("/me")
        .header("authorization", kit.jwt(&alice).bearer())
        .send()
        .await;
    response.assert_status_is_ok();
    let response = client.get("/me").send().await;
    response.assert_status(poem::http::StatusCode::UNAUTHORIZED);
    let expired = kit.session(&alice).expired().create();
    let response = client
        .get("/me")
        .header("cookie", expired.cookie())
        .send()
        .await;
    response.assert_status(poem::http::StatusCode::UNAUTHORIZED);
    response
        .assert_json(serde_json::json!({"code": "session_expired", "message": "session expired"}))
        .await;
}

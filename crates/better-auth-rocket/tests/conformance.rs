//! The adapter conformance suite of better-auth-core (`better_auth_core::testing`), run in
//! process against the contract app of `examples/rocket` (Rocket's local asynchronous client).

// The example service's own routes, compiled into this test: the app a user copies is the app
// tested. They name only this crate's public API. (The example cannot be a dev-dependency: it
// depends on this crate, so cargo would link two copies of it.)
#[path = "../../../examples/rocket/src/lib.rs"]
pub mod example_rocket;

use async_trait::async_trait;
use better_auth_core::{
    Authenticator,
    testing::{self, Fixture, TestClient, TestRequest, TestResponse},
};
use rocket::{
    http::{Header, Method},
    local::asynchronous::Client,
};

struct RocketClient(Client);

#[async_trait(?Send)]
impl TestClient for RocketClient {
    async fn send(&self, request: TestRequest) -> TestResponse {
        let method: Method = request.method.parse().unwrap();
        let mut req = self.0.req(method, request.path.clone());
        for (name, value) in request.headers {
            req = req.header(Header::new(name, value));
        }
        let response = req.dispatch().await;
        let status = response.status().code;
        let headers = response
            .headers()
            .iter()
            .map(|header| {
                (
                    header.name().as_str().to_ascii_lowercase(),
                    header.value().to_owned(),
                )
            })
            .collect();
        let body = response.into_bytes().await.unwrap_or_default();
        TestResponse {
            status,
            headers,
            body,
        }
    }
}

async fn client(auth: Authenticator) -> RocketClient {
    let rocket = example_rocket::mount(rocket::build(), auth);
    RocketClient(Client::untracked(rocket).await.unwrap())
}

#[rocket::async_test]
async fn rocket_passes_the_conformance_suite() {
    let fixture = Fixture::new().await;
    testing::run(&client(fixture.authenticator().await).await, &fixture).await;
}

#[rocket::async_test]
async fn rocket_serves_the_test_kit_credentials() {
    let kit = better_auth_testkit::TestAuth::new();
    better_auth_testkit::conformance::run(&client(kit.authenticator()).await, &kit).await;
}

#[rocket::async_test]
async fn rocket_sends_the_configured_error_rendering() {
    let fixture = Fixture::new().await;
    testing::run_custom_errors(
        &client(fixture.authenticator_with_custom_errors().await).await,
        &fixture,
    )
    .await;
}

#[rocket::async_test]
async fn rocket_answers_503_when_the_store_is_down() {
    let fixture = Fixture::new().await;
    testing::run_backend_down(
        &client(fixture.broken_authenticator().await).await,
        &fixture,
    )
    .await;
}

#[rocket::async_test]
async fn rocket_refuses_the_attack_corpus() {
    let fixture = Fixture::new().await;
    testing::run_attacks(&client(fixture.authenticator().await).await, &fixture).await;
}

//! The adapter conformance suite of better-auth-core (`better_auth_core::testing`), run in
//! process against the contract app of `examples/poem` (Poem's own test client).

// The example service's own routes, compiled into this test: the app a user copies is the app
// tested. They name only this crate's public API. (The example cannot be a dev-dependency: it
// depends on this crate, so cargo would link two copies of it.)
#[path = "../../../examples/poem/src/lib.rs"]
pub mod example_poem;

use async_trait::async_trait;
use better_auth_core::{
    Authenticator,
    testing::{self, Fixture, TestClient, TestRequest, TestResponse},
};
use poem::{Endpoint, http::Method, test::TestClient as PoemClient};

struct Client<E: Endpoint>(PoemClient<E>);

#[async_trait(?Send)]
impl<E: Endpoint> TestClient for Client<E> {
    async fn send(&self, request: TestRequest) -> TestResponse {
        let method = Method::from_bytes(request.method.as_bytes()).unwrap();
        let mut req = self.0.request(method, request.path.clone());
        for (name, value) in request.headers {
            req = req.header(name, value);
        }
        let response = req.send().await.0;
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
        let body = response.into_body().into_vec().await.unwrap_or_default();
        TestResponse {
            status,
            headers,
            body,
        }
    }
}

fn client(auth: Authenticator) -> Client<impl Endpoint> {
    Client(PoemClient::new(example_poem::app(auth)))
}

#[tokio::test]
async fn poem_passes_the_conformance_suite() {
    let fixture = Fixture::new().await;
    testing::run(&client(fixture.authenticator().await), &fixture).await;
}

#[tokio::test]
async fn poem_serves_the_test_kit_credentials() {
    let kit = better_auth_testkit::TestAuth::new();
    better_auth_testkit::conformance::run(&client(kit.authenticator()), &kit).await;
}

#[tokio::test]
async fn poem_sends_the_configured_error_rendering() {
    let fixture = Fixture::new().await;
    testing::run_custom_errors(
        &client(fixture.authenticator_with_custom_errors().await),
        &fixture,
    )
    .await;
}

#[tokio::test]
async fn poem_answers_503_when_the_store_is_down() {
    let fixture = Fixture::new().await;
    testing::run_backend_down(&client(fixture.broken_authenticator().await), &fixture).await;
}

#[tokio::test]
async fn the_required_middleware_refuses_before_the_endpoint() {
    use better_auth_poem::BetterAuth;
    use poem::{EndpointExt, Route, get, handler};

    #[handler]
    fn open() -> &'static str {
        "reached"
    }
    let fixture = Fixture::new().await;
    let app = Route::new()
        .at("/x", get(open))
        .with(BetterAuth::new(fixture.authenticator().await).required());
    let cli = PoemClient::new(app);
    let response = cli.get("/x").send().await;
    response.assert_status(poem::http::StatusCode::UNAUTHORIZED);
    let response = cli
        .get("/x")
        .header("cookie", fixture.cookie(testing::FixtureUser::Alice))
        .send()
        .await;
    response.assert_status_is_ok();
}

#[tokio::test]
async fn poem_refuses_the_attack_corpus() {
    let fixture = Fixture::new().await;
    testing::run_attacks(&client(fixture.authenticator().await), &fixture).await;
}

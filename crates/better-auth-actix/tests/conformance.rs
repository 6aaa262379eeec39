//! The adapter conformance suite of better-auth-core (`better_auth_core::testing`), run in
//! process against the contract app of `examples/actix` (actix-web's own test service).

// The example service's own routes, compiled into this test: the app a user copies is the app
// tested. They name only this crate's public API. (The example cannot be a dev-dependency: it
// depends on this crate, so cargo would link two copies of it.)
#[path = "../../../examples/actix/src/lib.rs"]
pub mod example_actix;

use actix_web::{
    App, Error,
    body::{BoxBody, MessageBody},
    dev::{Service, ServiceResponse},
    test,
};
use async_trait::async_trait;
use better_auth_core::{
    Authenticator,
    testing::{self, Fixture, TestClient, TestRequest, TestResponse},
};

struct ActixClient<S>(S);

#[async_trait(?Send)]
impl<S> TestClient for ActixClient<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<BoxBody>, Error = Error>,
{
    async fn send(&self, request: TestRequest) -> TestResponse {
        let method = actix_web::http::Method::from_bytes(request.method.as_bytes()).unwrap();
        let mut builder = test::TestRequest::default()
            .method(method)
            .uri(&request.path);
        for (name, value) in &request.headers {
            builder = builder.append_header((name.as_str(), value.as_str()));
        }
        let response = test::call_service(&self.0, builder.to_request()).await;
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
            .try_into_bytes()
            .map(|b| b.to_vec())
            .unwrap_or_default();
        TestResponse {
            status,
            headers,
            body,
        }
    }
}

async fn client(
    auth: Authenticator,
) -> ActixClient<
    impl Service<actix_http::Request, Response = ServiceResponse<BoxBody>, Error = Error>,
> {
    let app = App::new().configure(example_actix::configure(auth));
    ActixClient(test::init_service(app).await)
}

#[actix_web::test]
async fn actix_passes_the_conformance_suite() {
    let fixture = Fixture::new().await;
    testing::run(&client(fixture.authenticator().await).await, &fixture).await;
}

#[actix_web::test]
async fn actix_serves_the_test_kit_credentials() {
    let kit = better_auth_testkit::TestAuth::new();
    better_auth_testkit::conformance::run(&client(kit.authenticator()).await, &kit).await;
}

#[actix_web::test]
async fn actix_sends_the_configured_error_rendering() {
    let fixture = Fixture::new().await;
    testing::run_custom_errors(
        &client(fixture.authenticator_with_custom_errors().await).await,
        &fixture,
    )
    .await;
}

#[actix_web::test]
async fn actix_answers_503_when_the_store_is_down() {
    let fixture = Fixture::new().await;
    testing::run_backend_down(
        &client(fixture.broken_authenticator().await).await,
        &fixture,
    )
    .await;
}

#[actix_web::test]
async fn a_missing_authenticator_is_a_clear_500() {
    let app = test::init_service(
        App::new().service(
            actix_web::web::resource("/me")
                .to(|user: better_auth_actix::AuthUser| async move { user.user.id.clone() }),
        ),
    )
    .await;
    let response = test::call_service(&app, test::TestRequest::get().uri("/me").to_request()).await;
    assert_eq!(response.status().as_u16(), 500);
}

#[actix_web::test]
async fn actix_refuses_the_attack_corpus() {
    let fixture = Fixture::new().await;
    testing::run_attacks(&client(fixture.authenticator().await).await, &fixture).await;
}

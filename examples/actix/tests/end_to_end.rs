//! The example binary, started as a user would, against a real Better Auth server and a real
//! PostgreSQL: the shared end-to-end scenario of `better_auth_tests::scenario`.

#[tokio::test]
async fn end_to_end_with_a_real_better_auth() {
    better_auth_tests::scenario::run(env!("CARGO_BIN_EXE_example-actix")).await;
}

#[tokio::test]
async fn deployment_shapes_from_the_environment() {
    better_auth_tests::scenario::run_deployment_shapes(env!("CARGO_BIN_EXE_example-actix")).await;
}

/// A refresh's cookies carry the attributes Better Auth gives its own (`crossSubDomainCookies`,
/// `sameSite`, `partitioned`, `secure`): compared with Better Auth's `Set-Cookie`.
#[tokio::test]
async fn refresh_cookies_carry_better_auths_cookie_attributes() {
    better_auth_tests::cookie_scenario::run(env!("CARGO_BIN_EXE_example-actix")).await;
}

/// The OAuth resource-server routes against a real Better Auth OAuth provider.
#[tokio::test]
async fn oauth_resource_server_with_a_real_better_auth_provider() {
    better_auth_tests::resource_scenario::run(env!("CARGO_BIN_EXE_example-actix")).await;
}

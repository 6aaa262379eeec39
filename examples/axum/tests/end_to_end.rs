//! The example binary, started as a user would, against a real Better Auth server and the
//! machine's PostgreSQL, MariaDB and Redis: the shared end-to-end scenario of
//! `better_auth_tests::scenario`, and the faults under load of `better_auth_tests::faults`.

#[tokio::test]
async fn end_to_end_with_a_real_better_auth() {
    better_auth_tests::scenario::run(env!("CARGO_BIN_EXE_example-axum")).await;
}

#[tokio::test]
async fn deployment_shapes_from_the_environment() {
    better_auth_tests::scenario::run_deployment_shapes(env!("CARGO_BIN_EXE_example-axum")).await;
}

/// A refresh's cookies carry the attributes Better Auth gives its own (`crossSubDomainCookies`,
/// `sameSite`, `partitioned`, `secure`): compared with Better Auth's `Set-Cookie`.
#[tokio::test]
async fn refresh_cookies_carry_better_auths_cookie_attributes() {
    better_auth_tests::cookie_scenario::run(env!("CARGO_BIN_EXE_example-axum")).await;
}

/// The binary under load while the path to PostgreSQL, MariaDB or Redis is cut, blackholed and
/// slowed: only 200 or 503, within the timeout, and recovery without a restart. This adapter
/// runs it for all four (the fault handling is the core's; every adapter's 503 mapping is the
/// conformance suite's `run_backend_down`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_under_load_answer_503_in_time_and_recover() {
    better_auth_tests::faults::run_every_backend(env!("CARGO_BIN_EXE_example-axum")).await;
}

/// The OAuth resource-server routes against a real Better Auth OAuth provider.
#[tokio::test]
async fn oauth_resource_server_with_a_real_better_auth_provider() {
    better_auth_tests::resource_scenario::run(env!("CARGO_BIN_EXE_example-axum")).await;
}

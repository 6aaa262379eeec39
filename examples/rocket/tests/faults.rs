//! The example binary under load while the path to PostgreSQL is cut,
//! blackholed and slowed: only 200 or 503, within the timeout, and recovery without a restart
//! (`better_auth_tests::faults`).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_under_load_answer_503_in_time_and_recover() {
    better_auth_tests::faults::run_postgres(env!("CARGO_BIN_EXE_example-rocket")).await;
}

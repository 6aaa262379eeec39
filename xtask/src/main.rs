//! Project tasks, with nothing to install beyond Rust, Node and cargo-nextest:
//!
//! - `cargo xtask test`: everything the tests need beyond the machine's services (the Better
//!   Auth server's npm packages), a check that those services answer, then every test of the
//!   workspace: unit, integration, conformance, interop with a real Better Auth and end to end
//!   (cargo-nextest, `.config/nextest.toml`), doc tests, and the benches once in test mode.
//! - `cargo xtask lint`: `cargo fmt --check`, clippy with `-D warnings` over all targets and
//!   features, the feature matrix (every feature of the core and of each adapter alone, and the
//!   README's combination), rustdoc with warnings denied, and each library's public items held
//!   against its list in `docs/public-api/`.
//! - `cargo xtask public-api [--bless]`: those lists checked, or written anew after a
//!   deliberate change of the public API.
//! - `cargo xtask ci`: lint, test, then each fuzz target for 10 s; what `.ci/run` runs.
//! - `cargo xtask bench`: the load benchmark (see `tests/loadbench/`): one user, then 10,000
//!   users under a Zipf law (`--skewed-only`: only those; `--frameworks`, `--duration S`).
//! - `cargo xtask soak`: one example service under load for 60 s (`--seconds N`): zero errors,
//!   resident set flat.
//! - `cargo xtask abuse`: signed-in users beside abusive clients on each store, Better Auth with
//!   its rate limiter on (`--duration S`): every user's answer 200, p99 within twice the quiet
//!   run's.
//! - `cargo xtask fuzz`: each fuzz target of `fuzz/` for a few seconds (`--seconds N`).
//!
//! Third-party crates are compiled through sccache when it is installed (`cargo xtask ci`
//! installs it), with a content-addressed cache outside the clone; this repository's crates are
//! always compiled (see `build_cache.rs`). Every task ends with a table of the wall time of each
//! of its steps.
#![forbid(unsafe_code)]

mod build_cache;
mod cmd;
mod fuzz;
mod manifest;
mod public_api;
mod services;
mod tasks;
mod timings;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => tasks::test(&args[1..]),
        Some("lint") => tasks::lint(),
        Some("ci") => tasks::ci(),
        Some("npm") => tasks::npm_install(),
        Some("bench") => tasks::bench(&args[1..]),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        Some("soak") => tasks::soak(&args[1..]),
        Some("abuse") => tasks::abuse(&args[1..]),
        Some("public-api") => tasks::public_api(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <task>\n\n  test [nextest args]     run every test (starts what the tests need); with arguments,\n                          only `cargo nextest run` with them (filters, --no-capture)\n  lint                    fmt, clippy, the feature matrix, rustdoc (warnings are errors)\n  ci                      lint, test, then each fuzz target for 10 s\n  npm                     install the Better Auth test server's packages\n  bench [--duration S] [--connections N] [--frameworks a,b] [--skewed-only]\n                          the load benchmark (wrk, PostgreSQL, Better Auth, the four services):\n                          one user, then 10,000 under a Zipf law (only those: --skewed-only)\n  soak [--seconds S] [--frameworks f]\n                          one service under wrk for S seconds (default 60): no error, flat memory\n  abuse [--duration S]    signed-in users beside abusive clients on each store (Better Auth\n                          with its rate limiter on): users' answers all 200, p99 within 2x\n  fuzz [--seconds S] [targets]\n                          each cargo-fuzz target for S seconds (default 10)"
            );
            return ExitCode::from(2);
        }
    };
    build_cache::report();
    timings::print();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

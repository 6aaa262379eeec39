//! The load benchmark behind `cargo xtask bench`: one run, two tables.
//!
//! It starts a PostgreSQL of its own (initdb in a temporary folder, pinned to CPU 0), a real
//! Better Auth server on it (pinned to CPU 0), and each example service (release build, pinned to
//! CPU 0), and drives `wrk` (pinned to CPU 1).
//!
//! The first table, one user: it signs a user up through Better Auth, then measures every
//! framework's unauthenticated `/public`, `/me` by session cookie (uncached: one database
//! lookup per request), `/me` by cookie with the in-process cache, `/me` by JWT; and Better
//! Auth's own `get-session`. It prints req/s, p50, p99 and errors, with the ratios against
//! Better Auth's get-session and against the same framework's `/public`.
//!
//! The second table, "skewed load, 10,000 users" (`skewed.rs`): 10,000 users signed in (5
//! through Better Auth's sign-up, the others written in bulk as Better Auth writes them and
//! checked column by column against its rows: `population.rs`), requested by a Zipf law of
//! exponent 1.1 (`zipf.lua`) on `/me`: by cookie with an in-process cache of 2,000 entries (it
//! evicts) at 32, 512 and 5,000 connections, by cookie with the cache off (batched lookups, and
//! one query per miss), by bearer token, by JWT (the first 1,000 users); and Better Auth's
//! `get-session` under the same script at 32 and 512 connections. It adds p999, the cache hit
//! rate and the database queries per second, counted by `pg_stat_statements`.
//!
//! `--api-key-abuse` instead measures what clients sending random API keys cost the others
//! (`api_key_abuse.rs`; no `wrk`, no services of its own).
//!
//! Arguments: `--duration SECONDS` (default 10), `--connections N` (the first table's, default
//! 32), `--frameworks axum,actix,rocket,poem`, `--pool-size N` (the services' database pool,
//! 16), `--skewed-only` (only the second table), `--soak SECONDS` (instead of the tables: the
//! soak of `soak.rs`, against the first framework).
//! Needs `wrk` and `taskset` (Debian: `wrk`, `util-linux`), PostgreSQL 15's binaries (with
//! `pg_stat_statements`), Node 20+. Bounded: it stops by itself (at `--duration 10`, about 10
//! minutes of load for the first table and 7 for the second, with the four frameworks).
#![allow(
    missing_docs,
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used
)]

mod abuse;
mod api_key_abuse;
mod machine;
mod population;
mod raw_verify;
mod skewed;
mod soak;
mod wrk;

use better_auth_tests::{SECRET, better_auth::BetterAuthServer};
use machine::{Postgres, Service, create_database, pin_to_cpu, release_dir};
use serde_json::json;
use wrk::{Measure, wrk};

struct Options {
    duration: u64,
    connections: u32,
    frameworks: Vec<String>,
    pool_size: u32,
    skewed_only: bool,
    soak: Option<u64>,
}

fn options() -> Options {
    let mut options = Options {
        duration: 10,
        connections: 32,
        frameworks: ["axum", "actix", "rocket", "poem"]
            .map(String::from)
            .to_vec(),
        pool_size: 16,
        skewed_only: false,
        soak: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        if args[i] == "--skewed-only" {
            options.skewed_only = true;
            i += 1;
            continue;
        }
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--duration" => options.duration = value.parse().expect("--duration SECONDS"),
            "--connections" => options.connections = value.parse().expect("--connections N"),
            "--frameworks" => options.frameworks = value.split(',').map(str::to_owned).collect(),
            "--pool-size" => options.pool_size = value.parse().expect("--pool-size N"),
            "--soak" => options.soak = Some(value.parse().expect("--soak SECONDS")),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    options
}

fn main() -> std::process::ExitCode {
    if std::env::args().nth(1).as_deref() == Some("--raw-verify") {
        raw_verify::run_here();
        return std::process::ExitCode::SUCCESS;
    }
    if std::env::args().nth(1).as_deref() == Some("--abuse") {
        let duration = std::env::args()
            .skip_while(|arg| arg != "--duration")
            .nth(1)
            .map_or(10, |value| value.parse().expect("--duration SECONDS"));
        return abuse::run(duration);
    }
    if std::env::args().nth(1).as_deref() == Some("--api-key-abuse") {
        let args: Vec<String> = std::env::args().skip(2).collect();
        api_key_abuse::run(&args);
        return std::process::ExitCode::SUCCESS;
    }
    let options = options();
    if let Some(seconds) = options.soak {
        return match soak::soak(&options, seconds) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(reason) => {
                eprintln!("soak failed: {reason}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let pg = Postgres::start();
    create_database(&pg.url("postgres"), "bench");
    let database = pg.url("bench");

    // Better Auth with the JWT plugin (it hands out the tokens, and serves the services' JWKS).
    let issuer = runtime.block_on(BetterAuthServer::start(better_auth_config(
        &database,
        json!({"bearer": {}, "jwt": {}}),
    )));
    if !options.skewed_only {
        one_user_table(&options, &runtime, &database, &issuer);
        println!();
    }
    skewed::table(&options, &runtime, &database, "bench", &issuer);
    drop(issuer);
    std::process::ExitCode::SUCCESS
}

/// The Better Auth server's configuration on `database`, with the bench's secret.
fn better_auth_config(database: &str, plugins: serde_json::Value) -> serde_json::Value {
    json!({"database": {"kind": "postgres", "url": database}, "secret": SECRET, "plugins": plugins})
}

/// The first table: one user, every endpoint (see the module).
fn one_user_table(
    options: &Options,
    runtime: &tokio::runtime::Runtime,
    database: &str,
    issuer: &BetterAuthServer,
) {
    let signed =
        runtime.block_on(issuer.sign_up("bench@example.com", "correct horse battery", "Bench"));
    let cookie = format!("cookie: {}", signed.cookie_header());
    let jwt = format!(
        "authorization: Bearer {}",
        runtime.block_on(issuer.get_jwt(&signed.cookie_header()))
    );
    // Better Auth without plugins: the get-session baseline, as a plain deployment runs it.
    let baseline = runtime.block_on(BetterAuthServer::start(better_auth_config(
        database,
        json!({}),
    )));
    if let Some(pid) = baseline.pid() {
        pin_to_cpu(pid, 0);
    }

    let (d, c) = (options.duration, options.connections);
    println!(
        "machine: {} CPUs; wrk -t1 -c{c} -d{d}s, servers and PostgreSQL on CPU 0, wrk on CPU 1",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    let better_auth = wrk(
        &format!("{}/api/auth/get-session", baseline.base_url()),
        Some(&cookie),
        d,
        c,
    );
    drop(baseline);

    let mut rows = vec![(
        "better-auth",
        "get-session (Node)".to_owned(),
        better_auth,
        None::<Measure>,
    )];
    let mut jwt_rates = Vec::new();
    for framework in &options.frameworks {
        let binary = release_dir().join(format!("example-{framework}"));
        let env = |cache: &str, jwt_cache: &str| {
            vec![
                ("DATABASE_URL", database.to_owned()),
                ("BETTER_AUTH_SECRET", SECRET.to_owned()),
                ("BETTER_AUTH_URL", issuer.base_url().to_owned()),
                ("BETTER_AUTH_CACHE_TTL_MS", cache.to_owned()),
                ("BETTER_AUTH_JWT_CACHE", jwt_cache.to_owned()),
                ("BETTER_AUTH_DB_POOL_SIZE", options.pool_size.to_string()),
            ]
        };
        let private = |service: &Service| format!("{}/private", service.base);
        let me = |service: &Service| format!("{}/me", service.base);

        // The database path, and JWTs with the verified-token cache (the default).
        let service = Service::start(&binary, &env("0", "true"));
        let uncached = wrk(&private(&service), Some(&cookie), d, c);
        let uncached_me = wrk(&me(&service), Some(&cookie), d, c);
        let by_jwt = wrk(&private(&service), Some(&jwt), d, c);
        let by_jwt_me = wrk(&me(&service), Some(&jwt), d, c);
        drop(service);
        // Every JWT signature verified, every request.
        let service = Service::start(&binary, &env("0", "false"));
        let by_jwt_verified = wrk(&private(&service), Some(&jwt), d, c);
        drop(service);
        // The cached path against the same process's /public, interleaved three times, medians:
        // the two differ by about a microsecond, less than the drift between runs.
        let service = Service::start(&binary, &env("60000", "true"));
        let mut publics = Vec::new();
        let mut cacheds = Vec::new();
        for _ in 0..3 {
            publics.push(wrk(&format!("{}/public", service.base), None, d, c));
            cacheds.push(wrk(&private(&service), Some(&cookie), d, c));
        }
        let public = median(publics);
        let cached = median(cacheds);
        let cached_me = wrk(&me(&service), Some(&cookie), d, c);
        drop(service);
        let f = framework.as_str();
        for (endpoint, measure) in [
            ("/public (no auth), median of 3", public),
            ("/private cookie, uncached", uncached),
            ("/private cookie, cached, median of 3", cached),
            (
                "/private JWT (EdDSA), every signature verified",
                by_jwt_verified,
            ),
            ("/private JWT (EdDSA), verified-token cache", by_jwt),
            ("/me cookie, uncached", uncached_me),
            ("/me cookie, cached", cached_me),
            ("/me JWT (EdDSA), verified-token cache", by_jwt_me),
        ] {
            rows.push((f, endpoint.to_owned(), measure, Some(public)));
        }
        jwt_rates.push((f, by_jwt_verified.rps));
    }

    println!();
    println!(
        "| framework | endpoint | req/s | p50 ms | p99 ms | errors | x Better Auth get-session | x own /public |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for (framework, endpoint, m, public) in rows {
        let vs_public = public.map_or("".to_owned(), |p| format!("{:.2}", m.rps / p.rps));
        println!(
            "| {framework} | {endpoint} | {:.0} | {:.2} | {:.2} | {} | {:.1} | {vs_public} |",
            m.rps,
            m.p50_ms,
            m.p99_ms,
            m.errors,
            m.rps / better_auth.rps
        );
    }
    let raw = raw_verify::rate();
    println!();
    println!(
        "raw Ed25519 verification (aws-lc-rs, one thread on CPU 0, a {}-byte signing input): {:.0}/s",
        raw.input_len, raw.per_second
    );
    for (framework, rps) in jwt_rates {
        println!(
            "{framework}: JWT path, every signature verified, at {:.2}x the raw verification rate",
            rps / raw.per_second
        );
    }
}

/// The measurement with the median request rate.
fn median(mut measures: Vec<Measure>) -> Measure {
    measures.sort_by(|a, b| a.rps.total_cmp(&b.rps));
    measures[measures.len() / 2]
}

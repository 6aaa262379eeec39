//! The load benchmark behind `cargo xtask bench`: one run, one table.
//!
//! It starts a PostgreSQL of its own (initdb in a temporary folder, pinned to CPU 0), a real
//! Better Auth server on it (pinned to CPU 0), and each example service (release build, pinned to
//! CPU 0); it signs a user up through Better Auth, then drives `wrk` (pinned to CPU 1) against:
//! every framework's unauthenticated `/public`, `/me` by session cookie (uncached: one database
//! lookup per request), `/me` by cookie with the in-process cache, `/me` by JWT; and Better
//! Auth's own `get-session`. It prints req/s, p50, p99 and errors, with the ratios against
//! Better Auth's get-session and against the same framework's `/public`.
//!
//! Arguments: `--duration SECONDS` (default 10), `--connections N` (default 32),
//! `--frameworks axum,actix,rocket,poem`, `--pool-size N` (the services' database pool, 16). Needs `wrk` and `taskset` (Debian: `wrk`,
//! `util-linux`), PostgreSQL 15's binaries, Node 20+. Bounded: it stops by itself.
#![allow(
    missing_docs,
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use better_auth_tests::{SECRET, better_auth::BetterAuthServer};
use serde_json::json;

struct Options {
    duration: u64,
    connections: u32,
    frameworks: Vec<String>,
    pool_size: u32,
}

fn options() -> Options {
    let mut options = Options {
        duration: 10,
        connections: 32,
        frameworks: ["axum", "actix", "rocket", "poem"]
            .map(String::from)
            .to_vec(),
        pool_size: 16,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--duration" => options.duration = value.parse().expect("--duration SECONDS"),
            "--connections" => options.connections = value.parse().expect("--connections N"),
            "--frameworks" => options.frameworks = value.split(',').map(str::to_owned).collect(),
            "--pool-size" => options.pool_size = value.parse().expect("--pool-size N"),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    options
}

/// Whether the machine has two CPUs or more: then servers go on CPU 0 and wrk on CPU 1.
fn pinning() -> bool {
    std::thread::available_parallelism()
        .map(|n| n.get() >= 2)
        .unwrap_or(false)
}

fn pinned(cpu: u32, program: &str) -> Command {
    if pinning() {
        let mut command = Command::new("taskset");
        command.args(["-c", &cpu.to_string(), program]);
        command
    } else {
        Command::new(program)
    }
}

/// A PostgreSQL server of the benchmark's own.
struct Postgres {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Postgres {
    fn start() -> Self {
        let bin = Path::new("/usr/lib/postgresql/15/bin");
        let dir = tempfile::Builder::new()
            .prefix("ba-rs-bench-pg")
            .tempdir()
            .unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        // PostgreSQL refuses to run as root: the `postgres` account runs it.
        let as_root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout == b"0\n")
            .unwrap_or(false);
        if as_root {
            Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
        }
        let run_as = |program: &Path| {
            let mut command = if as_root {
                Command::new("runuser")
            } else {
                Command::new(program)
            };
            if as_root {
                command.args(["-u", "postgres", "--"]).arg(program);
            }
            command
        };
        let status = run_as(&bin.join("initdb"))
            .args(["-D"])
            .arg(&data)
            .args(["-A", "trust", "-U", "postgres", "--no-sync"])
            .stdout(Stdio::null())
            .status()
            .expect("initdb (PostgreSQL 15 binaries)");
        assert!(status.success(), "initdb failed");
        let port = free_port();
        let mut command = if pinning() {
            Command::new("taskset")
        } else {
            run_as(&bin.join("postgres"))
        };
        if pinning() {
            command.args(["-c", "0"]);
            if as_root {
                command.args(["runuser", "-u", "postgres", "--"]);
            }
            command.arg(bin.join("postgres"));
        }
        let child = command
            .args(["-D"])
            .arg(&data)
            .args(["-p", &port.to_string(), "-k"])
            .arg(dir.path())
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "max_connections=200",
                "-c",
                "shared_buffers=128MB",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start postgres");
        let pg = Self { child, dir, port };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return pg;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the benchmark's PostgreSQL did not start");
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = &self.dir;
    }
}

/// One wrk measurement.
#[derive(Debug, Clone, Copy, Default)]
struct Measure {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

fn parse_time_ms(text: &str) -> f64 {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(text.len()),
    );
    let value: f64 = number.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => value / 1000.0,
        "ms" => value,
        "s" => value * 1000.0,
        "m" => value * 60_000.0,
        _ => f64::NAN,
    }
}

fn wrk(url: &str, header: Option<&str>, seconds: u64, connections: u32) -> Measure {
    let run = |seconds: u64| {
        let mut command = pinned(1, "wrk");
        command.args([
            "-t1",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
            "--timeout",
            "5s",
        ]);
        if let Some(header) = header {
            command.args(["-H", header]);
        }
        command
            .arg(url)
            .output()
            .expect("wrk (apt-get install wrk)")
    };
    run(1); // warm-up
    let output = String::from_utf8_lossy(&run(seconds).stdout).into_owned();
    let mut measure = Measure::default();
    for line in output.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("Requests/sec:") {
            measure.rps = rest.trim().parse().unwrap_or(0.0);
        } else if let Some(rest) = line.strip_prefix("50%") {
            measure.p50_ms = parse_time_ms(rest);
        } else if let Some(rest) = line.strip_prefix("99%") {
            measure.p99_ms = parse_time_ms(rest);
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            measure.errors += rest.trim().parse::<u64>().unwrap_or(0);
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            measure.errors += rest
                .split(',')
                .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    measure
}

/// An example service (release binary) pinned to CPU 0.
struct Service {
    child: Child,
    base: String,
}

impl Service {
    fn start(binary: &Path, env: &[(&str, String)]) -> Self {
        let port = free_port();
        let mut command = pinned(0, binary.to_str().unwrap());
        command
            .env_clear()
            .env("PORT", port.to_string())
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        // Dropped (killed and waited for) on every path, the panic included.
        let service = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..150 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return service;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{} did not start", binary.display());
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn release_dir() -> PathBuf {
    std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf()
}

fn create_database(url: &str, name: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use sqlx::{Connection, Executor};
        let mut admin = sqlx::PgConnection::connect(url).await.unwrap();
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .await
            .unwrap();
    });
}

fn main() {
    let options = options();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let pg = Postgres::start();
    create_database(&pg.url("postgres"), "bench");
    let database = pg.url("bench");

    // Better Auth: one server with the JWT plugin (it hands out the tokens), one without (the
    // get-session baseline, as a plain deployment runs it), on the same database and secret.
    let config = |plugins| json!({"database": {"kind": "postgres", "url": database}, "secret": SECRET, "plugins": plugins});
    let issuer = runtime.block_on(BetterAuthServer::start(config(
        json!({"bearer": {}, "jwt": {}}),
    )));
    let signed =
        runtime.block_on(issuer.sign_up("bench@example.com", "correct horse battery", "Bench"));
    let cookie = format!("cookie: {}", signed.cookie_header());
    let jwt = format!(
        "authorization: Bearer {}",
        runtime.block_on(issuer.get_jwt(&signed.cookie_header()))
    );
    let baseline = runtime.block_on(BetterAuthServer::start(config(json!({}))));
    let baseline_pid = baseline.pid();
    if pinning()
        && let Some(pid) = baseline_pid
    {
        let _ = Command::new("taskset")
            .args(["-a", "-p", "-c", "0", &pid.to_string()])
            .stdout(Stdio::null())
            .status();
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
    for framework in &options.frameworks {
        let binary = release_dir().join(format!("example-{framework}"));
        let env = |cache: &str| {
            vec![
                ("DATABASE_URL", database.clone()),
                ("BETTER_AUTH_SECRET", SECRET.to_owned()),
                ("BETTER_AUTH_URL", issuer.base_url().to_owned()),
                ("BETTER_AUTH_CACHE_TTL_MS", cache.to_owned()),
                ("BETTER_AUTH_DB_POOL_SIZE", options.pool_size.to_string()),
            ]
        };
        let service = Service::start(&binary, &env("0"));
        let public = wrk(&format!("{}/public", service.base), None, d, c);
        let uncached = wrk(&format!("{}/private", service.base), Some(&cookie), d, c);
        let uncached_me = wrk(&format!("{}/me", service.base), Some(&cookie), d, c);
        let by_jwt = wrk(&format!("{}/private", service.base), Some(&jwt), d, c);
        let by_jwt_me = wrk(&format!("{}/me", service.base), Some(&jwt), d, c);
        drop(service);
        let service = Service::start(&binary, &env("60000"));
        let cached = wrk(&format!("{}/private", service.base), Some(&cookie), d, c);
        let cached_me = wrk(&format!("{}/me", service.base), Some(&cookie), d, c);
        drop(service);
        let f = framework.as_str();
        for (endpoint, measure) in [
            ("/public (no auth)", public),
            ("/private cookie, uncached", uncached),
            ("/private cookie, cached", cached),
            ("/private JWT (EdDSA)", by_jwt),
            ("/me cookie, uncached", uncached_me),
            ("/me cookie, cached", cached_me),
            ("/me JWT (EdDSA)", by_jwt_me),
        ] {
            rows.push((f, endpoint.to_owned(), measure, Some(public)));
        }
    }
    drop(issuer);

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
}

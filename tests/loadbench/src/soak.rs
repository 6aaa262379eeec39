//! The soak (`--soak SECONDS`): one example service under `wrk` for a long run, with many users
//! by cookie and by JWT and a short cache TTL (entries come and go: the cache, the pool and the
//! key cache all churn). It must answer every request with a 2xx and keep its resident set flat;
//! it prints the resident set size at start, every ten seconds, and at the end, and fails
//! otherwise. Bounded: it stops by itself.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

use better_auth_tests::{SECRET, better_auth::BetterAuthServer};
use serde_json::json;

use crate::{
    Options,
    machine::{Postgres, Service, create_database, pinning, release_dir},
    wrk::{self, Load},
};

/// Users signed up for the soak; each is sent by cookie and by JWT.
const USERS: usize = 40;
/// Sampling interval of the resident set size.
const SAMPLE: Duration = Duration::from_secs(10);
/// Warm-up before the first sample: the allocator, the pool and the caches settle.
const WARM_UP_SECONDS: u64 = 5;
/// The resident set may grow this much over the run (allocator noise), no more.
const GROWTH_ALLOWED_KIB: u64 = 8 * 1024;

/// `VmRSS` of `pid`, in KiB.
fn resident_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|value| value.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// A Lua script for `wrk` that cycles through `headers` (name, value), one request each.
fn script(headers: &[(String, String)]) -> tempfile::NamedTempFile {
    let mut lua = String::from("local headers = {\n");
    for (name, value) in headers {
        lua.push_str(&format!("  {{ {name:?}, {value:?} }},\n"));
    }
    lua.push_str(
        "}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  local h = headers[(i % #headers) + 1]\n  return wrk.format(\"GET\", \"/me\", { [h[1]] = h[2] })\nend\n",
    );
    let file = tempfile::Builder::new()
        .suffix(".lua")
        .tempfile()
        .expect("a temporary file");
    std::fs::write(file.path(), lua).expect("write the wrk script");
    file
}

/// Runs the soak for `seconds`; `Err` with the reason when it fails.
pub(crate) fn soak(options: &Options, seconds: u64) -> Result<(), String> {
    let framework = options.frameworks.first().map_or("axum", String::as_str);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let pg = Postgres::start();
    create_database(&pg.url("postgres"), "soak");
    let database = pg.url("soak");
    let issuer = runtime.block_on(BetterAuthServer::start(json!({
        "database": {"kind": "postgres", "url": database},
        "secret": SECRET,
        "plugins": {"bearer": {}, "jwt": {}},
    })));
    if pinning()
        && let Some(pid) = issuer.pid()
    {
        let _ = Command::new("taskset")
            .args(["-a", "-p", "-c", "0", &pid.to_string()])
            .stdout(Stdio::null())
            .status();
    }
    let mut headers = Vec::new();
    for user in 0..USERS {
        let signed = runtime.block_on(issuer.sign_up(
            &format!("soak-{user}@example.com"),
            "correct horse battery",
            "Soak",
        ));
        let jwt = runtime.block_on(issuer.get_jwt(&signed.cookie_header()));
        headers.push(("cookie".to_owned(), signed.cookie_header()));
        headers.push(("authorization".to_owned(), format!("Bearer {jwt}")));
    }
    let script = script(&headers);

    let service = Service::start(
        &release_dir().join(format!("example-{framework}")),
        &[
            ("DATABASE_URL", database.clone()),
            ("BETTER_AUTH_SECRET", SECRET.to_owned()),
            ("BETTER_AUTH_URL", issuer.base_url().to_owned()),
            ("BETTER_AUTH_CACHE_TTL_MS", "1000".to_owned()),
            ("BETTER_AUTH_DB_POOL_SIZE", options.pool_size.to_string()),
        ],
    );
    let pid = service.child.id();
    let url = service.base.clone();
    let connections = options.connections;
    wrk::run(
        &url,
        Load::Script(script.path()),
        WARM_UP_SECONDS,
        connections,
    );
    let start_kib = resident_kib(pid);
    println!(
        "soak: example-{framework}, {} users by cookie and JWT, cache TTL 1 s, wrk -t1 -c{connections} -d{seconds}s; resident at start {:.1} MiB",
        USERS,
        start_kib as f64 / 1024.0
    );

    let path = script.path().to_owned();
    let load =
        std::thread::spawn(move || wrk::run(&url, Load::Script(&path), seconds, connections));
    let mut peak_kib = start_kib;
    let mut elapsed = Duration::ZERO;
    while !load.is_finished() {
        std::thread::sleep(Duration::from_millis(250));
        elapsed += Duration::from_millis(250);
        if elapsed.as_millis().is_multiple_of(SAMPLE.as_millis()) {
            let now = resident_kib(pid);
            peak_kib = peak_kib.max(now);
            println!(
                "soak: {:>4} s resident {:.1} MiB",
                elapsed.as_secs(),
                now as f64 / 1024.0
            );
        }
    }
    let measure = load.join().expect("the wrk thread");
    let end_kib = resident_kib(pid);
    peak_kib = peak_kib.max(end_kib);
    drop(service);
    drop(issuer);
    drop(pg);

    println!(
        "soak: {} requests ({:.0} req/s, p99 {:.2} ms), {} errors; resident start {:.1} MiB, end {:.1} MiB, peak {:.1} MiB ({:+.1} MiB)",
        measure.requests,
        measure.rps,
        measure.p99_ms,
        measure.errors,
        start_kib as f64 / 1024.0,
        end_kib as f64 / 1024.0,
        peak_kib as f64 / 1024.0,
        (end_kib as f64 - start_kib as f64) / 1024.0
    );
    if measure.requests == 0 {
        return Err("wrk sent no request".to_owned());
    }
    if measure.errors > 0 {
        return Err(format!("{} requests failed", measure.errors));
    }
    if end_kib > start_kib + GROWTH_ALLOWED_KIB {
        return Err(format!(
            "the resident set grew by {} KiB (allowed: {GROWTH_ALLOWED_KIB} KiB)",
            end_kib - start_kib
        ));
    }
    Ok(())
}

//! Faults under load, end to end: an example service (the binary, as a user runs it) checks
//! sessions that a REAL Better Auth issued, through a TCP proxy of the test's own in front of
//! PostgreSQL, MariaDB or Redis, while 32 clients hammer `/private`. The proxy is cut,
//! blackholed and slowed in turn. What must hold:
//!
//! - every answer is 200 or 503 (never a 401 for a valid session, never a 500), and comes
//!   within the store's timeout (2 s by default) plus a margin;
//! - no request that started after the break and ended before the heal gets a 200;
//! - after the heal, requests succeed again within seconds, without a restart;
//! - slowed (each chunk held back, so the small pool is exhausted), requests wait a bounded
//!   time: some pass, the rest get 503; none hangs.
//!
//! The figures (requests, 503s, worst latency, recovery time) are printed for
//! `docs/security.md`.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::json;

use crate::{
    SECRET, better_auth::BetterAuthServer, db::TestDb, proxy::TcpProxy, scenario::ExampleService,
    services::redis_url,
};

/// The store timeout the example service runs with (the library's default).
const STORE_TIMEOUT: Duration = Duration::from_secs(2);
/// Slack for HTTP and scheduling on a loaded two-core machine.
const MARGIN: Duration = Duration::from_millis(700);
/// The load: concurrent clients, each sending one request after another.
const CLIENTS: usize = 32;
/// How long the service runs healthy before the first fault.
const WARM_UP: Duration = Duration::from_secs(2);
/// How long each fault lasts: two store timeouts and a margin, so requests queue behind stuck
/// ones, and every client, once its request caught by the fault's start has timed out, has a
/// whole store timeout left to see the fault from start to end (with exactly two, a blackholed
/// path could leave every such request ending just after the heal: "no request saw the fault").
const FAULT: Duration = Duration::from_millis(5_000);
/// How long the service runs healed after each fault: the requests caught in the fault end,
/// then at least one second of all 200s.
const HEALED: Duration = Duration::from_millis(3500);
/// The latency the slowed proxy adds to every chunk, each way: with a pool of 4 and 32 clients,
/// the pool is exhausted and requests queue for it.
const SLOWDOWN: Duration = Duration::from_millis(60);
/// The longest a healed path may take to serve a 200 again.
const RECOVERY_LIMIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy)]
struct Sample {
    started: Instant,
    ended: Instant,
    status: u16,
}

/// The phases the proxy goes through, with when each began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Healthy,
    Cut,
    Blackholed,
    Slowed,
}

/// The example service at `binary` in front of PostgreSQL, MariaDB and Redis in turn.
pub async fn run_every_backend(binary: &str) {
    postgres(binary).await;
    mysql(binary).await;
    redis(binary).await;
}

/// The example service at `binary` in front of PostgreSQL: for the adapters whose 503 mapping
/// the rest of the suite already proves on every backend (the fault handling is the core's).
pub async fn run_postgres(binary: &str) {
    postgres(binary).await;
}

fn host_port(url: &str) -> String {
    let parsed = url::Url::parse(url).expect("a URL");
    format!(
        "{}:{}",
        parsed.host_str().expect("a host"),
        parsed
            .port_or_known_default()
            .unwrap_or(match parsed.scheme() {
                "redis" => 6379,
                _ => 3306,
            })
    )
}

async fn postgres(binary: &str) {
    let db = TestDb::postgres().await;
    sql(binary, &db).await;
}

async fn mysql(binary: &str) {
    let db = TestDb::mysql().await;
    sql(binary, &db).await;
}

async fn sql(binary: &str, db: &TestDb) {
    let server = BetterAuthServer::start(db.server_config(json!({}))).await;
    let signed = server
        .sign_up("faults@example.com", "correct horse battery", "Faults")
        .await;
    let url = db.url();
    let proxy = TcpProxy::start(&host_port(&url)).await;
    let through_proxy = proxy.url_for(&url);
    let service = ExampleService::start(
        binary,
        &[
            ("DATABASE_URL", &through_proxy),
            ("BETTER_AUTH_SECRET", SECRET),
            ("BETTER_AUTH_CACHE_TTL_MS", "0"),
            ("BETTER_AUTH_DB_POOL_SIZE", "4"),
        ],
    )
    .await;
    exercise(db.kind(), &service, &proxy, &signed.cookie_header()).await;
}

async fn redis(binary: &str) {
    let db = TestDb::sqlite();
    let prefix = format!("ba-rs-faults-{}:", crate::unique_suffix());
    let redis = redis_url();
    let mut config = db.server_config(json!({}));
    config["redis"] = json!({"url": redis, "keyPrefix": prefix});
    let server = BetterAuthServer::start(config).await;
    let signed = server
        .sign_up("faults@example.com", "correct horse battery", "Faults")
        .await;
    let proxy = TcpProxy::start(&host_port(&redis)).await;
    let through_proxy = proxy.url_for(&redis);
    let service = ExampleService::start(
        binary,
        &[
            ("BETTER_AUTH_REDIS_URL", &through_proxy),
            ("BETTER_AUTH_REDIS_KEY_PREFIX", &prefix),
            ("BETTER_AUTH_SECRET", SECRET),
            ("BETTER_AUTH_CACHE_TTL_MS", "0"),
        ],
    )
    .await;
    exercise("redis", &service, &proxy, &signed.cookie_header()).await;
}

/// Drives the load through every phase and checks the samples of each.
async fn exercise(backend: &str, service: &ExampleService, proxy: &TcpProxy, cookie: &str) {
    let (status, body) = service.get("/private", &[("cookie", cookie)]).await;
    assert_eq!(
        status, 200,
        "{backend}: the session passes before any fault: {body}"
    );

    let samples = Arc::new(Mutex::new(Vec::<Sample>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("an HTTP client");
    let url = format!("{}/private", service.base_url());
    let mut workers = Vec::new();
    for _ in 0..CLIENTS {
        let (client, url, cookie) = (client.clone(), url.clone(), cookie.to_owned());
        let (samples, stop) = (samples.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let started = Instant::now();
                let status = match client.get(&url).header("cookie", &cookie).send().await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let _ = response.bytes().await;
                        status
                    }
                    Err(error) => panic!("the service did not answer: {error}"),
                };
                samples.lock().unwrap().push(Sample {
                    started,
                    ended: Instant::now(),
                    status,
                });
            }
        }));
    }

    let mut timeline = vec![(Phase::Healthy, Instant::now())];
    tokio::time::sleep(WARM_UP).await;
    for (phase, act) in [
        (Phase::Cut, TcpProxy::cut as fn(&TcpProxy)),
        (Phase::Blackholed, TcpProxy::blackhole),
        (Phase::Slowed, |proxy: &TcpProxy| proxy.slow(SLOWDOWN)),
    ] {
        act(proxy);
        timeline.push((phase, Instant::now()));
        tokio::time::sleep(FAULT).await;
        proxy.heal();
        timeline.push((Phase::Healthy, Instant::now()));
        tokio::time::sleep(HEALED).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for worker in workers {
        worker.await.expect("a client task");
    }
    let samples = samples.lock().unwrap().clone();
    check(backend, &timeline, &samples);
}

/// The assertions, and one line of figures per phase.
fn check(backend: &str, timeline: &[(Phase, Instant)], samples: &[Sample]) {
    let limit = STORE_TIMEOUT + MARGIN;
    for sample in samples {
        assert!(
            matches!(sample.status, 200 | 503),
            "{backend}: status {} (only 200 or 503 are acceptable)",
            sample.status
        );
        let took = sample.ended - sample.started;
        assert!(
            took <= limit,
            "{backend}: a request took {took:?} (limit {limit:?})"
        );
    }
    for (index, (phase, began)) in timeline.iter().enumerate() {
        let until = timeline
            .get(index + 1)
            .map(|(_, at)| *at)
            .unwrap_or_else(Instant::now);
        let in_phase: Vec<&Sample> = samples
            .iter()
            .filter(|s| s.started >= *began && s.started < until)
            .collect();
        // The figures count the requests that started and ended within the phase; those
        // caught by the next transition are counted apart.
        let within: Vec<&&Sample> = in_phase.iter().filter(|s| s.ended < until).collect();
        let failed = within.iter().filter(|s| s.status == 503).count();
        let worst = in_phase
            .iter()
            .map(|s| s.ended - s.started)
            .max()
            .unwrap_or_default();
        let mut line = format!(
            "faults {backend} {phase:?} {:.1} s: {} requests within ({} x 200, {failed} x 503), {} straddling the next change, worst latency {} ms",
            (until - *began).as_secs_f64(),
            within.len(),
            within.len() - failed,
            in_phase.len() - within.len(),
            worst.as_millis()
        );
        match phase {
            Phase::Cut | Phase::Blackholed => {
                // Requests in flight when the path broke may still finish; any that started
                // after it (with a little slack for the proxy to act) and ended before the
                // heal must not pass.
                let settled = *began + Duration::from_millis(100);
                let passed = within
                    .iter()
                    .filter(|s| s.started >= settled && s.status == 200)
                    .count();
                assert_eq!(passed, 0, "{backend} {phase:?}: {passed} requests passed");
                assert!(failed > 0, "{backend} {phase:?}: no request saw the fault");
            }
            Phase::Slowed => {
                assert!(
                    within.len() > failed,
                    "{backend}: nothing passed while slowed"
                );
            }
            Phase::Healthy if index > 0 => {
                let first_pass = in_phase
                    .iter()
                    .filter(|s| s.status == 200)
                    .map(|s| s.ended)
                    .min()
                    .unwrap_or_else(|| panic!("{backend}: no 200 after healing {phase:?}"));
                let recovery = first_pass.saturating_duration_since(*began);
                assert!(
                    recovery <= RECOVERY_LIMIT,
                    "{backend}: recovered after {recovery:?}"
                );
                line.push_str(&format!(", first 200 after {} ms", recovery.as_millis()));
                // Once recovered, it stays recovered: the last second of the phase is all 200.
                let tail = until - Duration::from_secs(1);
                let late_failures = within
                    .iter()
                    .filter(|s| s.started >= tail && s.status != 200)
                    .count();
                assert_eq!(
                    late_failures, 0,
                    "{backend}: still failing a while after healing"
                );
            }
            Phase::Healthy => {
                assert_eq!(failed, 0, "{backend}: failures before any fault");
            }
        }
        println!("{line}");
    }
}

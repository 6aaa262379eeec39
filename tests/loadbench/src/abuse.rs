//! `loadbench --abuse`: signed-in users beside abusive clients, on each store, against Better
//! Auth as production runs it (its rate limiter on).
//!
//! For each deployment (PostgreSQL, MySQL/MariaDB, SQLite, Redis, remote mode, the OAuth
//! resource server), a real Better Auth signs 16 users up, the axum example service (release
//! build) serves them, and two runs of `--duration` seconds each measure the users' `/me` (or
//! `/items`, with an opaque access token) at a fixed rate: a quiet run, then the same beside 16
//! abusive clients, each with a source address of its own, sending at a fixed rate what one
//! client can send: random session tokens of Better Auth's shape, random 64-character API
//! keys, Better Auth's `active-sessions-<userId>` key as a bearer token, cookies with a wrong
//! signature (random opaque tokens for the resource server). It prints, per deployment, the
//! users' p50 and p99 in both runs, their ratio, the users' answers that were not 200 (the
//! figure that must stay 0) and what the abusive clients got.
//!
//! Uses the machine's PostgreSQL, MariaDB and Redis (`DATABASE_URL`, `MYSQL_URL`,
//! `REDIS_URL`) and Node 20+; the service is pinned to CPU 0 like the other benches, the
//! clients and Better Auth to CPU 1 (the databases are not pinned).

use std::{
    collections::BTreeMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use better_auth_tests::{
    ALPHANUMERIC, LETTERS, SECRET,
    better_auth::BetterAuthServer,
    db::TestDb,
    oauth_provider::{OAuthProvider, RES},
    random_text,
    services::redis_url,
    unique_suffix,
};
use serde_json::json;

use crate::machine::{Service, pin_to_cpu, release_dir};

/// Users, and abusive clients.
const USERS: usize = 16;
const ABUSERS: usize = 16;
/// Each user's requests per second, and each abusive client's.
const USER_RATE: u64 = 25;
const ABUSER_RATE: u64 = 25;

/// A request: its path, and the one header that carries its credential.
type Request = (String, (String, String));
/// What abusive request `n` of abuser `a` sends.
type Abuse = Arc<dyn Fn(usize, usize) -> Request + Send + Sync>;

/// What the users send and what the abusers send, for one deployment.
struct Deployment {
    name: &'static str,
    service: Service,
    /// Per user: path and header.
    users: Vec<Request>,
    /// What the abusive clients send.
    abuse: Abuse,
    /// Kept alive for the run.
    _keep: Vec<Box<dyn std::any::Any>>,
}

/// Latencies and statuses of one kind of client.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    answers: BTreeMap<String, usize>,
}

impl Tally {
    fn percentile(&mut self, p: f64) -> Duration {
        self.latencies.sort_unstable();
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index]
    }

    fn not_ok(&self) -> usize {
        self.answers
            .iter()
            .filter(|(answer, _)| answer.as_str() != "200")
            .map(|(_, n)| n)
            .sum()
    }
}

/// The session abuse: four kinds in turn.
fn session_abuse(poison: String) -> Abuse {
    Arc::new(move |_abuser, n| {
        let header = match n % 4 {
            0 => (
                "authorization".to_owned(),
                format!("Bearer {}", random_text(32, ALPHANUMERIC)),
            ),
            1 => ("x-api-key".to_owned(), random_text(64, LETTERS)),
            2 => ("authorization".to_owned(), format!("Bearer {poison}")),
            _ => (
                "cookie".to_owned(),
                format!(
                    "better-auth.session_token={}.{}%3D",
                    random_text(32, ALPHANUMERIC),
                    random_text(43, ALPHANUMERIC)
                ),
            ),
        };
        ("/me".to_owned(), header)
    })
}

/// Better Auth on the clients' CPU.
fn pin_better_auth(server: &BetterAuthServer) {
    if let Some(pid) = server.pid() {
        pin_to_cpu(pid, 1);
    }
}

fn binary() -> std::path::PathBuf {
    release_dir().join("example-axum")
}

/// Signs the users up; their `/me` requests by cookie, and the poison of the first.
async fn users(server: &BetterAuthServer) -> (Vec<Request>, String) {
    let mut users = Vec::new();
    let mut poison = String::new();
    for n in 0..USERS {
        let signed = server
            .sign_up(
                &format!("abuse-{n}-{}@example.com", unique_suffix()),
                "correct horse battery",
                "U",
            )
            .await;
        if n == 0 {
            poison = format!("active-sessions-{}", signed.user_id());
        }
        users.push((
            "/me".to_owned(),
            ("cookie".to_owned(), signed.cookie_header()),
        ));
    }
    (users, poison)
}

async fn sql(name: &'static str, db: TestDb) -> Deployment {
    let server = BetterAuthServer::start(BetterAuthServer::production(
        db.server_config(json!({"bearer": {}, "apiKey": {}})),
    ))
    .await;
    pin_better_auth(&server);
    let (users, poison) = users(&server).await;
    let service = Service::start(
        &binary(),
        &[
            ("DATABASE_URL", db.url()),
            ("BETTER_AUTH_SECRET", SECRET.to_owned()),
            ("BETTER_AUTH_URL", server.base_url().to_owned()),
            ("BETTER_AUTH_API_KEYS", "true".to_owned()),
        ],
    );
    Deployment {
        name,
        service,
        users,
        abuse: session_abuse(poison),
        _keep: vec![Box::new(server), Box::new(db)],
    }
}

async fn redis() -> Deployment {
    let db = TestDb::sqlite();
    let prefix = format!("ba-rs-abuse-{}:", unique_suffix());
    let mut config = BetterAuthServer::production(db.server_config(json!({"bearer": {}})));
    config["redis"] = json!({"url": redis_url(), "keyPrefix": prefix});
    let server = BetterAuthServer::start(config).await;
    pin_better_auth(&server);
    let (users, poison) = users(&server).await;
    let service = Service::start(
        &binary(),
        &[
            ("BETTER_AUTH_REDIS_URL", redis_url()),
            ("BETTER_AUTH_REDIS_KEY_PREFIX", prefix),
            ("BETTER_AUTH_SECRET", SECRET.to_owned()),
        ],
    );
    Deployment {
        name: "Redis",
        service,
        users,
        abuse: session_abuse(poison),
        _keep: vec![Box::new(server), Box::new(db)],
    }
}

async fn remote() -> Deployment {
    let db = TestDb::sqlite();
    let server = BetterAuthServer::start(BetterAuthServer::production(
        db.server_config(json!({"bearer": {}})),
    ))
    .await;
    pin_better_auth(&server);
    let (users, poison) = users(&server).await;
    let service = Service::start(
        &binary(),
        &[
            ("BETTER_AUTH_URL", server.base_url().to_owned()),
            ("BETTER_AUTH_SECRET", SECRET.to_owned()),
            ("BETTER_AUTH_REMOTE_SESSIONS", "true".to_owned()),
        ],
    );
    Deployment {
        name: "remote",
        service,
        users,
        abuse: session_abuse(poison),
        _keep: vec![Box::new(server), Box::new(db)],
    }
}

async fn resource_server() -> Deployment {
    let provider = OAuthProvider::start().await;
    pin_better_auth(provider.server());
    let client = provider
        .admin_create_client(json!({
            "client_name": "items service",
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["client_credentials"],
            "client_credentials_scopes": ["read:items"],
        }))
        .await;
    provider.link_resource(&client, RES).await;
    let mut users = Vec::new();
    for _ in 0..USERS {
        let token = provider
            .client_credentials_token(&client, None, Some("read:items"))
            .await;
        users.push((
            "/items".to_owned(),
            (
                "authorization".to_owned(),
                format!("Bearer {}", token.access_token),
            ),
        ));
    }
    let service = Service::start(
        &binary(),
        &[
            ("DATABASE_URL", provider.db().url()),
            ("BETTER_AUTH_SECRET", SECRET.to_owned()),
            ("BETTER_AUTH_URL", provider.base_url().to_owned()),
            ("BETTER_AUTH_RESOURCE", RES.to_owned()),
            ("BETTER_AUTH_OAUTH_CLIENT_ID", client.id.clone()),
            ("BETTER_AUTH_OAUTH_CLIENT_SECRET", client.secret.clone()),
            (
                "BETTER_AUTH_OAUTH_ALLOW_MISSING_AUDIENCE",
                "true".to_owned(),
            ),
        ],
    );
    Deployment {
        name: "resource server (introspection)",
        service,
        users,
        abuse: Arc::new(|_, _| {
            (
                "/items".to_owned(),
                (
                    "authorization".to_owned(),
                    format!("Bearer {}", random_text(32, LETTERS)),
                ),
            )
        }),
        _keep: vec![Box::new(provider)],
    }
}

/// `rate` requests a second from `client` for `duration`, each from `request(n)`, tallied.
async fn paced(
    client: reqwest::Client,
    base: String,
    rate: u64,
    duration: Duration,
    request: impl Fn(usize) -> Request,
    tally: Arc<Mutex<Tally>>,
) {
    let started = Instant::now();
    let mut interval = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n = 0;
    while started.elapsed() < duration {
        interval.tick().await;
        let (path, (name, value)) = request(n);
        n += 1;
        let sent = Instant::now();
        let answer = match client
            .get(format!("{base}{path}"))
            .header(name, value)
            .send()
            .await
        {
            Ok(response) => {
                let status = response.status().as_u16();
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                match body["code"].as_str() {
                    Some(code) if status != 200 => format!("{status} {code}"),
                    _ => status.to_string(),
                }
            }
            Err(error) => format!("transport error: {error}"),
        };
        let took = sent.elapsed();
        let mut tally = tally.lock().unwrap();
        tally.latencies.push(took);
        *tally.answers.entry(answer).or_default() += 1;
    }
}

fn client_from(address: IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .local_address(address)
        .pool_max_idle_per_host(4)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// One run: the users, and the abusers when `abuse`.
async fn measure(deployment: &Deployment, duration: Duration, abuse: bool) -> (Tally, Tally) {
    let users = Arc::new(Mutex::new(Tally::default()));
    let abusers = Arc::new(Mutex::new(Tally::default()));
    let mut tasks = tokio::task::JoinSet::new();
    let user_client = client_from([127, 0, 0, 1].into());
    for (path, header) in deployment.users.clone() {
        tasks.spawn(paced(
            user_client.clone(),
            deployment.service.base.clone(),
            USER_RATE,
            duration,
            move |_| (path.clone(), header.clone()),
            users.clone(),
        ));
    }
    if abuse {
        for a in 0..ABUSERS {
            let make = deployment.abuse.clone();
            tasks.spawn(paced(
                client_from([127, 0, 1, u8::try_from(a + 10).unwrap()].into()),
                deployment.service.base.clone(),
                ABUSER_RATE,
                duration,
                move |n| make(a, n),
                abusers.clone(),
            ));
        }
    }
    while tasks.join_next().await.is_some() {}
    let take = |tally: Arc<Mutex<Tally>>| std::mem::take(&mut *tally.lock().unwrap());
    (take(users), take(abusers))
}

fn ms(duration: Duration) -> String {
    format!("{:.2}", duration.as_secs_f64() * 1000.0)
}

/// The table (see the module).
pub(crate) fn run(duration: u64) -> std::process::ExitCode {
    // The service on CPU 0 (as `Service` starts it); the clients, and Better Auth, on CPU 1.
    pin_to_cpu(std::process::id(), 1);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let duration = Duration::from_secs(duration);
    println!(
        "{USERS} users at {USER_RATE} req/s each; {ABUSERS} abusive clients at {ABUSER_RATE} req/s each, one source address each; {} s per run",
        duration.as_secs()
    );
    println!(
        "| deployment | quiet p50 / p99 (ms) | beside abuse p50 / p99 (ms) | p99 ratio | users' answers not 200 | what the abusive clients got |"
    );
    println!("|---|---|---|---|---|---|");
    let mut failed = false;
    for which in 0..6 {
        let deployment = runtime.block_on(async {
            match which {
                0 => sql("PostgreSQL", TestDb::postgres().await).await,
                1 => sql("MySQL/MariaDB", TestDb::mysql().await).await,
                2 => sql("SQLite", TestDb::sqlite()).await,
                3 => redis().await,
                4 => remote().await,
                _ => resource_server().await,
            }
        });
        // Warm up (connections, caches), then measure.
        runtime.block_on(measure(&deployment, Duration::from_secs(2), false));
        let (mut quiet, _) = runtime.block_on(measure(&deployment, duration, false));
        // Better Auth's limits are per 10 s (60 s for introspection): begin the abusive run
        // with fresh windows, as the quiet run began.
        std::thread::sleep(Duration::from_secs(if which == 5 { 61 } else { 11 }));
        let (mut loud, abusers) = runtime.block_on(measure(&deployment, duration, true));
        let (q50, q99) = (quiet.percentile(0.5), quiet.percentile(0.99));
        let (l50, l99) = (loud.percentile(0.5), loud.percentile(0.99));
        let ratio = l99.as_secs_f64() / q99.as_secs_f64().max(1e-9);
        let not_ok = quiet.not_ok() + loud.not_ok();
        failed |= not_ok > 0 || ratio > 2.0;
        let got: Vec<String> = abusers
            .answers
            .iter()
            .map(|(answer, n)| format!("{answer}: {n}"))
            .collect();
        println!(
            "| {} | {} / {} | {} / {} | {ratio:.2} | {not_ok} of {} | {} |",
            deployment.name,
            ms(q50),
            ms(q99),
            ms(l50),
            ms(l99),
            quiet.latencies.len() + loud.latencies.len(),
            got.join(", ")
        );
    }
    if failed {
        println!(
            "FAILED: a user's answer was not 200, or the users' p99 beside abuse was over twice the quiet one"
        );
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}

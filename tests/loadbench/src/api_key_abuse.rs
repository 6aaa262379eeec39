//! `loadbench --api-key-abuse`: what clients sending random API keys cost the others (issue 22,
//! finding 6). Not a test: it prints figures, it asserts nothing about time.
//!
//! For each store (SQLite file, PostgreSQL at `DATABASE_URL`, MariaDB at `MYSQL_URL`): a real
//! Better Auth (`apiKey({ enableSessionForAPIKeys: true })`) and, in this process, one
//! authenticator from the environment a service sets (`DATABASE_URL`,
//! `BETTER_AUTH_API_KEYS=true`, no in-process cache, the default pool of 16). Two phases of
//! `--duration` seconds each, in this order, in the same run:
//!
//! - quiet: `--valid` clients (8) authenticate their own user's session cookie, each
//!   `--valid-rate` times a second (50; one database lookup each), and one client signs a user
//!   in through Better Auth's `POST /sign-in/email` in a loop (Better Auth writes a session row
//!   each time);
//! - abusive: the same, plus `--abusers` clients (64) sending random 64-letter keys in
//!   `x-api-key`, each as fast as it is answered.
//!
//! It prints, per store and phase, the valid requests' p50/p99 and errors, Better Auth's
//! sign-in p50/p99 and count, the random keys answered per second, their p50/p99 and answers
//! (status and code), and this process's CPU (100% is one core); then the abusive phase's
//! ratios against the quiet one. Everything runs on the
//! same machine (Better Auth, the databases and this process share its cores).
//!
//! `cargo run --release -p better-auth-loadbench -- --api-key-abuse [--duration 10]
//! [--stores sqlite,postgres,mysql] [--valid 8] [--valid-rate 50] [--abusers 64] [--rate 0]`
//! (`--rate`: requests per second of each random-key client; 0, the default, as fast as each is
//! answered, which saturates the machine: the valid clients then get their share of it).

use std::{
    collections::BTreeMap,
    sync::Arc,
    time::{Duration, Instant},
};

use better_auth_tests::{
    LETTERS, SECRET, better_auth::BetterAuthServer, db::TestDb, header_map, random_text,
};
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

struct Options {
    duration: Duration,
    stores: Vec<String>,
    valid: usize,
    abusers: usize,
    /// Requests per second of each random-key client; 0: as fast as answered.
    rate: u32,
    /// Requests per second of each valid client; 0: as fast as answered.
    valid_rate: u32,
}

fn options(args: &[String]) -> Options {
    let mut options = Options {
        duration: Duration::from_secs(10),
        stores: ["sqlite", "postgres", "mysql"].map(String::from).to_vec(),
        valid: 8,
        abusers: 64,
        rate: 0,
        valid_rate: 50,
    };
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--duration" => {
                options.duration = Duration::from_secs(value.parse().expect("--duration SECONDS"));
            }
            "--stores" => options.stores = value.split(',').map(str::to_owned).collect(),
            "--valid" => options.valid = value.parse().expect("--valid N"),
            "--abusers" => options.abusers = value.parse().expect("--abusers N"),
            "--rate" => options.rate = value.parse().expect("--rate REQUESTS_PER_SECOND"),
            "--valid-rate" => {
                options.valid_rate = value.parse().expect("--valid-rate REQUESTS_PER_SECOND");
            }
            other => panic!("unknown argument {other}"),
        }
    }
    options
}

/// What one phase measured.
#[derive(Default)]
struct Phase {
    valid: Vec<Duration>,
    valid_errors: BTreeMap<String, usize>,
    sign_ins: Vec<Duration>,
    sign_in_errors: usize,
    random_keys: BTreeMap<String, usize>,
    random_key_latencies: Vec<Duration>,
    elapsed: Duration,
    /// This process's CPU time over the phase (the authenticator, the pool, SQLite itself).
    cpu: Duration,
}

fn percentile(latencies: &[Duration], fraction: f64) -> Duration {
    if latencies.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = latencies.to_vec();
    sorted.sort_unstable();
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index]
}

/// This process's CPU time so far (user + system, from `/proc/self/stat`); zero where there is
/// no such file.
fn process_cpu() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // After the command name, which ends with the last `)`: fields 14 and 15 (utime, stime).
    let ticks: u64 = stat
        .rsplit_once(')')
        .map(|(_, rest)| {
            rest.split_whitespace()
                .skip(11)
                .take(2)
                .filter_map(|field| field.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0);
    // The kernel's USER_HZ, 100 on Linux.
    Duration::from_millis(ticks * 10)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

pub(crate) fn run(args: &[String]) {
    let options = options(args);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let pace = |rate| match rate {
        0 => "each as fast as it is answered".to_owned(),
        rate => format!("each {rate} requests/s"),
    };
    println!(
        "{} valid clients ({}), {} random-key clients ({}), {} s per phase; latencies in ms",
        options.valid,
        pace(options.valid_rate),
        options.abusers,
        pace(options.rate),
        options.duration.as_secs()
    );
    println!();
    println!(
        "| store | phase | valid p50 | valid p99 | valid req/s | valid errors | sign-in p50 | sign-in p99 | sign-ins | random keys/s | random-key p50 | random-key p99 | random-key answers | CPU of this process |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut ratios = Vec::new();
    for store in &options.stores {
        ratios.push(runtime.block_on(one_store(store, &options)));
    }
    println!();
    println!(
        "| store | valid p50 abusive/quiet | valid p99 abusive/quiet | sign-in p50 abusive/quiet | sign-in p99 abusive/quiet |"
    );
    println!("|---|---|---|---|---|");
    for (store, ratios) in ratios {
        println!(
            "| {store} | {:.2} | {:.2} | {:.2} | {:.2} |",
            ratios[0], ratios[1], ratios[2], ratios[3]
        );
    }
}

async fn one_store(store: &str, options: &Options) -> (String, [f64; 4]) {
    let db = match store {
        "sqlite" => TestDb::sqlite(),
        "postgres" => TestDb::postgres().await,
        "mysql" => TestDb::mysql().await,
        other => panic!("unknown store {other} (sqlite, postgres, mysql)"),
    };
    let server = Arc::new(
        BetterAuthServer::start(
            db.server_config(json!({"apiKey": {"enableSessionForAPIKeys": true}})),
        )
        .await,
    );
    let mut cookies = Vec::new();
    for n in 0..options.valid {
        let signed = server
            .sign_up(&format!("valid{n}@example.com"), PASSWORD, "Valid")
            .await;
        cookies.push(signed.cookie_header());
    }
    server
        .sign_up("signer@example.com", PASSWORD, "Signer")
        .await;
    let url = db.url();
    let vars = [
        ("BETTER_AUTH_SECRET", SECRET),
        ("DATABASE_URL", url.as_str()),
        ("BETTER_AUTH_API_KEYS", "true"),
    ];
    let auth = better_auth_core::EnvSettings::from_vars(|name| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    })
    .unwrap()
    .authenticator()
    .await
    .unwrap();
    // Warm: the pool's connections open, Better Auth's first sign-in done.
    for cookie in &cookies {
        auth.authenticate(&header_map(&[("cookie", cookie)]))
            .await
            .unwrap();
    }
    server.sign_in("signer@example.com", PASSWORD).await;

    let quiet = phase(
        &server,
        &auth,
        (cookies.as_slice(), options.valid_rate),
        (0, 0),
        options.duration,
    )
    .await;
    print_phase(store, "quiet", &quiet);
    let abusive = phase(
        &server,
        &auth,
        (cookies.as_slice(), options.valid_rate),
        (options.abusers, options.rate),
        options.duration,
    )
    .await;
    print_phase(store, "random keys", &abusive);
    let ratio = |abusive: Duration, quiet: Duration| ms(abusive) / ms(quiet).max(f64::EPSILON);
    (
        store.to_owned(),
        [
            ratio(
                percentile(&abusive.valid, 0.5),
                percentile(&quiet.valid, 0.5),
            ),
            ratio(
                percentile(&abusive.valid, 0.99),
                percentile(&quiet.valid, 0.99),
            ),
            ratio(
                percentile(&abusive.sign_ins, 0.5),
                percentile(&quiet.sign_ins, 0.5),
            ),
            ratio(
                percentile(&abusive.sign_ins, 0.99),
                percentile(&quiet.sign_ins, 0.99),
            ),
        ],
    )
}

fn print_phase(store: &str, name: &str, phase: &Phase) {
    let seconds = phase.elapsed.as_secs_f64();
    let answers = |counts: &BTreeMap<String, usize>| {
        if counts.is_empty() {
            return "-".to_owned();
        }
        counts
            .iter()
            .map(|(answer, count)| format!("{answer} x{count}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let random: usize = phase.random_keys.values().sum();
    println!(
        "| {store} | {name} | {:.2} | {:.2} | {:.0} | {} | {:.1} | {:.1} | {} ({} failed) | {:.0} | {:.2} | {:.2} | {} | {:.0}% |",
        ms(percentile(&phase.valid, 0.5)),
        ms(percentile(&phase.valid, 0.99)),
        phase.valid.len() as f64 / seconds,
        answers(&phase.valid_errors),
        ms(percentile(&phase.sign_ins, 0.5)),
        ms(percentile(&phase.sign_ins, 0.99)),
        phase.sign_ins.len(),
        phase.sign_in_errors,
        random as f64 / seconds,
        ms(percentile(&phase.random_key_latencies, 0.5)),
        ms(percentile(&phase.random_key_latencies, 0.99)),
        answers(&phase.random_keys),
        100.0 * phase.cpu.as_secs_f64() / seconds,
    );
}

/// A ticker of `rate` ticks a second (`None` for 0: unpaced); a late tick is skipped, not
/// made up for.
fn pacer(rate: u32) -> Option<tokio::time::Interval> {
    (rate > 0).then(|| {
        let mut interval = tokio::time::interval(Duration::from_secs(1) / rate);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        interval
    })
}

/// One phase: the valid clients (one per cookie, each `valid_rate` requests a second) and the
/// sign-in client, with `abusers` random-key clients (each `rate` requests a second; 0:
/// unpaced) beside them, for `duration`.
async fn phase(
    server: &Arc<BetterAuthServer>,
    auth: &better_auth_core::Authenticator,
    (cookies, valid_rate): (&[String], u32),
    (abusers, rate): (usize, u32),
    duration: Duration,
) -> Phase {
    let start = Instant::now();
    let cpu_at_start = process_cpu();
    let deadline = start + duration;
    let valid: Vec<_> = cookies
        .iter()
        .map(|cookie| {
            let auth = auth.clone();
            let headers = header_map(&[("cookie", cookie)]);
            tokio::spawn(async move {
                let (mut latencies, mut errors) = (Vec::new(), Vec::new());
                let mut pace = pacer(valid_rate);
                while Instant::now() < deadline {
                    if let Some(interval) = &mut pace {
                        interval.tick().await;
                    }
                    let at = Instant::now();
                    let answer = auth.authenticate(&headers).await;
                    latencies.push(at.elapsed());
                    if let Err(error) = answer {
                        errors.push(format!("{} {}", error.status().as_u16(), error.code()));
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let sign_in = tokio::spawn({
        let server = server.clone();
        async move {
            let (mut latencies, mut failed) = (Vec::new(), 0);
            while Instant::now() < deadline {
                let at = Instant::now();
                let response = server
                    .post(
                        "/sign-in/email",
                        json!({"email": "signer@example.com", "password": PASSWORD}),
                        None,
                    )
                    .await;
                let ok = response.status().is_success();
                let _ = response.bytes().await;
                latencies.push(at.elapsed());
                if !ok {
                    failed += 1;
                }
            }
            (latencies, failed)
        }
    });
    let random: Vec<_> = (0..abusers)
        .map(|_| {
            let auth = auth.clone();
            tokio::spawn(async move {
                let mut answers: BTreeMap<String, usize> = BTreeMap::new();
                let mut latencies = Vec::new();
                let mut pace = pacer(rate);
                while Instant::now() < deadline {
                    if let Some(interval) = &mut pace {
                        interval.tick().await;
                    }
                    let headers = header_map(&[("x-api-key", random_text(64, LETTERS).as_str())]);
                    let at = Instant::now();
                    let answer = auth.authenticate(&headers).await;
                    latencies.push(at.elapsed());
                    let answer = match answer {
                        Ok(_) => "200 (a random key accepted!)".to_owned(),
                        Err(error) => format!("{} {}", error.status().as_u16(), error.code()),
                    };
                    *answers.entry(answer).or_default() += 1;
                }
                (answers, latencies)
            })
        })
        .collect();

    let mut measured = Phase::default();
    for task in valid {
        let (latencies, errors) = task.await.unwrap();
        measured.valid.extend(latencies);
        for error in errors {
            *measured.valid_errors.entry(error).or_default() += 1;
        }
    }
    let (sign_ins, failed) = sign_in.await.unwrap();
    measured.sign_ins = sign_ins;
    measured.sign_in_errors = failed;
    for task in random {
        let (answers, latencies) = task.await.unwrap();
        for (answer, count) in answers {
            *measured.random_keys.entry(answer).or_default() += count;
        }
        measured.random_key_latencies.extend(latencies);
    }
    measured.elapsed = start.elapsed();
    measured.cpu = process_cpu().saturating_sub(cpu_at_start);
    measured
}

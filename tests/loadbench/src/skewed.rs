//! The table "skewed load, 10,000 users": the users of `population.rs`, requested by a Zipf law
//! (user k with probability proportional to 1/k^1.1, `zipf.lua`) on each framework's `/me`, by
//! session cookie, bearer token and JWT, with the in-process cache sized below the working set
//! (2,000 entries: it evicts), off with batched lookups, and off with one query per miss; at 32,
//! 512 and 5,000 connections; against Better Auth's own `get-session` under the same script.
//!
//! Database queries are counted by `pg_stat_statements` (loaded by the benchmark's PostgreSQL,
//! tracking only this database's top-level statements) before and after each measured run.

use std::path::{Path, PathBuf};

use better_auth_tests::{SECRET, better_auth::BetterAuthServer};
use serde_json::json;
use sqlx::Connection;

use crate::{
    Options,
    machine::{Service, pin_to_cpu, release_dir},
    population::{JWT_USERS, Population, USERS},
    wrk::{self, Load, Measure},
};

/// The Zipf exponent.
const EXPONENT: f64 = 1.1;
const ZIPF: &str = include_str!("zipf.lua");
/// The in-process cache: entries live a minute, at most 2,000 of them (the working set is
/// 10,000 users).
const CACHE_TTL_MS: &str = "60000";
const CACHE_MAX_ENTRIES: &str = "2000";
/// The connection counts.
const FEW: u32 = 32;
const MANY: u32 = 512;
const THOUSANDS: u32 = 5_000;

/// What a row measures, for its hit rate and ratio columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Session lookups with the in-process cache on.
    Cached,
    /// Cache off, batched lookups (the default).
    Batched,
    /// Cache off, `BETTER_AUTH_LOOKUP_BATCH=1`.
    OneQueryPerMiss,
    /// JWTs: no session lookup.
    Jwt,
    /// Better Auth's `get-session`.
    BetterAuth,
}

/// Cumulative counts of `pg_stat_statements` for the bench database.
#[derive(Debug, Clone, Copy, Default)]
struct Queries {
    /// Top-level statements.
    statements: i64,
    /// Statements that read the `session` table.
    lookups: i64,
    /// Rows those returned: sessions read from the database.
    sessions: i64,
}

impl std::ops::Sub for Queries {
    type Output = Self;
    fn sub(self, before: Self) -> Self {
        Self {
            statements: self.statements - before.statements,
            lookups: self.lookups - before.lookups,
            sessions: self.sessions - before.sessions,
        }
    }
}

struct Row {
    framework: String,
    load: &'static str,
    connections: u32,
    kind: Kind,
    measure: Measure,
    queries: Queries,
}

/// Reads `pg_stat_statements` over a connection opened before tracking starts (so its own
/// statements are not counted), and runs measured `wrk` runs between two readings.
struct Counter<'a> {
    runtime: &'a tokio::runtime::Runtime,
    connection: sqlx::PgConnection,
}

impl<'a> Counter<'a> {
    /// Installs the extension in `database` (at `url`) and turns tracking on for the
    /// connections opened from now on: the services' and Better Auth's.
    fn new(runtime: &'a tokio::runtime::Runtime, url: &str, database: &str) -> Self {
        let connection = runtime.block_on(async {
            let mut connection = sqlx::PgConnection::connect(url)
                .await
                .expect("the bench database");
            for sql in [
                "CREATE EXTENSION IF NOT EXISTS pg_stat_statements".to_owned(),
                format!("ALTER DATABASE \"{database}\" SET pg_stat_statements.track = 'top'"),
            ] {
                // Our own database name.
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut connection)
                    .await
                    .expect("pg_stat_statements");
            }
            connection
        });
        Self {
            runtime,
            connection,
        }
    }

    fn read(&mut self) -> Queries {
        let (statements, lookups, sessions): (i64, i64, i64) = self.runtime.block_on(
            sqlx::query_as(
                r#"SELECT coalesce(sum(calls), 0)::bigint,
                          coalesce(sum(calls) FILTER (WHERE query ILIKE '%from "session"%'), 0)::bigint,
                          coalesce(sum(rows) FILTER (WHERE query ILIKE '%from "session"%'), 0)::bigint
                   FROM pg_stat_statements
                   WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"#,
            )
            .fetch_one(&mut self.connection),
        )
        .expect("read pg_stat_statements");
        Queries {
            statements,
            lookups,
            sessions,
        }
    }

    /// A one-second warm-up, then `seconds` measured, with the queries made meanwhile; a
    /// request unanswered after `timeout` seconds is an error.
    fn measure(
        &mut self,
        url: &str,
        script: &Path,
        (seconds, timeout): (u64, u64),
        connections: u32,
    ) -> (Measure, Queries) {
        // wrk gives each thread its share of the connections: two threads to open 5,000.
        let threads = if connections >= 1_000 { 2 } else { 1 };
        wrk::run_threads(url, Load::Script(script), 1, connections, threads, timeout);
        let before = self.read();
        let measure = wrk::run_threads(
            url,
            Load::Script(script),
            seconds,
            connections,
            threads,
            timeout,
        );
        (measure, self.read() - before)
    }
}

/// The wrk script sending the lines of `values` in `header`, Zipf-distributed.
fn script(population: &Population, name: &str, values: &Path, header: &str) -> PathBuf {
    let path = population.dir().join(format!("{name}.lua"));
    let lua = format!(
        "VALUES = {:?}\nHEADER = {header:?}\nEXPONENT = {EXPONENT}\n{ZIPF}",
        values.display().to_string()
    );
    std::fs::write(&path, lua).expect("write the wrk script");
    path
}

/// Signs the users in, measures every row, prints the table.
pub(crate) fn table(
    options: &Options,
    runtime: &tokio::runtime::Runtime,
    url: &str,
    database: &str,
    issuer: &BetterAuthServer,
) {
    let mut counter = Counter::new(runtime, url, database);
    let population = runtime.block_on(crate::population::populate(issuer, url));
    let cookies = script(&population, "cookies", &population.cookies, "cookie");
    let bearers = script(&population, "bearers", &population.bearers, "authorization");
    let jwts = script(&population, "jwts", &population.jwts, "authorization");
    let d = options.duration;
    println!(
        "skewed load: Zipf s={EXPONENT} over {USERS} users (JWT rows: the first {JWT_USERS}), /me, wrk -d{d}s (-t2 at {THOUSANDS} connections, else -t1) on CPU 1, servers and PostgreSQL on CPU 0"
    );

    let mut rows = Vec::new();
    let mut row = |framework: &str,
                   load: &'static str,
                   connections: u32,
                   kind: Kind,
                   (measure, queries): (Measure, Queries)| {
        rows.push(Row {
            framework: framework.to_owned(),
            load,
            connections,
            kind,
            measure,
            queries,
        });
    };
    let baseline = runtime.block_on(BetterAuthServer::start(json!({
        "database": {"kind": "postgres", "url": url}, "secret": SECRET, "plugins": {},
    })));
    if let Some(pid) = baseline.pid() {
        pin_to_cpu(pid, 0);
    }
    let get_session = format!("{}/api/auth/get-session", baseline.base_url());
    for connections in [FEW, MANY] {
        row(
            "better-auth",
            "get-session (Node), cookie",
            connections,
            Kind::BetterAuth,
            // Node serves a few hundred requests a second: at 512 connections a request waits
            // seconds in its queue, so it gets 30 s before it counts as an error.
            counter.measure(&get_session, &cookies, (d, 30), connections),
        );
    }
    drop(baseline);

    for framework in &options.frameworks {
        let binary = release_dir().join(format!("example-{framework}"));
        let env = |cache_ttl: &str, extra: &[(&'static str, &str)]| {
            let mut env = vec![
                ("DATABASE_URL", url.to_owned()),
                ("BETTER_AUTH_SECRET", SECRET.to_owned()),
                ("BETTER_AUTH_URL", issuer.base_url().to_owned()),
                ("BETTER_AUTH_CACHE_TTL_MS", cache_ttl.to_owned()),
                ("BETTER_AUTH_JWT_CACHE", "true".to_owned()),
                ("BETTER_AUTH_DB_POOL_SIZE", options.pool_size.to_string()),
            ];
            env.extend(extra.iter().map(|(key, value)| (*key, (*value).to_owned())));
            env
        };
        let f = framework.as_str();

        let service = Service::start(
            &binary,
            &env(
                CACHE_TTL_MS,
                &[("BETTER_AUTH_CACHE_MAX_ENTRIES", CACHE_MAX_ENTRIES)],
            ),
        );
        let me = format!("{}/me", service.base);
        for connections in [FEW, MANY] {
            row(
                f,
                "cookie, cache of 2,000",
                connections,
                Kind::Cached,
                counter.measure(&me, &cookies, (d, 5), connections),
            );
        }
        row(
            f,
            "bearer, cache of 2,000",
            MANY,
            Kind::Cached,
            counter.measure(&me, &bearers, (d, 5), MANY),
        );
        row(
            f,
            "JWT, verified-token cache",
            MANY,
            Kind::Jwt,
            counter.measure(&me, &jwts, (d, 5), MANY),
        );
        row(
            f,
            "cookie, cache of 2,000",
            THOUSANDS,
            Kind::Cached,
            counter.measure(&me, &cookies, (d, 5), THOUSANDS),
        );
        drop(service);

        let service = Service::start(&binary, &env("0", &[]));
        row(
            f,
            "cookie, no cache, batched lookups",
            MANY,
            Kind::Batched,
            counter.measure(&format!("{}/me", service.base), &cookies, (d, 5), MANY),
        );
        drop(service);

        let service = Service::start(&binary, &env("0", &[("BETTER_AUTH_LOOKUP_BATCH", "1")]));
        row(
            f,
            "cookie, no cache, one query per miss",
            MANY,
            Kind::OneQueryPerMiss,
            counter.measure(&format!("{}/me", service.base), &cookies, (d, 5), MANY),
        );
        drop(service);
    }
    print(&rows);
}

fn print(rows: &[Row]) {
    let better_auth = |connections| {
        rows.iter()
            .find(|r| r.kind == Kind::BetterAuth && r.connections == connections)
            .map(|r| r.measure.rps)
            // No request answered in time: no ratio.
            .filter(|rps| *rps > 0.0)
    };
    println!();
    println!("skewed load, {USERS} users");
    println!();
    println!(
        "| framework | load | connections | req/s | p50 ms | p99 ms | p999 ms | errors | cache hit rate | DB queries/s | tokens per lookup | x Better Auth get-session (same connections) | x one query per miss |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let (m, q) = (&r.measure, &r.queries);
        let queries_per_second = if m.rps > 0.0 && m.requests > 0 {
            // The measured duration: wrk's requests over its rate.
            format!("{:.0}", q.statements as f64 * m.rps / m.requests as f64)
        } else {
            "—".to_owned()
        };
        let hit_rate = if r.kind == Kind::Cached && m.requests > 0 {
            format!(
                "{:.1}%",
                100.0 * (1.0 - q.sessions as f64 / m.requests as f64)
            )
        } else {
            "—".to_owned()
        };
        let per_lookup = if q.lookups > 0 {
            format!("{:.2}", q.sessions as f64 / q.lookups as f64)
        } else {
            "—".to_owned()
        };
        let vs_better_auth = better_auth(r.connections)
            .map_or("—".to_owned(), |rps| format!("{:.1}", m.rps / rps));
        let vs_one_per_miss = if r.kind == Kind::Batched {
            rows.iter()
                .find(|o| o.kind == Kind::OneQueryPerMiss && o.framework == r.framework)
                .filter(|o| o.measure.rps > 0.0)
                .map_or("—".to_owned(), |o| {
                    format!("{:.2}", m.rps / o.measure.rps)
                })
        } else {
            "".to_owned()
        };
        println!(
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {hit_rate} | {queries_per_second} | {per_lookup} | {vs_better_auth} | {vs_one_per_miss} |",
            r.framework, r.load, r.connections, m.rps, m.p50_ms, m.p99_ms, m.p999_ms, m.errors,
        );
    }
    println!();
    println!(
        "DB queries/s: top-level statements of the bench database (pg_stat_statements calls, BEGIN and COMMIT included) during the measured run, over its duration."
    );
    println!(
        "cache hit rate: 1 - (session rows read from PostgreSQL / requests), rows with the cache on; — where it is off or for JWTs (no database)."
    );
    println!(
        "tokens per lookup: session rows read / statements reading the session table (above 1 when lookups are batched)."
    );
    println!(
        "errors: non-2xx responses and socket errors (connect, read, write, timeout over 5 s), as wrk counts them."
    );
}

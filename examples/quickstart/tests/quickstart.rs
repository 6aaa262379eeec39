//! The README's first command, `cargo run -p quickstart`, run as a user would: the binary on a
//! demo database, then pointed at a database a REAL Better Auth server wrote.

use std::{process::Stdio, time::Duration};

use better_auth_tests::{SECRET, better_auth::BetterAuthServer, db::TestDb};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

/// The running quickstart and the lines it printed before serving.
struct Quickstart {
    _child: Child,
    base: String,
    printed: Vec<String>,
}

async fn start(env: &[(&str, &str)]) -> Quickstart {
    let mut command = Command::new(env!("CARGO_BIN_EXE_quickstart"));
    command
        .env("PORT", "0")
        .env_remove("DATABASE_URL")
        .env_remove("BETTER_AUTH_SECRET")
        .env_remove("BETTER_AUTH_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("start the quickstart binary");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let mut base = None;
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(url) = line.strip_prefix("better-auth-rs quickstart listening on ") {
                base = Some(url.to_owned());
            }
            let done =
                line.contains("no credentials: 401") || line.starts_with("serving the sessions");
            printed.push(line);
            if done {
                break;
            }
        }
    })
    .await
    .expect("the quickstart prints its hints");
    Quickstart {
        _child: child,
        base: base.expect("it prints its address"),
        printed,
    }
}

/// The value of `--cookie '...'` in the n-th hint line that has one.
fn hinted_cookie(printed: &[String], n: usize) -> String {
    printed
        .iter()
        .filter_map(|line| line.split("--cookie '").nth(1))
        .map(|rest| rest.split('\'').next().unwrap().to_owned())
        .nth(n)
        .expect("a cookie hint")
}

async fn get_me(base: &str, cookie: Option<&str>) -> (u16, Option<String>, Value) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut request = client.get(format!("{base}/me"));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, challenge, response.json().await.unwrap())
}

#[tokio::test]
async fn demo_database_serves_the_printed_session_and_refuses_the_tampered_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let db = db.to_str().unwrap();
    let run = start(&[("QUICKSTART_DB", db)]).await;

    let (status, _, body) = get_me(&run.base, Some(&hinted_cookie(&run.printed, 0))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["email"], "ada@example.com");
    assert!(body["session"]["expiresAt"].is_string());

    let (status, challenge, body) = get_me(&run.base, Some(&hinted_cookie(&run.printed, 1))).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("invalid_signature"))
    );
    assert!(challenge.unwrap().contains("invalid_token"));

    let (status, challenge, body) = get_me(&run.base, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("missing_credentials"))
    );
    assert!(challenge.is_some());
    drop(run);

    // A second start reuses the database and its still-valid session.
    let again = start(&[("QUICKSTART_DB", db)]).await;
    let (status, _, body) = get_me(&again.base, Some(&hinted_cookie(&again.printed, 0))).await;
    assert_eq!(
        (status, body["user"]["email"].as_str()),
        (200, Some("ada@example.com"))
    );
}

#[tokio::test]
async fn demo_schema_is_exactly_what_better_auth_creates() {
    // Better Auth's own migrations on an empty SQLite file, without plugins.
    let db = TestDb::sqlite();
    let server = BetterAuthServer::start(db.server_config(json!({}))).await;
    drop(server);
    let pool = sqlx::SqlitePool::connect(&db.url()).await.unwrap();
    let theirs: Vec<String> = sqlx::query_scalar(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let ours: Vec<String> = include_str!("../schema.sql")
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            line.trim_end_matches(';')
                .replace("CREATE TABLE IF NOT EXISTS", "CREATE TABLE")
        })
        .collect();
    assert_eq!(ours, theirs);
}

#[tokio::test]
async fn pointed_at_a_real_better_auth_database_it_serves_those_sessions() {
    let db = TestDb::sqlite();
    let server = BetterAuthServer::start(db.server_config(json!({}))).await;
    let signed = server
        .sign_up("real@example.com", "correct horse battery", "Real User")
        .await;
    let url = db.url();
    let run = start(&[("DATABASE_URL", &url), ("BETTER_AUTH_SECRET", SECRET)]).await;
    let (status, _, body) = get_me(&run.base, Some(&signed.cookie_header())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["email"], "real@example.com");

    server.sign_out(&signed.cookie_header()).await;
    let (status, _, body) = get_me(&run.base, Some(&signed.cookie_header())).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("session_not_found"))
    );
}

//! The end-to-end scenario every example service runs against a REAL Better Auth server sharing
//! a real PostgreSQL: users sign up and in over Better Auth's HTTP API, and the service (the
//! example binary, started as a user would) must accept and refuse as documented.

use std::{process::Stdio, time::Duration};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

use crate::{SECRET, better_auth::BetterAuthServer, db::TestDb};

/// An example service process, killed on drop.
pub struct ExampleService {
    _child: Child,
    base: String,
    client: reqwest::Client,
    /// Every line the service printed after its address.
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ExampleService {
    /// Starts `binary` with `env` (and `PORT=0`), waiting for its `listening on URL` line. Its
    /// log is shown with `EXAMPLE_SERVICE_LOG=1`.
    pub async fn start(binary: &str, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PORT", "0")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("start {binary}: {e}"));
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = line.strip_prefix("listening on ") {
                    return Some(url.trim().to_owned());
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("{binary} did not print its address"));
        let echo = std::env::var_os("EXAMPLE_SERVICE_LOG").is_some();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = log.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                if echo {
                    eprintln!("service: {line}");
                }
                kept.lock().unwrap().push(line);
            }
        });
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Self {
            _child: child,
            base,
            client,
            log,
        }
    }

    /// What the service printed so far (its log, at the `RUST_LOG` it was started with).
    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Sends a request; returns status and JSON body (`Null` when not JSON).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the example service answers");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// `method path` with these headers and a JSON body: status and JSON body.
    pub async fn send_json(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the example service answers");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// `GET path` with these headers: status, the response's headers, JSON body.
    pub async fn get_with_headers(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut request = self.client.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the example service answers");
        let status = response.status();
        let response_headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        (
            status,
            response_headers,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    /// The service's base URL (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `GET path` with these headers.
    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> (StatusCode, Value) {
        self.call(Method::GET, path, headers).await
    }

    /// A client of this service whose connections come from `address` (a loopback address
    /// other than 127.0.0.1: another client for the service's per-client accounting).
    pub fn client_from(&self, address: std::net::IpAddr) -> ServiceClient {
        ServiceClient {
            base: self.base.clone(),
            client: reqwest::Client::builder()
                .no_proxy()
                .local_address(address)
                .timeout(Duration::from_secs(10))
                .build()
                .expect("an HTTP client"),
        }
    }
}

/// A client of an [`ExampleService`] with its own source address.
pub struct ServiceClient {
    base: String,
    client: reqwest::Client,
}

impl ServiceClient {
    /// `GET path` with these headers: status and JSON body.
    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> (StatusCode, Value) {
        let mut request = self.client.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the example service answers");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

fn assert_status(
    what: &str,
    (status, body): &(StatusCode, Value),
    expected: u16,
    code: Option<&str>,
) {
    assert_eq!(status.as_u16(), expected, "{what}: {body}");
    if let Some(code) = code {
        assert_eq!(body["code"], code, "{what}: {body}");
    }
}

/// The scenario, against the example binary at `binary`.
pub async fn run(binary: &str) {
    let db = TestDb::postgres().await;
    let server =
        BetterAuthServer::start(db.server_config(json!({"bearer": {}, "jwt": {}, "admin": {}})))
            .await;
    let url = db.url();
    let service = ExampleService::start(
        binary,
        &[
            ("DATABASE_URL", &url),
            ("BETTER_AUTH_SECRET", SECRET),
            ("BETTER_AUTH_URL", server.base_url()),
        ],
    )
    .await;

    // Sign up; the three credentials Better Auth hands out all work.
    let alice = server
        .sign_up("alice@example.com", "correct horse battery", "Alice")
        .await;
    let cookie = alice.cookie_header();
    let (status, me) = service.get("/me", &[("cookie", &cookie)]).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        (me["via"].as_str(), me["user"]["email"].as_str()),
        (Some("cookie"), Some("alice@example.com"))
    );
    assert!(me["session"]["id"].is_string());
    let bearer = format!(
        "Bearer {}",
        alice.auth_token.clone().expect("set-auth-token")
    );
    let (_, me) = service.get("/me", &[("authorization", &bearer)]).await;
    assert_eq!(me["via"], "bearer", "{me}");
    let jwt = format!("Bearer {}", server.get_jwt(&cookie).await);
    let (status, me) = service.get("/me", &[("authorization", &jwt)]).await;
    assert_eq!(
        (status.as_u16(), me["via"].as_str()),
        (200, Some("jwt")),
        "{me}"
    );
    assert!(me["session"].is_null());
    assert_eq!(me["user"]["id"], alice.user_id());

    header_bytes(binary, &service, &server, &alice).await;

    // Optional.
    assert_eq!(service.get("/optional", &[]).await.1["user"], Value::Null);
    assert_eq!(
        service.get("/optional", &[("cookie", &cookie)]).await.1["user"]["email"],
        "alice@example.com"
    );

    // State changes by cookie need a trusted Origin (Better Auth's base URL is trusted).
    assert_status(
        "POST without Origin",
        &service
            .call(Method::POST, "/notes", &[("cookie", &cookie)])
            .await,
        403,
        Some("missing_origin"),
    );
    let origin = server.base_url().to_owned();
    assert_status(
        "POST from Better Auth's origin",
        &service
            .call(
                Method::POST,
                "/notes",
                &[("cookie", &cookie), ("origin", &origin)],
            )
            .await,
        201,
        None,
    );
    assert_status(
        "POST from another origin",
        &service
            .call(
                Method::POST,
                "/notes",
                &[("cookie", &cookie), ("origin", "https://evil.example")],
            )
            .await,
        403,
        Some("untrusted_origin"),
    );
    assert_status(
        "POST by bearer",
        &service
            .call(Method::POST, "/notes", &[("authorization", &bearer)])
            .await,
        201,
        None,
    );

    // Admin: 401, then 403, then 200 once an admin gives Alice the role through Better Auth.
    assert_status(
        "admin unauthenticated",
        &service.get("/admin", &[]).await,
        401,
        Some("missing_credentials"),
    );
    assert_status(
        "admin as a user",
        &service.get("/admin", &[("cookie", &cookie)]).await,
        403,
        Some("missing_role"),
    );
    let root = server
        .sign_up("root@example.com", "correct horse battery", "Root")
        .await;
    db.execute(
        r#"UPDATE "user" SET "role" = 'admin' WHERE "id" = {}"#,
        &root.user_id(),
    )
    .await;
    let root_cookie = root.cookie_header();
    let response = server
        .post(
            "/admin/set-role",
            json!({"userId": alice.user_id(), "role": "admin"}),
            Some(&root_cookie),
        )
        .await;
    assert!(
        response.status().is_success(),
        "set-role: {}",
        response.status()
    );
    assert_status(
        "admin after set-role",
        &service.get("/admin", &[("cookie", &cookie)]).await,
        200,
        None,
    );
    // A JWT carries the role it was issued with: the old one still says "user".
    assert_status(
        "admin by an old JWT",
        &service.get("/admin", &[("authorization", &jwt)]).await,
        403,
        Some("missing_role"),
    );
    let fresh_jwt = format!("Bearer {}", server.get_jwt(&cookie).await);
    assert_status(
        "admin by a new JWT",
        &service
            .get("/admin", &[("authorization", &fresh_jwt)])
            .await,
        200,
        None,
    );

    // Ban Alice through Better Auth: it revokes her sessions, so her cookie is now unknown.
    let response = server
        .post(
            "/admin/ban-user",
            json!({"userId": alice.user_id()}),
            Some(&root_cookie),
        )
        .await;
    assert!(
        response.status().is_success(),
        "ban-user: {}",
        response.status()
    );
    assert_status(
        "banned user's cookie",
        &service.get("/me", &[("cookie", &cookie)]).await,
        401,
        Some("session_not_found"),
    );
    assert_status(
        "banned user's bearer",
        &service.get("/me", &[("authorization", &bearer)]).await,
        401,
        Some("session_not_found"),
    );

    // Sign out: 401.
    server.sign_out(&root_cookie).await;
    assert_status(
        "signed out",
        &service.get("/me", &[("cookie", &root_cookie)]).await,
        401,
        Some("session_not_found"),
    );

    // Health.
    assert_eq!(service.get("/healthz", &[]).await.0, 200);
}

/// Raw header bytes through the example's own HTTP server (its framework's parser included),
/// compared with Better Auth's verdict on the same bytes: the four adapters answer alike, and
/// like Better Auth. The exception, documented: Rocket 0.5 drops a header whose value is not
/// UTF-8 before any guard runs, so under Rocket such a `Cookie` header carries no session.
async fn header_bytes(
    binary: &str,
    service: &ExampleService,
    server: &BetterAuthServer,
    alice: &crate::better_auth::SignedIn,
) {
    let rocket = binary.ends_with("example-rocket");
    let name = b"better-auth.session_token".as_slice();
    let value = alice
        .cookie("better-auth.session_token")
        .expect("a session cookie");
    let value = value.as_bytes();
    let bearer = alice.auth_token.clone().expect("set-auth-token");
    // (case, header, value bytes, Better Auth finds the session, our refusal code if we refuse)
    type Case<'a> = (&'a str, &'a str, Vec<u8>, bool, Option<&'a str>);
    let cases: Vec<Case<'_>> = vec![
        (
            "Latin-1 NBSP after the cookie name",
            "cookie",
            [name, b"\xA0=", value].concat(),
            true,
            None,
        ),
        (
            "UTF-8 NBSP after the cookie name",
            "cookie",
            [name, b"\xC2\xA0=", value].concat(),
            false,
            Some("missing_credentials"),
        ),
        (
            "bytes that are not UTF-8 in another cookie",
            "cookie",
            [b"junk=\xFF\xFE; ", name, b"=", value].concat(),
            true,
            None,
        ),
        (
            "0xFF in the bearer token (ignored)",
            "authorization",
            [b"Bearer \xFF", bearer.as_bytes()].concat(),
            false,
            Some("missing_credentials"),
        ),
        (
            "UTF-8 NBSP after the bearer token",
            "authorization",
            [b"Bearer ", bearer.as_bytes(), b"\xC2\xA0"].concat(),
            false,
            Some("malformed_credentials"),
        ),
    ];
    for (case, header, bytes, better_auth_accepts, refusal) in cases {
        let headers = [(header, bytes.as_slice())];
        let theirs = server.get_session_raw(&headers).await;
        assert_eq!(
            theirs.json()["user"].is_object(),
            better_auth_accepts,
            "{case}: Better Auth's verdict changed: {theirs:?}"
        );
        let ours = crate::raw_http::send(service.base_url(), "GET", "/me", &headers, None).await;
        let dropped_by_rocket = rocket && std::str::from_utf8(&bytes).is_err();
        let expected = match (refusal, dropped_by_rocket) {
            (_, true) => Some("missing_credentials"),
            (refusal, false) => refusal,
        };
        let code = ours.json()["code"].as_str().map(str::to_owned);
        match expected {
            None => assert_eq!(ours.status, 200, "{case}: {ours:?}"),
            Some(expected) => assert_eq!(
                (ours.status, code.as_deref()),
                (401, Some(expected)),
                "{case}: {ours:?}"
            ),
        }
        if !dropped_by_rocket {
            assert_eq!(
                better_auth_accepts,
                ours.status == 200,
                "{case}: the verdict differs from Better Auth's"
            );
        }
    }
}

/// The deployment shapes of issue "every way Better Auth is deployed", through the example
/// binary at `binary`, each configured only by environment variables:
///
/// 1. sessions only in Redis (`@better-auth/redis-storage`), the compact cookie cache, API keys
///    from the database;
/// 2. MySQL / MariaDB;
/// 3. remote mode: only Better Auth's URL, sessions asked of its `get-session`.
pub async fn run_deployment_shapes(binary: &str) {
    redis_cookie_cache_and_api_keys(binary).await;
    mysql(binary).await;
    remote(binary).await;
    session_refresh(binary, false).await;
    session_refresh(binary, true).await;
    organization_context(binary, false).await;
    organization_context(binary, true).await;
    credentials_stay_out_of_the_logs(binary).await;
    custom_roles_from_the_environment(binary).await;
}

/// A request of a scenario: method, path, headers.
type Request<'a> = (Method, &'a str, Vec<(&'a str, String)>);

/// The service at `RUST_LOG=trace` (every target: the framework's, hyper's, sqlx's, ours) sees
/// cookies, bearer tokens, JWTs and API keys, good and bad, and writes none of them, nor the
/// secret, to its log: the examples add `CREDENTIAL_SAFE_LOG_DIRECTIVES` to any filter.
async fn credentials_stay_out_of_the_logs(binary: &str) {
    let db = TestDb::sqlite();
    let server = BetterAuthServer::start(db.server_config(json!({
        "bearer": {}, "jwt": {}, "apiKey": {}
    })))
    .await;
    let url = db.url();
    let service = ExampleService::start(
        binary,
        &[
            ("DATABASE_URL", &url),
            ("BETTER_AUTH_SECRET", SECRET),
            ("BETTER_AUTH_URL", server.base_url()),
            ("BETTER_AUTH_API_KEYS", "true"),
            ("BETTER_AUTH_CACHE_TTL_MS", "60000"),
            ("RUST_LOG", "trace"),
        ],
    )
    .await;
    let signed = server
        .sign_up("logs@example.com", "correct horse battery", "Logs")
        .await;
    let cookie = signed.cookie_header();
    let token = signed.token();
    let signed_token = signed.auth_token.clone().expect("set-auth-token");
    let jwt = server.get_jwt(&cookie).await;
    let created: Value = server
        .post("/api-key/create", json!({"name": "logs"}), Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    let key = created["key"].as_str().expect("an API key").to_owned();
    let tampered_cookie = format!("{cookie}x");
    let requests: Vec<Request<'_>> = vec![
        (Method::GET, "/me", vec![("cookie", cookie.clone())]),
        (Method::GET, "/me", vec![("cookie", cookie.clone())]),
        (
            Method::GET,
            "/me",
            vec![("authorization", format!("Bearer {signed_token}"))],
        ),
        (
            Method::GET,
            "/me",
            vec![("authorization", format!("Bearer {jwt}"))],
        ),
        (Method::GET, "/me", vec![("x-api-key", key.clone())]),
        (
            Method::GET,
            "/me",
            vec![("cookie", tampered_cookie.clone())],
        ),
        (
            Method::GET,
            "/me",
            vec![("authorization", format!("Bearer {jwt}x"))],
        ),
        (Method::GET, "/me", vec![("x-api-key", format!("{key}x"))]),
        (Method::GET, "/admin", vec![("cookie", cookie.clone())]),
        (
            Method::POST,
            "/notes",
            vec![
                ("cookie", cookie.clone()),
                ("origin", "https://evil.example".to_owned()),
            ],
        ),
    ];
    for (method, path, headers) in &requests {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        service.call(method.clone(), path, &headers).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = service.log();
    assert!(
        log.contains("better_auth") && log.lines().count() > 20,
        "the service logged at trace: {log}"
    );
    let jwt_signature = jwt.rsplit('.').next().unwrap().to_owned();
    let cookie_value = cookie
        .split_once('=')
        .map(|(_, value)| value.to_owned())
        .unwrap();
    for (what, secret) in [
        ("session token", token.as_str()),
        ("signed session cookie", cookie_value.as_str()),
        ("bearer token", signed_token.as_str()),
        ("JWT", jwt.as_str()),
        ("JWT signature", jwt_signature.as_str()),
        ("API key", key.as_str()),
        ("secret", SECRET),
    ] {
        let leak = log.lines().find(|line| line.contains(secret));
        assert!(
            leak.is_none(),
            "{binary}: the {what} is in the log: {:?}",
            leak.map(|line| line.replace(secret, "<here>"))
        );
    }
}

/// `BETTER_AUTH_ACCESS_CONTROL`: the same custom roles on both sides (Better Auth's `roles`,
/// the service's JSON file) give the same verdicts, defaults gone where a section replaces them.
async fn custom_roles_from_the_environment(binary: &str) {
    let db = TestDb::sqlite();
    let definitions = json!({
        "admin": {
            "support": {"user": ["list", "get"], "session": ["list"]},
            "admin": {"user": ["create", "list", "set-role", "ban", "impersonate", "delete", "set-password", "get", "update"], "session": ["list", "revoke", "delete"]}
        },
        "organization": {
            "owner": {"organization": ["update", "delete"], "member": ["create", "update", "delete"], "invitation": ["create", "cancel"], "team": ["create", "update", "delete"], "ac": ["create", "read", "update", "delete"]},
            "billing": {"organization": ["update"], "ac": ["read"]},
            "member": {"ac": ["read"]}
        }
    });
    let file = db_dir_file(&db, "access-control.json");
    std::fs::write(&file, definitions.to_string()).unwrap();
    let mut config = db.server_config(json!({"admin": {}, "organization": {}}));
    config["accessControl"] = definitions;
    let server = BetterAuthServer::start(config).await;
    let url = db.url();
    let path = file.display().to_string();
    let service = ExampleService::start(
        binary,
        &[
            ("DATABASE_URL", &url),
            ("BETTER_AUTH_SECRET", SECRET),
            ("BETTER_AUTH_URL", server.base_url()),
            ("BETTER_AUTH_ACCESS_CONTROL", &path),
        ],
    )
    .await;
    let owner = server
        .sign_up("custom-owner@example.com", "correct horse battery", "Owner")
        .await;
    let cookie = owner.cookie_header();
    let organization = server
        .create_organization(&cookie, "Custom", "custom")
        .await;
    let biller = server
        .sign_up(
            "custom-billing@example.com",
            "correct horse battery",
            "Billing",
        )
        .await;
    server
        .add_member(&organization["id"], &biller.user_id(), json!("billing"))
        .await;
    let biller_cookie = biller.cookie_header();
    server
        .set_active_organization(&biller_cookie, &organization["id"])
        .await;
    // Sign-up stores `user.role = 'user'`, which the custom admin section no longer defines.
    let mut pairs = 0;
    for who in [&cookie, &biller_cookie] {
        pairs += same_permission_verdicts(&server, &service, who).await;
    }
    assert!(pairs >= 100, "{pairs} pairs");
}

/// A file path in the test database's temporary folder (or the system's for a server one).
fn db_dir_file(db: &TestDb, name: &str) -> std::path::PathBuf {
    match db {
        TestDb::Sqlite { dir, .. } => dir.path().join(name),
        _ => std::env::temp_dir().join(format!("{}-{name}", crate::unique_suffix())),
    }
}

/// The service's `POST /org/has-permission` and `POST /admin/has-permission` against Better
/// Auth's own endpoints, for one user (cookie) and a set of bodies: same status, same verdict.
/// Returns how many were compared.
async fn same_permission_verdicts(
    server: &BetterAuthServer,
    service: &ExampleService,
    cookie: &str,
) -> usize {
    let mut compared = 0;
    // Generated from the organization plugin's statements: every single action, every resource
    // with all its actions, pairs of resources, unknown ones, and Better Auth's odd bodies.
    let statements: [(&str, &[&str]); 6] = [
        ("organization", &["update", "delete"]),
        ("member", &["create", "update", "delete"]),
        ("invitation", &["create", "cancel"]),
        ("team", &["create", "update", "delete"]),
        ("ac", &["create", "read", "update", "delete"]),
        ("billing", &["read"]),
    ];
    let mut organization_bodies = Vec::new();
    for (resource, actions) in statements {
        for action in actions {
            organization_bodies.push(json!({"permissions": {resource: [action]}}));
        }
        organization_bodies.push(json!({"permissions": {resource: actions}}));
        organization_bodies.push(json!({"permissions": {resource: ["fly"]}}));
        organization_bodies.push(json!({"permissions": {resource: []}}));
    }
    for (i, (first, first_actions)) in statements.iter().enumerate() {
        for (second, second_actions) in &statements[i + 1..] {
            organization_bodies.push(json!({"permissions": {
                *first: [first_actions[0]], *second: [second_actions[second_actions.len() - 1]]
            }}));
        }
    }
    organization_bodies.extend([
        json!({"permissions": {}}),
        json!({"permission": {"member": ["create"]}}),
        json!({}),
        json!({"permissions": {"member": ["create"]}, "permission": {"member": ["create"]}}),
        json!({"permissions": {"member": "create"}}),
    ]);
    let admin_bodies = [
        json!({"permissions": {"user": ["ban"]}}),
        json!({"permissions": {"user": ["impersonate-admins"]}}),
        json!({"permissions": {"session": ["revoke"], "user": ["list"]}}),
        json!({"permission": {"user": ["ban"]}}),
        json!({}),
    ];
    for (path, ours, bodies) in [
        (
            "/organization/has-permission",
            "/org/has-permission",
            &organization_bodies[..],
        ),
        (
            "/admin/has-permission",
            "/admin/has-permission",
            &admin_bodies[..],
        ),
    ] {
        for body in bodies {
            let theirs = server.post(path, body.clone(), Some(cookie)).await;
            let their_status = theirs.status().as_u16();
            let their_body: Value = theirs.json().await.unwrap_or(Value::Null);
            let (status, answer) = service
                .send_json(
                    Method::POST,
                    ours,
                    &[("cookie", cookie), ("origin", server.base_url())],
                    body,
                )
                .await;
            assert_eq!(
                status.as_u16(),
                their_status,
                "{path} {body}: Better Auth {their_status} {their_body}, we {status} {answer}"
            );
            if their_status == 200 {
                assert_eq!(
                    answer["success"], their_body["success"],
                    "{path} {body}: Better Auth {their_body}, we {answer}"
                );
            }
            compared += 1;
        }
    }
    compared
}

/// `GET /org` through the service (organization plugin, teams on): the session's active
/// organization and the member's role as Better Auth stored it, by cookie and by bearer; 403
/// `no_active_organization` without one (and for a JWT, which carries no session); 403
/// `not_a_member` once the membership is gone. In remote mode (no database for the service,
/// no cache) the same answers come from Better Auth's organization endpoints.
async fn organization_context(binary: &str, remote: bool) {
    let db = TestDb::sqlite();
    let server = BetterAuthServer::start(db.server_config(json!({
        "bearer": {}, "jwt": {}, "admin": {},
        "organization": {"teams": {"enabled": true}, "dynamicAccessControl": {"enabled": true}}
    })))
    .await;
    let url = db.url();
    let service = if remote {
        ExampleService::start(
            binary,
            &[
                ("BETTER_AUTH_REMOTE_SESSIONS", "true"),
                ("BETTER_AUTH_CACHE_TTL_MS", "0"),
                ("BETTER_AUTH_SECRET", SECRET),
                ("BETTER_AUTH_URL", server.base_url()),
            ],
        )
        .await
    } else {
        ExampleService::start(
            binary,
            &[
                ("DATABASE_URL", &url),
                ("BETTER_AUTH_SECRET", SECRET),
                ("BETTER_AUTH_URL", server.base_url()),
            ],
        )
        .await
    };
    let owner = server
        .sign_up("org-owner@example.com", "correct horse battery", "Owner")
        .await;
    let cookie = owner.cookie_header();
    let organization = server.create_organization(&cookie, "Acme", "acme").await;
    let team = server.get_session(&cookie).await["session"]["activeTeamId"].clone();
    assert!(team.is_string(), "a default team is active");
    let expected = json!({
        "organizationId": organization["id"], "role": "owner", "roles": ["owner"], "teamId": team,
    });
    let (status, body) = service.get("/org", &[("cookie", &cookie)]).await;
    assert_eq!((status.as_u16(), &body), (200, &expected), "by cookie");
    let bearer = format!(
        "Bearer {}",
        owner.auth_token.clone().expect("set-auth-token")
    );
    let (status, body) = service.get("/org", &[("authorization", &bearer)]).await;
    assert_eq!((status.as_u16(), &body), (200, &expected), "by bearer");
    let jwt = format!("Bearer {}", server.get_jwt(&cookie).await);
    assert_status(
        "by JWT: no session, no active organization",
        &service.get("/org", &[("authorization", &jwt)]).await,
        403,
        Some("no_active_organization"),
    );

    let other = server
        .sign_up("org-other@example.com", "correct horse battery", "Other")
        .await;
    let other_cookie = other.cookie_header();
    assert_status(
        "no active organization",
        &service.get("/org", &[("cookie", &other_cookie)]).await,
        403,
        Some("no_active_organization"),
    );
    server
        .add_member(
            &organization["id"],
            &other.user_id(),
            json!(["admin", " member "]),
        )
        .await;
    server
        .set_active_organization(&other_cookie, &organization["id"])
        .await;
    let (status, body) = service.get("/org", &[("cookie", &other_cookie)]).await;
    assert_eq!(
        (status.as_u16(), body),
        (
            200,
            json!({"organizationId": organization["id"], "role": "admin,member", "roles": ["admin", "member"], "teamId": null})
        ),
        "two roles, stored joined, read trimmed"
    );
    // Permissions: the service's has-permission answers are Better Auth's, for both members.
    let plain = server
        .sign_up("org-plain@example.com", "correct horse battery", "Plain")
        .await;
    server
        .add_member(&organization["id"], &plain.user_id(), json!("member"))
        .await;
    let plain_cookie = plain.cookie_header();
    server
        .set_active_organization(&plain_cookie, &organization["id"])
        .await;
    // A dynamic role without `ac:read`: its member cannot list the organization's roles, yet
    // has-permission answers for it (in remote mode, Better Auth's own).
    let created = server
        .post(
            "/organization/create-role",
            json!({"organizationId": organization["id"], "role": "Auditor",
                   "permission": {"member": ["create"], "invitation": ["create"]}}),
            Some(&cookie),
        )
        .await;
    assert_eq!(created.status().as_u16(), 200, "create-role");
    let auditor = server
        .sign_up(
            "org-auditor@example.com",
            "correct horse battery",
            "Auditor",
        )
        .await;
    server
        .add_member(&organization["id"], &auditor.user_id(), json!("auditor"))
        .await;
    let auditor_cookie = auditor.cookie_header();
    server
        .set_active_organization(&auditor_cookie, &organization["id"])
        .await;
    let mut pairs = 0;
    for who in [&cookie, &other_cookie, &plain_cookie, &auditor_cookie] {
        pairs += same_permission_verdicts(&server, &service, who).await;
    }
    assert!(pairs >= 200, "{pairs} (user, body) pairs compared");
    assert_eq!(
        service
            .send_json(
                Method::DELETE,
                "/org",
                &[("cookie", &cookie), ("origin", server.base_url())],
                &json!({})
            )
            .await,
        (StatusCode::OK, json!({"ok": true})),
        "the owner may delete the organization"
    );
    assert_status(
        "an admin,member may not delete it",
        &service
            .send_json(
                Method::DELETE,
                "/org",
                &[("cookie", &other_cookie), ("origin", server.base_url())],
                &json!({}),
            )
            .await,
        403,
        Some("missing_permission"),
    );
    let removed = db
        .execute(
            r#"DELETE FROM "member" WHERE "userId" = {}"#,
            &other.user_id(),
        )
        .await;
    assert_eq!(removed, 1);
    assert_status(
        "removed",
        &service.get("/org", &[("cookie", &other_cookie)]).await,
        403,
        Some("not_a_member"),
    );
    // Looking the membership up wrote nothing: Better Auth's own `get-organization` would have
    // cleared the session's active organization here.
    assert_eq!(
        server.get_session(&other_cookie).await["session"]["activeOrganizationId"],
        organization["id"],
        "the lookup left the session's active organization alone"
    );
}

/// The values of header `name`.
fn all(headers: &reqwest::header::HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok().map(str::to_owned))
        .collect()
}

/// Sliding sessions through the service, configured by the environment like the Better Auth
/// server (`expiresIn` 30 s, `updateAge` 1 s): a session used a second after sign-in is
/// refreshed; `GET /me` by cookie answers 200 with Better Auth's `Set-Cookie`, by bearer with
/// `set-auth-token`, and Better Auth's own `get-session` sees the new `expiresAt`. In remote
/// mode Better Auth refreshes the session itself and the service passes its headers on.
async fn session_refresh(binary: &str, remote: bool) {
    let db = TestDb::sqlite();
    let mut config = db.server_config(json!({"bearer": {}}));
    config["options"] = json!({"session": {"expiresIn": 30, "updateAge": 1}});
    let server = BetterAuthServer::start(config).await;
    let url = db.url();
    let mut env = vec![
        ("BETTER_AUTH_SECRET", SECRET),
        ("BETTER_AUTH_URL", server.base_url()),
        ("BETTER_AUTH_SESSION_EXPIRES_IN", "30"),
        ("BETTER_AUTH_SESSION_UPDATE_AGE", "1"),
    ];
    if remote {
        env.push(("BETTER_AUTH_REMOTE_SESSIONS", "true"));
    } else {
        env.push(("DATABASE_URL", &url));
    }
    let service = ExampleService::start(binary, &env).await;
    let mode = if remote { "remote" } else { "database" };
    let cookie_user = server
        .sign_up(
            &format!("slide-cookie-{mode}@example.com"),
            "correct horse battery",
            "Slide",
        )
        .await;
    let bearer_user = server
        .sign_up(
            &format!("slide-bearer-{mode}@example.com"),
            "correct horse battery",
            "Slide",
        )
        .await;
    let cookie = cookie_user.cookie_header();
    let session_cookie = cookie_user
        .cookie("better-auth.session_token")
        .expect("a session cookie");
    tokio::time::sleep(Duration::from_millis(1_100)).await;

    let (status, headers, me) = service
        .get_with_headers("/me", &[("cookie", &cookie)])
        .await;
    assert_eq!(status, 200, "{mode}: {me}");
    let expected = format!(
        "better-auth.session_token={session_cookie}; Max-Age=30; Path=/; HttpOnly; SameSite=Lax"
    );
    assert!(
        all(&headers, "set-cookie").contains(&expected),
        "{mode}: a refreshed cookie session gets Better Auth's Set-Cookie {expected:?}, got {:?}",
        all(&headers, "set-cookie")
    );
    let expires_at = me["session"]["expiresAt"].clone();
    let mut request = reqwest::header::HeaderMap::new();
    request.insert("cookie", cookie.parse().unwrap());
    let theirs: Value = server
        .get("/get-session?disableRefresh=true", request)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        theirs["session"]["expiresAt"], expires_at,
        "{mode}: Better Auth sees the refreshed session"
    );
    // Right after: not due, nothing sent.
    let (_, headers, _) = service
        .get_with_headers("/me", &[("cookie", &cookie)])
        .await;
    assert!(
        all(&headers, "set-cookie").is_empty(),
        "{mode}: not due again"
    );

    let token = bearer_user.auth_token.clone().expect("set-auth-token");
    let bearer = format!("Bearer {token}");
    let (status, headers, me) = service
        .get_with_headers("/me", &[("authorization", &bearer)])
        .await;
    assert_eq!(status, 200, "{mode}: {me}");
    assert_eq!(
        all(&headers, "set-auth-token"),
        vec![token],
        "{mode}: a refreshed bearer session gets set-auth-token"
    );
}

async fn redis_cookie_cache_and_api_keys(binary: &str) {
    let db = TestDb::sqlite();
    let prefix = format!("ba-rs-e2e-{}:", crate::unique_suffix());
    let redis = crate::services::redis_url();
    let mut config = db.server_config(json!({"apiKey": {}}));
    config["redis"] = json!({"url": redis, "keyPrefix": prefix});
    config["options"] =
        json!({"session": {"cookieCache": {"enabled": true, "strategy": "compact", "maxAge": 60}}});
    let server = BetterAuthServer::start(config).await;
    let url = db.url();
    let service = ExampleService::start(
        binary,
        &[
            ("DATABASE_URL", &url),
            ("BETTER_AUTH_SECRET", SECRET),
            ("BETTER_AUTH_REDIS_URL", &redis),
            ("BETTER_AUTH_REDIS_KEY_PREFIX", &prefix),
            ("BETTER_AUTH_COOKIE_CACHE", "compact"),
            ("BETTER_AUTH_API_KEYS", "true"),
        ],
    )
    .await;

    let signed = server
        .sign_up("shapes@example.com", "correct horse battery", "Shapes")
        .await;
    let cookie = signed.cookie_header();
    let (status, me) = service.get("/me", &[("cookie", &cookie)]).await;
    assert_eq!(
        (status.as_u16(), me["via"].as_str()),
        (200, Some("cookie")),
        "cookie cache: {me}"
    );
    let token_only = format!(
        "better-auth.session_token={}",
        signed.cookie("better-auth.session_token").unwrap()
    );
    let (status, me) = service.get("/me", &[("cookie", &token_only)]).await;
    assert_eq!(status, 200, "Redis secondary storage: {me}");
    assert_eq!(me["user"]["email"], "shapes@example.com");

    let created: Value = server
        .post("/api-key/create", json!({"name": "e2e"}), Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    let key = created["key"].as_str().expect("an API key").to_owned();
    let (status, me) = service.get("/me", &[("x-api-key", &key)]).await;
    assert_eq!(
        (status.as_u16(), me["via"].as_str()),
        (200, Some("api_key")),
        "API key: {me}"
    );
    assert_eq!(me["user"]["email"], "shapes@example.com");
    assert_status(
        "unknown API key",
        &service
            .get(
                "/me",
                &[("x-api-key", &crate::random_text(64, crate::LETTERS))],
            )
            .await,
        401,
        Some("invalid_api_key"),
    );
    // Shorter than the configuration's 64 characters: refused before any lookup, 403 as Better
    // Auth refuses it.
    assert_status(
        "short API key",
        &service.get("/me", &[("x-api-key", "nope-nope-nope")]).await,
        403,
        Some("api_key_too_short"),
    );

    server.sign_out(&cookie).await;
    assert_status(
        "signed out, no cache entry",
        &service.get("/me", &[("cookie", &token_only)]).await,
        401,
        Some("session_not_found"),
    );
    // The cookie cache is read (not only Redis): its entry still answers after the sign-out,
    // for its maxAge, exactly as Better Auth's own get-session answers from it.
    let (status, me) = service.get("/me", &[("cookie", &cookie)]).await;
    assert_eq!(
        (status.as_u16(), me["user"]["email"].as_str()),
        (200, Some("shapes@example.com")),
        "the cookie cache entry answers until its maxAge: {me}"
    );
    assert_eq!(
        server.get_session(&cookie).await["user"]["email"],
        "shapes@example.com",
        "Better Auth answers from its cookie cache too"
    );
}

async fn mysql(binary: &str) {
    let db = TestDb::mysql().await;
    let server = BetterAuthServer::start(db.server_config(json!({"bearer": {}}))).await;
    let url = db.url();
    let service = ExampleService::start(
        binary,
        &[("DATABASE_URL", &url), ("BETTER_AUTH_SECRET", SECRET)],
    )
    .await;
    let signed = server
        .sign_up("mysql@example.com", "correct horse battery", "My SQL")
        .await;
    let (status, me) = service
        .get("/me", &[("cookie", &signed.cookie_header())])
        .await;
    assert_eq!(
        (status.as_u16(), me["user"]["email"].as_str()),
        (200, Some("mysql@example.com")),
        "MySQL: {me}"
    );
    server.sign_out(&signed.cookie_header()).await;
    assert_status(
        "MySQL, signed out",
        &service
            .get("/me", &[("cookie", &signed.cookie_header())])
            .await,
        401,
        Some("session_not_found"),
    );
}

/// Remote mode against Better Auth as production runs it (its rate limiter on: 100 requests per
/// 10 s per client address on `get-session`), no cache, no miss budget (the worst case): one
/// client sending 150 random bearer tokens spends its own limit (its requests end in 429,
/// never 503), and another client's cookie goes on answering 200, because each call the
/// service makes carries the address of the client it is made for.
async fn remote(binary: &str) {
    let db = TestDb::sqlite();
    let server = BetterAuthServer::start(BetterAuthServer::production(
        db.server_config(json!({"bearer": {}})),
    ))
    .await;
    let service = ExampleService::start(
        binary,
        &[
            ("BETTER_AUTH_URL", server.base_url()),
            ("BETTER_AUTH_SECRET", SECRET),
            ("BETTER_AUTH_REMOTE_SESSIONS", "true"),
            ("BETTER_AUTH_CACHE_TTL_MS", "0"),
            ("BETTER_AUTH_MISS_BUDGET", "off"),
        ],
    )
    .await;
    let signed = server
        .sign_up("remote-e2e@example.com", "correct horse battery", "Remote")
        .await;
    let (status, me) = service
        .get("/me", &[("cookie", &signed.cookie_header())])
        .await;
    assert_eq!(
        (status.as_u16(), me["user"]["email"].as_str()),
        (200, Some("remote-e2e@example.com")),
        "remote: {me}"
    );

    let attacker = service.client_from([127, 0, 0, 66].into());
    let victim = service.client_from([127, 0, 0, 7].into());
    let mut limited = 0;
    for _ in 0..150 {
        let token = crate::random_text(32, crate::ALPHANUMERIC);
        let (status, body) = attacker
            .get("/me", &[("authorization", &format!("Bearer {token}"))])
            .await;
        match status.as_u16() {
            401 => assert_eq!(body["code"], "session_not_found", "{body}"),
            429 => {
                assert_eq!(body["code"], "rate_limited", "{body}");
                limited += 1;
            }
            other => panic!("a random bearer token answered {other}: {body}"),
        }
    }
    assert!(
        limited >= 40,
        "Better Auth's limit of 100 per 10 s for the attacker's address: {limited} of 150 refused"
    );
    for _ in 0..5 {
        let (status, me) = victim
            .get("/me", &[("cookie", &signed.cookie_header())])
            .await;
        assert_eq!(
            (status.as_u16(), me["user"]["email"].as_str()),
            (200, Some("remote-e2e@example.com")),
            "another client, after one client's flood: {me}"
        );
    }

    server.sign_out(&signed.cookie_header()).await;
    assert_status(
        "remote, signed out",
        &service
            .get("/me", &[("cookie", &signed.cookie_header())])
            .await,
        401,
        Some("session_not_found"),
    );
    assert_eq!(service.get("/healthz", &[]).await.0, 200);
    drop(server);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        service.get("/healthz", &[]).await.0,
        503,
        "Better Auth down: not healthy"
    );
}

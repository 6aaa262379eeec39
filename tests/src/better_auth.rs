//! A real Better Auth server (the npm package, run by Node) for interoperability tests, and the
//! few HTTP calls the tests make to it. See `tests/better-auth-server/server.mjs`.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, BufReader},
    process::{Child, Command},
};

/// The folder of the Node server harness.
pub fn server_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("better-auth-server")
}

/// Another client address for each call the harness makes to Better Auth (`100.64.0.0/10`,
/// shared address space): under the production profile's rate limiter each call is a client of
/// its own, as the browsers of many users would be, never one bucket for the whole suite.
pub fn next_client_address() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!(
        "100.{}.{}.{}",
        64 + ((n >> 16) & 63),
        (n >> 8) & 255,
        n & 255
    )
}

/// A Better Auth server process, killed on drop.
pub struct BetterAuthServer {
    child: Child,
    base_url: String,
    client: reqwest::Client,
    stderr: Arc<Mutex<String>>,
}

/// The session a sign-up or sign-in produced, as the server sent it.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Every `Set-Cookie` header.
    pub set_cookies: Vec<String>,
    /// The `set-auth-token` header (bearer plugin): `TOKEN.SIGNATURE`, not percent-encoded.
    pub auth_token: Option<String>,
    /// The JSON body.
    pub body: Value,
}

impl SignedIn {
    /// A `Cookie` header carrying every cookie that was set (name=value pairs).
    pub fn cookie_header(&self) -> String {
        self.set_cookies
            .iter()
            .filter_map(|cookie| cookie.split(';').next())
            .filter(|pair| !pair.ends_with('='))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The cookie jar after this response: `before` (a `Cookie` header) with the cookies this
    /// response set replacing or adding to it, and the expired ones removed.
    pub fn cookie_jar(&self, before: &str) -> String {
        let mut jar: Vec<(String, String)> = before
            .split("; ")
            .filter_map(|pair| pair.split_once('='))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        for cookie in &self.set_cookies {
            let Some((name, value)) = cookie
                .split(';')
                .next()
                .and_then(|pair| pair.split_once('='))
            else {
                continue;
            };
            jar.retain(|(known, _)| known != name);
            if !value.is_empty() && !cookie.contains("Max-Age=0") {
                jar.push((name.to_owned(), value.to_owned()));
            }
        }
        jar.iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The value (as sent, percent-encoded) of cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies.iter().find_map(|cookie| {
            let pair = cookie.split(';').next()?;
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
    }

    /// The raw session token from the body (`token`), what `session.token` stores.
    pub fn token(&self) -> String {
        self.body["token"]
            .as_str()
            .expect("body has a token")
            .to_owned()
    }

    /// The user id from the body.
    pub fn user_id(&self) -> String {
        match &self.body["user"]["id"] {
            Value::String(id) => id.clone(),
            // `generateId: "serial"`: numbers.
            Value::Number(id) => id.to_string(),
            other => panic!("body has no user.id: {other}"),
        }
    }
}

impl BetterAuthServer {
    /// Starts a server with this configuration (see `server.mjs`: `database`, `secret`,
    /// `plugins`, `options`). Panics with the server's output if it does not come up.
    pub async fn start(config: Value) -> Self {
        Self::start_with_env(config, &[]).await
    }

    /// Like [`start`](Self::start), with extra environment variables for the Node process.
    pub async fn start_with_env(config: Value, env: &[(&str, &str)]) -> Self {
        let dir = server_dir();
        assert!(
            dir.join("node_modules").join("better-auth").exists(),
            "the Better Auth test server's packages are not installed: run `npm ci` in {} \
             (or run all tests with `cargo xtask test`, which does it)",
            dir.display()
        );
        let node = std::env::var("NODE").unwrap_or_else(|_| "node".to_owned());
        let mut command = Command::new(&node);
        command
            .arg("server.mjs")
            .current_dir(&dir)
            .env("BA_CONFIG", config.to_string())
            .env_remove("BETTER_AUTH_SECRET")
            .env_remove("BETTER_AUTH_SECRETS")
            .env_remove("BETTER_AUTH_URL")
            // As deployed: Better Auth turns its Origin and CSRF checks off under `test`.
            .env("NODE_ENV", "production")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap_or_else(|error| {
            panic!("cannot start `{node}` (set NODE to Node 20+): {error}")
        });

        let stderr = Arc::new(Mutex::new(String::new()));
        let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
        let stderr_sink = stderr.clone();
        tokio::spawn(async move {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut buffer).await {
                if n == 0 {
                    break;
                }
                let text = String::from_utf8_lossy(&buffer[..n]).into_owned();
                if let Ok(mut sink) = stderr_sink.lock() {
                    sink.push_str(&text);
                }
            }
        });

        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = line.strip_prefix("READY ") {
                    return Some(url.trim().to_owned());
                }
            }
            None
        })
        .await;
        let base_url = match ready {
            Ok(Some(url)) => url,
            _ => {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let output = stderr.lock().map(|s| s.clone()).unwrap_or_default();
                panic!("the Better Auth test server did not start:\n{output}");
            }
        };
        // Keep reading stdout so the process never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("HTTP client");
        Self {
            child,
            base_url,
            client,
            stderr,
        }
    }

    /// A configuration for a SQLite database file and the given plugins.
    pub fn sqlite_config(path: &Path, plugins: Value) -> Value {
        json!({
            "database": {"kind": "sqlite", "path": path},
            "secret": crate::SECRET,
            "plugins": plugins,
        })
    }

    /// A configuration for a PostgreSQL database and the given plugins.
    pub fn postgres_config(url: &str, plugins: Value) -> Value {
        json!({
            "database": {"kind": "postgres", "url": url},
            "secret": crate::SECRET,
            "plugins": plugins,
        })
    }

    /// The Node process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The server's base URL (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// What the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Better Auth configured as production runs it (`config`'s options kept): its rate
    /// limiter on, as `NODE_ENV=production` turns it on (100 requests per 10 s per client
    /// address on every path, 3 per 10 s on sign-in and sign-up; the OAuth provider's own
    /// limits, 100 introspections a minute). The harness's own calls each come from another
    /// client address ([`next_client_address`]), as a crowd of browsers would.
    pub fn production(mut config: Value) -> Value {
        config["options"]["rateLimit"] = json!({"enabled": true});
        config
    }

    /// POSTs JSON to `/api/auth{path}` with an `Origin` the server trusts.
    pub async fn post(&self, path: &str, body: Value, cookie: Option<&str>) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}/api/auth{path}", self.base_url))
            .header("origin", &self.base_url)
            .header("x-forwarded-for", next_client_address())
            .json(&body);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.expect("request to Better Auth")
    }

    /// GETs `/api/auth{path}` with these headers (from a client address of its own unless
    /// they name one).
    pub async fn get(&self, path: &str, mut headers: HeaderMap) -> reqwest::Response {
        if !headers.contains_key("x-forwarded-for") {
            headers.insert(
                "x-forwarded-for",
                HeaderValue::from_str(&next_client_address()).expect("an address"),
            );
        }
        self.client
            .get(format!("{}/api/auth{path}", self.base_url))
            .headers(headers)
            .send()
            .await
            .expect("request to Better Auth")
    }

    /// Signs a new user up with email and password.
    pub async fn sign_up(&self, email: &str, password: &str, name: &str) -> SignedIn {
        let body = json!({"email": email, "password": password, "name": name});
        self.signed_in(self.post("/sign-up/email", body, None).await, "sign-up")
            .await
    }

    /// Signs a new user up with this JSON body (email, password, name and any
    /// `additionalFields`).
    pub async fn sign_up_with(&self, body: Value) -> SignedIn {
        self.signed_in(self.post("/sign-up/email", body, None).await, "sign-up")
            .await
    }

    /// Signs a new user up in a browser that already holds `cookie_header` (multi-session).
    pub async fn sign_up_on_device(
        &self,
        email: &str,
        password: &str,
        name: &str,
        cookie_header: &str,
    ) -> SignedIn {
        let body = json!({"email": email, "password": password, "name": name});
        self.signed_in(
            self.post("/sign-up/email", body, Some(cookie_header)).await,
            "sign-up",
        )
        .await
    }

    /// Signs in with this body (`email`, `password`, and e.g. `rememberMe`).
    pub async fn sign_in_with(&self, body: Value) -> SignedIn {
        self.signed_in(self.post("/sign-in/email", body, None).await, "sign-in")
            .await
    }

    /// Creates an organization (organization plugin) as the user of `cookie_header`, which
    /// makes it their active one; Better Auth's answer (`id`, `name`, `slug`, ...).
    pub async fn create_organization(&self, cookie_header: &str, name: &str, slug: &str) -> Value {
        let created = self
            .post(
                "/organization/create",
                json!({"name": name, "slug": slug}),
                Some(cookie_header),
            )
            .await;
        assert!(
            created.status().is_success(),
            "organization/create: {}\n{}",
            created.status(),
            self.stderr()
        );
        created.json().await.expect("the organization")
    }

    /// Adds `user_id` to `organization_id` with `role` (a string or a list) through Better
    /// Auth's server-only `addMember`.
    pub async fn add_member(&self, organization_id: &Value, user_id: &str, role: Value) {
        let added = self
            .test_hook(
                "add-member",
                json!({"organizationId": organization_id, "userId": user_id, "role": role}),
            )
            .await;
        assert!(added.get("thrown").is_none(), "addMember: {added}");
    }

    /// Makes `organization_id` the active organization of the session of `cookie_header`.
    pub async fn set_active_organization(&self, cookie_header: &str, organization_id: &Value) {
        let activated = self
            .post(
                "/organization/set-active",
                json!({"organizationId": organization_id}),
                Some(cookie_header),
            )
            .await;
        assert!(
            activated.status().is_success(),
            "organization/set-active: {}",
            activated.status()
        );
    }

    /// Signs an existing user in.
    pub async fn sign_in(&self, email: &str, password: &str) -> SignedIn {
        let body = json!({"email": email, "password": password});
        self.signed_in(self.post("/sign-in/email", body, None).await, "sign-in")
            .await
    }

    async fn signed_in(&self, response: reqwest::Response, what: &str) -> SignedIn {
        let status = response.status();
        let set_cookies = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let auth_token = response
            .headers()
            .get("set-auth-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(
            status.is_success(),
            "{what} failed: {status} {body}\n{}",
            self.stderr()
        );
        SignedIn {
            set_cookies,
            auth_token,
            body,
        }
    }

    /// Signs out the session these cookies carry.
    pub async fn sign_out(&self, cookie_header: &str) {
        let response = self.post("/sign-out", json!({}), Some(cookie_header)).await;
        assert!(
            response.status().is_success(),
            "sign-out failed: {}",
            response.status()
        );
    }

    /// Calls a test hook of the harness (`/__test/...`): server-only Better Auth functions.
    pub async fn test_hook(&self, hook: &str, body: Value) -> Value {
        let response = self
            .client
            .post(format!("{}/__test/{hook}", self.base_url))
            .json(&body)
            .send()
            .await
            .expect("request to the test hook");
        response.json().await.unwrap_or(Value::Null)
    }

    /// A JWT from the JWT plugin (`GET /api/auth/token`) for the session these cookies carry.
    pub async fn get_jwt(&self, cookie_header: &str) -> String {
        let mut headers = HeaderMap::new();
        headers.insert(
            "cookie",
            HeaderValue::from_str(cookie_header).expect("cookie header"),
        );
        let response = self.get("/token", headers).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(
            status.is_success(),
            "GET /token: {status} {body}\n{}",
            self.stderr()
        );
        body["token"].as_str().expect("a token").to_owned()
    }

    /// The JWKS document (`GET /api/auth/jwks`).
    pub async fn jwks(&self) -> Value {
        let response = self.get("/jwks", HeaderMap::new()).await;
        assert!(
            response.status().is_success(),
            "GET /jwks: {}",
            response.status()
        );
        response.json().await.expect("JWKS JSON")
    }

    /// Better Auth's own verdict: `GET /api/auth/get-session` with a `Cookie` header. `null`
    /// when it refuses the session.
    pub async fn get_session(&self, cookie_header: &str) -> Value {
        let mut headers = HeaderMap::new();
        headers.insert(
            "cookie",
            HeaderValue::from_str(cookie_header).expect("cookie header"),
        );
        self.get_session_with(headers).await
    }

    /// `GET /api/auth/get-session` with these header lines written byte for byte (see
    /// [`raw_http`](crate::raw_http)).
    pub async fn get_session_raw(&self, headers: &[(&str, &[u8])]) -> crate::raw_http::RawResponse {
        crate::raw_http::send(
            &self.base_url,
            "GET",
            "/api/auth/get-session",
            headers,
            None,
        )
        .await
    }

    /// `GET /api/auth/get-session` with arbitrary headers.
    pub async fn get_session_with(&self, headers: HeaderMap) -> Value {
        let response = self.get("/get-session", headers).await;
        assert!(
            response.status().is_success(),
            "get-session: {}",
            response.status()
        );
        response.json().await.expect("get-session returns JSON")
    }
}

impl Drop for BetterAuthServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

//! The authenticator over an in-memory store that counts its lookups and fails on demand: what
//! a request costs (lookups, time) and what a failure does, for the paths the adapters share.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use async_trait::async_trait;
use chrono::Utc;
use http::{HeaderMap, HeaderValue};

use crate::{
    authenticator::Authenticator, config::AuthConfig, error::BackendError, model::ApiKey,
    model::Session, model::SessionRecord, model::User, secret::SecretSet, signing,
    store::ApiKeyStore, store::SessionStore,
};

const SECRET: &str = "authenticator-unit-test-secret-0123456789";
const COOKIE: &str = "better-auth.session_token";

/// Sessions by token; lookups counted; tokens starting with `fail` are a backend error.
#[derive(Debug, Default)]
struct Memory {
    sessions: HashMap<String, SessionRecord>,
    lookups: AtomicUsize,
    healthy: bool,
    /// Whether refreshes are written (answered `Written`, not stored).
    writes: bool,
}

impl Memory {
    fn with_users(tokens: &[&str]) -> Self {
        let mut sessions = HashMap::new();
        for (n, token) in tokens.iter().enumerate() {
            let user = User::new(format!("user-{n}"), format!("User {n}"), "u@example.com");
            let mut session = Session::new(
                format!("session-{n}"),
                *token,
                user.id.clone(),
                Utc::now() + chrono::Duration::days(1),
            );
            // Written by Better Auth six days ago with its 7-day default: due now.
            session.updated_at = session.expires_at - chrono::Duration::days(7);
            session.created_at = session.updated_at;
            sessions.insert((*token).to_owned(), SessionRecord::new(session, user));
        }
        Self {
            sessions,
            lookups: AtomicUsize::new(0),
            healthy: true,
            writes: false,
        }
    }

    fn lookups(&self) -> usize {
        self.lookups.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl SessionStore for Memory {
    async fn find_session(&self, token: &str) -> Result<Option<SessionRecord>, BackendError> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        if token.starts_with("fail") {
            return Err(BackendError::unavailable("memory", "down"));
        }
        Ok(self.sessions.get(token).cloned())
    }

    async fn extend_session(
        &self,
        _token: &str,
        _extension: &crate::session_refresh::Extension,
    ) -> Result<crate::session_refresh::Extended, BackendError> {
        Ok(if self.writes {
            crate::session_refresh::Extended::Written
        } else {
            crate::session_refresh::Extended::Unsupported
        })
    }

    async fn check_health(&self) -> Result<(), BackendError> {
        if self.healthy {
            Ok(())
        } else {
            Err(BackendError::unavailable("memory", "down"))
        }
    }

    fn backend(&self) -> &'static str {
        "memory"
    }
}

#[async_trait]
impl ApiKeyStore for Memory {
    async fn find_api_key(&self, _stored: &str) -> Result<Option<ApiKey>, BackendError> {
        Ok(None)
    }

    async fn find_user(&self, _id: &str) -> Result<Option<User>, BackendError> {
        Ok(None)
    }

    async fn check_health(&self) -> Result<(), BackendError> {
        SessionStore::check_health(self).await
    }
}

fn secrets() -> SecretSet {
    SecretSet::single(SECRET).unwrap()
}

fn multi_session_authenticator(store: Arc<Memory>) -> Authenticator {
    let mut config = AuthConfig::new(secrets());
    config.multi_session = true;
    Authenticator::builder(config)
        .session_store_arc(store)
        .build()
        .unwrap()
}

fn cookie_header(value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("cookie", HeaderValue::from_str(value).unwrap());
    headers
}

/// `{COOKIE}=<active>` then one multi-session cookie per token of `others`.
fn device_cookies(active: &str, others: &[String]) -> HeaderMap {
    let secrets = secrets();
    let mut cookie = format!(
        "{COOKIE}={}",
        signing::cookie_value(active, secrets.current())
    );
    for token in others {
        cookie.push_str(&format!(
            "; {COOKIE}_multi-{}={}",
            token.to_lowercase(),
            signing::cookie_value(token, secrets.current())
        ));
    }
    cookie_header(&cookie)
}

#[tokio::test]
async fn device_sessions_are_looked_up_only_when_asked_once_and_bounded() {
    let others: Vec<String> = (0..20).map(|n| format!("other{n:02}")).collect();
    let mut tokens: Vec<&str> = vec!["active"];
    tokens.extend(others.iter().map(String::as_str));
    let store = Arc::new(Memory::with_users(&tokens));
    let auth = multi_session_authenticator(store.clone());

    let outcome = auth
        .authenticate_request("GET", &device_cookies("active", &others))
        .await;
    let user = outcome.required().unwrap();
    assert_eq!(
        store.lookups(),
        1,
        "authentication looks up the active session only"
    );

    let devices = user.device_sessions().await.unwrap();
    assert_eq!(
        store.lookups(),
        1 + crate::multi_session::MAX_DEVICE_SESSIONS,
        "at most MAX_DEVICE_SESSIONS cookies are looked up"
    );
    assert_eq!(devices.len(), crate::multi_session::MAX_DEVICE_SESSIONS);
    // Asked again, by this extractor or another one of the request: no more lookups.
    let again = outcome.required().unwrap().device_sessions().await.unwrap();
    assert_eq!(again.len(), devices.len());
    assert_eq!(
        store.lookups(),
        1 + crate::multi_session::MAX_DEVICE_SESSIONS
    );
}

#[tokio::test]
async fn a_failing_device_lookup_leaves_the_request_authenticated() {
    let store = Arc::new(Memory::with_users(&["active"]));
    let auth = multi_session_authenticator(store.clone());
    let outcome = auth
        .authenticate_request(
            "GET",
            &device_cookies("active", &["fail1".to_owned(), "fail2".to_owned()]),
        )
        .await;
    let user = outcome.required().expect("the active session is valid");
    assert_eq!(user.user.id, "user-0");
    let rejection = user.device_sessions().await.unwrap_err();
    assert_eq!(rejection.error().status().as_u16(), 503);
    assert!(outcome.optional().unwrap().is_some());
}

#[tokio::test]
async fn health_covers_the_api_key_store() {
    let sessions = Arc::new(Memory::with_users(&[]));
    let mut keys = Memory::with_users(&[]);
    keys.healthy = false;
    let auth = Authenticator::builder(AuthConfig::new(secrets()))
        .session_store_arc(sessions)
        .api_key_store(keys)
        .build()
        .unwrap();
    let error = auth.check_health().await.unwrap_err();
    assert_eq!(error.status().as_u16(), 503);
}

/// The work of a request is bounded whatever its `Cookie` header: 256 KiB of empty
/// multi-session cookies, or of cookie-cache chunks, answer in milliseconds with bounded
/// lookups. (The reading before the fix re-scanned the header for every `_multi-` name: one such
/// request cost 10 s in a debug build, 2.3 s at 128 KiB; the chunks were collected with a
/// quadratic search: 0.19 s at 256 KiB.)
#[tokio::test]
async fn a_hostile_cookie_header_is_cheap() {
    let store = Arc::new(Memory::with_users(&["active"]));
    let mut config = AuthConfig::new(secrets());
    config.multi_session = true;
    let builder = Authenticator::builder(config).session_store_arc(store.clone());
    #[cfg(feature = "cookie-cache")]
    let builder = builder.cookie_cache(crate::cookie_cache::CookieCacheOptions::default());
    let auth = builder.build().unwrap();

    let active = signing::cookie_value("active", secrets().current());
    let hostile = |pair: &dyn Fn(usize) -> String| {
        let mut cookie = format!("{COOKIE}={active}");
        let mut n = 0;
        while cookie.len() < 256 * 1024 {
            cookie.push_str("; ");
            cookie.push_str(&pair(n));
            n += 1;
        }
        cookie_header(&cookie)
    };
    let empty_multi = hostile(&|n| format!("{COOKIE}_multi-x{n}="));
    let chunks = hostile(&|n| format!("better-auth.session_data.{n}=c"));
    const REQUESTS: usize = 20;
    for headers in [empty_multi, chunks] {
        let before = store.lookups();
        let started = Instant::now();
        for _ in 0..REQUESTS {
            let outcome = auth.authenticate_request("GET", &headers).await;
            let user = outcome.required().unwrap();
            assert!(user.device_sessions().await.unwrap().len() <= 1);
        }
        let elapsed = started.elapsed();
        assert_eq!(
            store.lookups() - before,
            REQUESTS,
            "only the active session is ever looked up"
        );
        // A regression bound, not a benchmark: one request of the old reading took seconds.
        assert!(
            elapsed < Duration::from_secs(1),
            "{REQUESTS} hostile requests took {elapsed:?}"
        );
    }
}

/// Captures what `tracing` writes, for the test of one warning.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn a_refresh_nobody_sends_back_is_reported_once() {
    let mut memory = Memory::with_users(&["due-token"]);
    memory.writes = true;
    let auth = Authenticator::builder(AuthConfig::new(secrets()))
        .session_store_arc(Arc::new(memory))
        .build()
        .unwrap();
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let cookie = format!(
        "{COOKIE}={}",
        signing::cookie_value("due-token", secrets().current())
    );
    // A session expiring within a day is due with Better Auth's defaults.
    let sent = auth
        .authenticate_request("GET", &cookie_header(&cookie))
        .await;
    assert!(sent.refresh_headers().is_some(), "refreshed");
    drop(sent);
    assert!(
        !captured.text().contains("not sent back"),
        "{}",
        captured.text()
    );
    for _ in 0..2 {
        let unsent = auth
            .authenticate_request("GET", &cookie_header(&cookie))
            .await;
        assert!(unsent.result().is_ok());
        drop(unsent);
    }
    assert_eq!(
        captured.text().matches("not sent back").count(),
        1,
        "{}",
        captured.text()
    );
}

#[tokio::test]
async fn refresh_headers_are_taken_once_per_request() {
    let mut memory = Memory::with_users(&["due-once"]);
    memory.writes = true;
    let auth = Authenticator::builder(AuthConfig::new(secrets()))
        .session_store_arc(Arc::new(memory))
        .build()
        .unwrap();
    let cookie = format!(
        "{COOKIE}={}",
        signing::cookie_value("due-once", secrets().current())
    );
    let outcome = auth
        .authenticate_request("GET", &cookie_header(&cookie))
        .await;
    // An inner layer (a clone of the outcome) takes them; the outer one finds none.
    let inner = outcome.clone();
    assert!(
        inner.take_refresh_headers().is_some(),
        "the first taker sends them"
    );
    assert!(outcome.take_refresh_headers().is_none(), "never twice");
    assert!(outcome.refresh_headers().is_some(), "still readable");
}

/// The `jwks` cookie cache without its keys could never answer: refused at build time.
#[cfg(feature = "cookie-cache")]
#[test]
fn a_jwks_cookie_cache_needs_its_keys() {
    use crate::cookie_cache::{CookieCacheOptions, CookieCacheStrategy};
    let build = |options| {
        Authenticator::builder(AuthConfig::new(secrets()))
            .session_store(Memory::default())
            .cookie_cache(options)
            .build()
    };
    assert!(matches!(
        build(CookieCacheOptions::with_strategy(CookieCacheStrategy::Jwks)),
        Err(crate::error::ConfigError::CookieCacheWithoutKeys)
    ));
    #[cfg(feature = "jwks")]
    {
        let keys = crate::cookie_cache::CookieCacheKeys::new(
            crate::jwt::StaticKeys::default(),
            crate::jwt::KeyCacheOptions::default(),
            crate::cookie_cache::ISSUER_WITHOUT_BASE_URL,
        );
        assert!(build(CookieCacheOptions::jwks(keys)).is_ok());
    }
}

/// API keys by stored key, every store call recorded: which steps of Better Auth's session hook
/// reach the store for which key.
#[derive(Debug, Default)]
struct Keys {
    rows: std::sync::Mutex<HashMap<String, ApiKey>>,
    users: HashMap<String, User>,
    calls: std::sync::Mutex<Vec<&'static str>>,
}

impl Keys {
    /// A key of `config_id` owned by `reference_id` (64 letters; `extra` merged into its row),
    /// with user `u1`.
    fn with_key(
        plain: &str,
        config_id: &str,
        reference_id: &str,
        extra: serde_json::Value,
    ) -> Self {
        let mut row = serde_json::json!({
            "id": "k1", "configId": config_id, "referenceId": reference_id, "enabled": true,
            "rateLimitEnabled": false, "requestCount": 0, "remaining": null,
            "createdAt": "2026-01-01T00:00:00.000Z",
        });
        row.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let stored = crate::config::ApiKeyConfig::default_sessions().stored_key(plain);
        let keys = Self {
            users: HashMap::from([("u1".to_owned(), User::new("u1", "U", "u@example.com"))]),
            ..Self::default()
        };
        keys.rows
            .lock()
            .unwrap()
            .insert(stored, serde_json::from_value(row).unwrap());
        keys
    }

    fn calls(&self) -> Vec<&'static str> {
        self.calls.lock().unwrap().clone()
    }
}

#[async_trait]
impl ApiKeyStore for Keys {
    async fn find_api_key(&self, stored: &str) -> Result<Option<ApiKey>, BackendError> {
        self.calls.lock().unwrap().push("find_api_key");
        Ok(self.rows.lock().unwrap().get(stored).cloned())
    }

    async fn use_api_key(
        &self,
        stored: &str,
        config: &crate::config::ApiKeyConfig,
    ) -> Result<crate::api_key_usage::ApiKeyVerdict, BackendError> {
        self.calls.lock().unwrap().push("use_api_key");
        let mut rows = self.rows.lock().unwrap();
        let Some(key) = rows
            .get_mut(stored)
            .filter(|key| config.owns(key.config_id.as_deref()))
        else {
            return Ok(crate::api_key_usage::ApiKeyVerdict::Unknown);
        };
        let counted = crate::api_key_usage::count_use(key);
        Ok(match counted.verdict {
            Ok(()) => crate::api_key_usage::ApiKeyVerdict::Accepted {
                key: Arc::new(key.clone()),
            },
            Err(error) => crate::api_key_usage::ApiKeyVerdict::Refused(error),
        })
    }

    async fn find_user(&self, id: &str) -> Result<Option<User>, BackendError> {
        self.calls.lock().unwrap().push("find_user");
        Ok(self.users.get(id).cloned())
    }

    async fn check_health(&self) -> Result<(), BackendError> {
        Ok(())
    }
}

fn key_authenticator(keys: Arc<Keys>, configs: Vec<crate::config::ApiKeyConfig>) -> Authenticator {
    let mut config = AuthConfig::new(secrets());
    config.api_key_configs = configs;
    Authenticator::builder(config)
        .session_store_arc(Arc::new(Memory::with_users(&["active"])))
        .api_key_store_arc(keys)
        .build()
        .unwrap()
}

fn key_header(name: &str, key: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
        HeaderValue::from_str(key).unwrap(),
    );
    headers
}

/// Which store calls each kind of key costs: a short key none (403 before any I/O), an unknown
/// key or another configuration's one plain read and no counted use (no lock), a disabled key
/// one read, a key of an organization configuration its counted use and no user lookup.
#[tokio::test]
async fn each_api_key_costs_only_the_steps_better_auth_takes() {
    use crate::config::{ApiKeyConfig, ApiKeyOwner};
    let plain = "k".repeat(64);
    let configs = || {
        vec![
            ApiKeyConfig::new("sessions").with_sessions(true),
            ApiKeyConfig::new("plain"),
            ApiKeyConfig::new("orgs")
                .with_sessions(true)
                .with_references(ApiKeyOwner::Organization)
                .with_headers(["x-org-key"]),
        ]
    };
    let verdict = |keys: &Arc<Keys>, header: &str, key: &str| {
        let auth = key_authenticator(keys.clone(), configs());
        let headers = key_header(header, key);
        async move {
            auth.authenticate(&headers)
                .await
                .map(|identity| identity.user.id.clone())
                .map_err(|error| (error.status().as_u16(), error.code()))
        }
    };

    let keys = Arc::new(Keys::with_key(
        &plain,
        "sessions",
        "u1",
        serde_json::json!({}),
    ));
    assert_eq!(
        verdict(&keys, "x-api-key", &plain).await,
        Ok("u1".to_owned())
    );
    assert_eq!(keys.calls(), ["find_api_key", "use_api_key", "find_user"]);

    let keys = Arc::new(Keys::with_key(
        &plain,
        "sessions",
        "u1",
        serde_json::json!({}),
    ));
    assert_eq!(
        verdict(&keys, "x-api-key", &"k".repeat(63)).await,
        Err((403, "api_key_too_short"))
    );
    assert_eq!(
        verdict(&keys, "x-api-key", &"z".repeat(64)).await,
        Err((401, "invalid_api_key"))
    );
    assert_eq!(keys.calls(), ["find_api_key"], "the short key cost nothing");

    let keys = Arc::new(Keys::with_key(&plain, "plain", "u1", serde_json::json!({})));
    assert_eq!(
        verdict(&keys, "x-api-key", &plain).await,
        Err((401, "invalid_api_key")),
        "a key of a configuration whose keys are no sessions"
    );
    assert_eq!(keys.calls(), ["find_api_key"]);

    let keys = Arc::new(Keys::with_key(
        &plain,
        "sessions",
        "u1",
        serde_json::json!({"enabled": false}),
    ));
    assert_eq!(
        verdict(&keys, "x-api-key", &plain).await,
        Err((401, "api_key_disabled"))
    );
    assert_eq!(keys.calls(), ["find_api_key"], "nothing to count: no lock");

    let keys = Arc::new(Keys::with_key(&plain, "orgs", "u1", serde_json::json!({})));
    assert_eq!(
        verdict(&keys, "x-org-key", &plain).await,
        Err((401, "api_key_not_user_owned")),
        "even with a referenceId that is a user's id"
    );
    assert_eq!(keys.calls(), ["find_api_key", "use_api_key"]);
    let keys = Arc::new(Keys::with_key(&plain, "orgs", "u1", serde_json::json!({})));
    assert_eq!(
        verdict(&keys, "x-api-key", &plain).await,
        Err((401, "invalid_api_key")),
        "another configuration's header"
    );
}

/// Under Better Auth's order an API key decides over a valid cookie: a bad key is refused, not
/// replaced by the cookie; without a configuration whose keys are sessions the cookie decides.
#[tokio::test]
async fn an_api_key_beside_a_cookie_decides() {
    use crate::config::ApiKeyConfig;
    let keys = Arc::new(Keys::with_key(
        &"k".repeat(64),
        "default",
        "u1",
        serde_json::json!({}),
    ));
    let cookie = format!(
        "{COOKIE}={}",
        signing::cookie_value("active", secrets().current())
    );
    let both = |key: &str| {
        let mut headers = cookie_header(&cookie);
        headers.insert("x-api-key", HeaderValue::from_str(key).unwrap());
        headers
    };
    let auth = key_authenticator(keys.clone(), vec![ApiKeyConfig::default_sessions()]);
    let identity = auth.authenticate(&both(&"k".repeat(64))).await.unwrap();
    assert_eq!(
        (identity.user.id.as_str(), identity.via),
        ("u1", crate::model::Via::ApiKey)
    );
    let error = auth.authenticate(&both("short")).await.unwrap_err();
    assert_eq!(error.status().as_u16(), 403);
    let error = auth.authenticate(&both(&"z".repeat(64))).await.unwrap_err();
    assert_eq!(error.code(), "invalid_api_key");

    let auth = key_authenticator(keys, vec![ApiKeyConfig::new("default")]);
    let identity = auth.authenticate(&both("short")).await.unwrap();
    assert_eq!(identity.via, crate::model::Via::Cookie);
}

#[test]
fn api_key_configurations_are_checked_when_built() {
    use crate::config::ApiKeyConfig;
    let mut config = AuthConfig::new(secrets());
    config.api_key_configs = vec![ApiKeyConfig::new("a"), ApiKeyConfig::new("a")];
    let error = Authenticator::builder(config)
        .api_key_store(Keys::default())
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("used twice"), "{error}");
}

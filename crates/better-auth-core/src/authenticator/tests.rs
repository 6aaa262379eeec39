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
    AuthConfig, Authenticator, BackendError, SecretSet, Session, SessionRecord, SessionStore, User,
    model::ApiKeyRecord, signing, store::ApiKeyStore,
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
    async fn find_api_key(&self, _hashed: &str) -> Result<Option<ApiKeyRecord>, BackendError> {
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
        Err(crate::ConfigError::CookieCacheWithoutKeys)
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

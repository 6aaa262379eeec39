//! The data the suite runs against: a SQLite database laid out as Better Auth (with the admin
//! plugin) lays it out, a few users and sessions, a JWT signing key, and the authenticator.

use std::str::FromStr;

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{Duration, SecondsFormat, Utc};
use serde_json::json;
use sqlx::{SqlitePool, sqlite::SqliteConnectOptions};

use crate::{
    authenticator::Authenticator,
    config::AuthConfig,
    config::parse_url,
    jwt::{Jwk, JwksVerifier, JwtValidation, KeyCacheOptions, StaticKeys},
    origin::TrustedOrigins,
    response::ErrorResponse,
    secret::SecretSet,
    signing,
    store::{SqlOptions, SqliteStore},
};

/// The base URL the fixture's Better Auth "runs" at; its origin is trusted and is the JWTs'
/// `iss` and `aud`.
pub const BASE_URL: &str = "http://localhost:3000";
/// Another trusted origin.
pub const TRUSTED_ORIGIN: &str = "https://app.example.com";
/// The secret the fixture signs with (give it to a Better Auth server run on
/// [`Fixture::database_path`] to ask it for its verdicts).
pub const SECRET: &str = "conformance-suite-secret-0123456789abcdef";

/// Better Auth 1.7's SQLite tables with the admin plugin's columns.
const SCHEMA: &str = r#"
CREATE TABLE "user" ("id" text not null primary key, "name" text not null, "email" text not null unique, "emailVerified" integer not null, "image" text, "createdAt" date not null, "updatedAt" date not null, "role" text, "banned" integer, "banReason" text, "banExpires" date);
CREATE TABLE "session" ("id" text not null primary key, "expiresAt" date not null, "token" text not null unique, "createdAt" date not null, "updatedAt" date not null, "ipAddress" text, "userAgent" text, "userId" text not null references "user" ("id") on delete cascade, "impersonatedBy" text);
CREATE TABLE "apikey" ("id" text not null primary key, "configId" text not null, "name" text, "start" text, "referenceId" text not null, "prefix" text, "key" text not null, "refillInterval" integer, "refillAmount" integer, "lastRefillAt" date, "enabled" integer, "rateLimitEnabled" integer, "rateLimitTimeWindow" integer, "rateLimitMax" integer, "requestCount" integer, "remaining" integer, "lastRequest" date, "expiresAt" date, "createdAt" date not null, "updatedAt" date not null, "permissions" text, "metadata" text);
"#;

/// The fixture's API keys (`@better-auth/api-key`'s `apikey` table, as its SQLite migration
/// creates it), all Alice's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixtureApiKey {
    /// Enabled, unlimited.
    Valid,
    /// `remaining` is 0: refused with 429 `api_key_exhausted`.
    Exhausted,
}

impl FixtureApiKey {
    /// Every fixture key.
    pub const ALL: [Self; 2] = [Self::Valid, Self::Exhausted];

    /// The plain key, as a client sends it in `x-api-key` (64 letters, as the plugin makes them).
    pub fn key(self) -> String {
        let stem = match self {
            Self::Valid => "conformanceValidKey",
            Self::Exhausted => "conformanceExhaustedKey",
        };
        format!("{stem:a<64}")
    }

    fn remaining(self) -> Option<i64> {
        match self {
            Self::Valid => None,
            Self::Exhausted => Some(0),
        }
    }
}

/// The fixture's users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixtureUser {
    /// Role `user`, a live session.
    Alice,
    /// Roles `user,admin`, a live session.
    Root,
    /// Banned, with a live session.
    Bob,
    /// Role `user`, an expired session.
    Carol,
}

impl FixtureUser {
    /// Every fixture user.
    pub const ALL: [Self; 4] = [Self::Alice, Self::Root, Self::Bob, Self::Carol];

    /// The user id.
    pub fn id(self) -> &'static str {
        match self {
            Self::Alice => "user-alice",
            Self::Root => "user-root",
            Self::Bob => "user-bob",
            Self::Carol => "user-carol",
        }
    }

    /// The email.
    pub fn email(self) -> &'static str {
        match self {
            Self::Alice => "alice@example.com",
            Self::Root => "root@example.com",
            Self::Bob => "bob@example.com",
            Self::Carol => "carol@example.com",
        }
    }

    /// The user's session token, shaped as Better Auth's are (32 characters of `[A-Za-z0-9]`).
    pub(crate) fn token(self) -> String {
        let base = format!("conformance{}token", self.id().trim_start_matches("user-"));
        format!("{base:0<32}")
    }

    pub(crate) fn role(self) -> &'static str {
        if self == Self::Root {
            "user,admin"
        } else {
            "user"
        }
    }
}

/// The token of a fixture session due for a refresh, sent as a cookie.
const REFRESHABLE_COOKIE_TOKEN: &str = "refreshablecookiesession00000001";
/// The token of a fixture session due for a refresh, sent as a bearer token.
const REFRESHABLE_BEARER_TOKEN: &str = "refreshablebearersession00000001";

/// The suite's database, keys and authenticator.
pub struct Fixture {
    _dir: tempfile::TempDir,
    pool: SqlitePool,
    pub(crate) secrets: SecretSet,
    pub(crate) signing_key: Ed25519KeyPair,
    jwk: Jwk,
}

fn iso(time: chrono::DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Fixture {
    /// Creates the database and keys. Panics on failure (it is test code).
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let options = SqliteConnectOptions::from_str(&format!(
            "sqlite://{}",
            dir.path().join("auth.db").display()
        ))
        .expect("a SQLite URL")
        .create_if_missing(true);
        let pool = SqlitePool::connect_with(options)
            .await
            .expect("the fixture database");
        sqlx::raw_sql(SCHEMA)
            .execute(&pool)
            .await
            .expect("the fixture schema");
        let now = Utc::now();
        for user in FixtureUser::ALL {
            let banned = i64::from(user == FixtureUser::Bob);
            sqlx::query(
                r#"INSERT INTO "user" VALUES (?1, ?2, ?3, 1, NULL, ?4, ?4, ?5, ?6, NULL, NULL)"#,
            )
            .bind(user.id())
            .bind(format!("{user:?}"))
            .bind(user.email())
            .bind(iso(now - Duration::days(30)))
            .bind(user.role())
            .bind(banned)
            .execute(&pool)
            .await
            .expect("a fixture user");
            let expires = if user == FixtureUser::Carol {
                now - Duration::minutes(1)
            } else {
                now + Duration::days(7)
            };
            sqlx::query(r#"INSERT INTO "session" VALUES (?1, ?2, ?3, ?4, ?4, '127.0.0.1', 'conformance', ?5, NULL)"#)
                .bind(format!("session-{}", user.id()))
                .bind(iso(expires))
                .bind(user.token())
                .bind(iso(now - Duration::hours(1)))
                .bind(user.id())
                .execute(&pool)
                .await
                .expect("a fixture session");
        }
        // Two more sessions of Alice, due for a refresh (Better Auth's defaults: a session
        // expiring within six days was last refreshed over a day ago; this one 6.5 days ago,
        // when it was given its 7 days).
        for (id, token) in [
            ("session-refresh-cookie", REFRESHABLE_COOKIE_TOKEN),
            ("session-refresh-bearer", REFRESHABLE_BEARER_TOKEN),
        ] {
            sqlx::query(r#"INSERT INTO "session" VALUES (?1, ?2, ?3, ?4, ?4, '127.0.0.1', 'conformance', ?5, NULL)"#)
                .bind(id)
                .bind(iso(now + Duration::hours(12)))
                .bind(token)
                .bind(iso(now + Duration::hours(12) - Duration::days(7)))
                .bind(FixtureUser::Alice.id())
                .execute(&pool)
                .await
                .expect("a refreshable fixture session");
        }
        for key in FixtureApiKey::ALL {
            use sha2::Digest as _;
            let hashed = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(key.key().as_bytes()));
            sqlx::query(
                r#"INSERT INTO "apikey" ("id", "configId", "name", "start", "referenceId", "key", "enabled", "rateLimitEnabled", "requestCount", "remaining", "createdAt", "updatedAt", "metadata") VALUES (?1, 'default', ?2, ?3, ?4, ?5, 1, 0, 0, ?6, ?7, ?7, 'null')"#,
            )
            .bind(format!("apikey-{key:?}"))
            .bind(format!("{key:?}"))
            .bind(&key.key()[..6])
            .bind(FixtureUser::Alice.id())
            .bind(hashed)
            .bind(key.remaining())
            .bind(iso(now - Duration::days(1)))
            .execute(&pool)
            .await
            .expect("a fixture API key");
        }
        let signing_key = Ed25519KeyPair::generate().expect("an Ed25519 key");
        let jwk: Jwk = serde_json::from_value(json!({
            "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "kid": "conformance-key",
            "x": URL_SAFE_NO_PAD.encode(signing_key.public_key().as_ref()),
        }))
        .expect("a JWK");
        Self {
            _dir: dir,
            pool,
            secrets: SecretSet::single(SECRET).expect("the secret"),
            signing_key,
            jwk,
        }
    }

    /// The SQLite file holding the fixture's tables, laid out as Better Auth lays them out.
    pub fn database_path(&self) -> std::path::PathBuf {
        self._dir.path().join("auth.db")
    }

    fn config(&self) -> AuthConfig {
        let mut config = AuthConfig::new(self.secrets.clone());
        config.base_url = Some(parse_url("BETTER_AUTH_URL", BASE_URL).expect("the base URL"));
        config.trusted_origins = TrustedOrigins::new([TRUSTED_ORIGIN]);
        config
    }

    async fn builder(&self) -> crate::authenticator::AuthenticatorBuilder {
        let store = SqliteStore::from_pool(self.pool.clone(), SqlOptions::default())
            .await
            .expect("the fixture store");
        let verifier = JwksVerifier::new(
            StaticKeys::new(vec![self.jwk.clone()]),
            KeyCacheOptions::default(),
            JwtValidation::for_origin(BASE_URL),
        );
        Authenticator::builder(self.config())
            .session_store(store.clone())
            .api_key_store(store)
            .token_verifier(verifier)
            .cookie_cache(crate::cookie_cache::CookieCacheOptions::default())
    }

    /// The authenticator the contract app must be built on.
    pub async fn authenticator(&self) -> Authenticator {
        self.builder()
            .await
            .build()
            .expect("the fixture authenticator")
    }

    /// The same, with errors rendered as `text/plain` `denied: <code>` and status 418 for
    /// 401s, to check that adapters send the configured rendering ([`run_custom_errors`](super::run_custom_errors)).
    pub async fn authenticator_with_custom_errors(&self) -> Authenticator {
        self.builder()
            .await
            .error_renderer(|error| ErrorResponse {
                status: if error.status().as_u16() == 401 {
                    418
                } else {
                    error.status().as_u16()
                },
                headers: vec![("content-type", "text/plain".to_owned())],
                body: format!("denied: {}", error.code()).into_bytes(),
            })
            .build()
            .expect("the fixture authenticator")
    }

    /// An authenticator whose session store cannot answer (its pool is closed): every
    /// session lookup, and `/healthz`, must be a 503.
    pub async fn broken_authenticator(&self) -> Authenticator {
        let pool = SqlitePool::connect_with(
            SqliteConnectOptions::from_str(&format!(
                "sqlite://{}",
                self._dir.path().join("auth.db").display()
            ))
            .expect("a SQLite URL"),
        )
        .await
        .expect("a second pool");
        let store = SqliteStore::from_pool(pool.clone(), SqlOptions::default())
            .await
            .expect("the fixture store");
        pool.close().await;
        Authenticator::builder(self.config())
            .session_store(store)
            .build()
            .expect("the broken authenticator")
    }

    /// A `Cookie` header value carrying `user`'s session cookie.
    pub fn cookie(&self, user: FixtureUser) -> String {
        format!(
            "better-auth.session_token={}",
            signing::cookie_value(&user.token(), self.secrets.current())
        )
    }

    /// A `Cookie` header with a session of Alice that is due for a refresh (once: the first
    /// request refreshes it).
    pub fn refreshable_cookie(&self) -> String {
        format!(
            "better-auth.session_token={}",
            signing::cookie_value(REFRESHABLE_COOKIE_TOKEN, self.secrets.current())
        )
    }

    /// The `Set-Cookie` Better Auth sends when it refreshes the session of
    /// [`refreshable_cookie`](Self::refreshable_cookie) (default `expiresIn`, http).
    pub fn refreshed_cookie(&self) -> String {
        format!(
            "{}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax",
            self.refreshable_cookie()
        )
    }

    /// A signed bearer token of another session of Alice due for a refresh (once), which is
    /// also the `set-auth-token` its refresh sends.
    pub fn refreshable_bearer(&self) -> String {
        signing::sign(REFRESHABLE_BEARER_TOKEN, self.secrets.current())
    }

    /// A signed bearer session token (`set-auth-token`) for `user`.
    pub fn bearer(&self, user: FixtureUser) -> String {
        signing::sign(&user.token(), self.secrets.current())
    }

    /// A Better Auth-shaped JWT for `user`, valid for `ttl_secs` (negative: expired).
    pub fn jwt(&self, user: FixtureUser, ttl_secs: i64) -> String {
        let now = Utc::now().timestamp();
        let claims = json!({
            "iat": now, "name": format!("{user:?}"), "email": user.email(), "emailVerified": true,
            "image": null, "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z",
            "role": user.role(), "banned": user == FixtureUser::Bob, "id": user.id(), "sub": user.id(),
            "exp": now + ttl_secs, "iss": BASE_URL, "aud": BASE_URL,
        });
        let header = json!({"alg": "EdDSA", "kid": "conformance-key"});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.signing_key.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }
}

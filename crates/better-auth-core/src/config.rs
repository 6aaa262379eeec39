//! Configuration: what must match the Better Auth server (secret, base URL, cookie names), read
//! from a builder or from the environment variables a Better Auth deployment already has.

use url::Url;

use crate::{error::BoxError, origin::TrustedOrigins, secret::SecretSet};

/// The environment variables read by [`AuthConfig::from_env`] and
/// [`Authenticator::from_env`](crate::Authenticator::from_env).
pub mod env {
    /// The secret Better Auth signs with (same value as the server's).
    pub const SECRET: &str = "BETTER_AUTH_SECRET";
    /// Versioned secrets `"2:new,1:old"`; when set, it wins over [`SECRET`].
    pub const SECRETS: &str = "BETTER_AUTH_SECRETS";
    /// Better Auth's fallback name for the secret.
    pub const AUTH_SECRET: &str = "AUTH_SECRET";
    /// The Better Auth server's base URL (`https://app.example.com`).
    pub const URL: &str = "BETTER_AUTH_URL";
    /// The cookie prefix (`advanced.cookiePrefix`), `better-auth` by default.
    pub const COOKIE_PREFIX: &str = "BETTER_AUTH_COOKIE_PREFIX";
    /// The database the sessions live in (`postgres://...`, `sqlite://...`).
    pub const DATABASE_URL: &str = "DATABASE_URL";
    /// The JWKS URL, when not `{BETTER_AUTH_URL}/api/auth/jwks`.
    pub const JWKS_URL: &str = "BETTER_AUTH_JWKS_URL";
    /// Extra trusted origins, comma-separated (Better Auth's `trustedOrigins`).
    pub const TRUSTED_ORIGINS: &str = "BETTER_AUTH_TRUSTED_ORIGINS";
    /// Redis secondary storage holding the sessions (`redis://host:port/db`).
    pub const REDIS_URL: &str = "BETTER_AUTH_REDIS_URL";
    /// The Redis key prefix (`better-auth:` by default, as `@better-auth/redis-storage`).
    pub const REDIS_KEY_PREFIX: &str = "BETTER_AUTH_REDIS_KEY_PREFIX";
    /// `true` when Better Auth also stores sessions in the database
    /// (`session.storeSessionInDatabase`): a token missing from Redis is looked up there.
    pub const STORE_SESSION_IN_DATABASE: &str = "BETTER_AUTH_STORE_SESSION_IN_DATABASE";
    /// `true`: ask Better Auth's `get-session` (at `BETTER_AUTH_URL`) for sessions, for services
    /// that reach neither the database nor Redis (feature `remote`).
    pub const REMOTE_SESSIONS: &str = "BETTER_AUTH_REMOTE_SESSIONS";
    /// The in-process cache's TTL in milliseconds (0: no cache). Remote mode caches 5 s by
    /// default; the other stores do not cache unless this is set.
    pub const CACHE_TTL_MS: &str = "BETTER_AUTH_CACHE_TTL_MS";
    /// `true`: read the multi-session plugin's cookies (all accounts signed in on the device).
    pub const MULTI_SESSION: &str = "BETTER_AUTH_MULTI_SESSION";
    /// `true`: accept API keys of Better Auth's API key plugin, looked up in `DATABASE_URL`.
    pub const API_KEYS: &str = "BETTER_AUTH_API_KEYS";
    /// The headers API keys are read from, comma-separated (`x-api-key` by default).
    pub const API_KEY_HEADERS: &str = "BETTER_AUTH_API_KEY_HEADERS";
    /// The cookie cache strategy Better Auth uses (`compact`, `jwt`, `jwe`): turns reading the
    /// `session_data` cookie on (feature `cookie-cache`).
    pub const COOKIE_CACHE: &str = "BETTER_AUTH_COOKIE_CACHE";
    /// The cookie cache `version` Better Auth writes (`1` by default).
    pub const COOKIE_CACHE_VERSION: &str = "BETTER_AUTH_COOKIE_CACHE_VERSION";
    /// `false`: verify every JWT's signature on every request (by default a token that verified
    /// is remembered until its `exp`; see
    /// [`VerifiedTokenCacheOptions`](crate::jwt::VerifiedTokenCacheOptions)).
    pub const JWT_CACHE: &str = "BETTER_AUTH_JWT_CACHE";
    /// The most database connections of the session store's pool (16 by default).
    pub const DB_POOL_SIZE: &str = "BETTER_AUTH_DB_POOL_SIZE";
    /// The table and column names, as JSON in the shape of Better Auth's options
    /// (see [`Schema`](crate::Schema)).
    pub const SCHEMA: &str = "BETTER_AUTH_SCHEMA";
}

/// A configuration mistake, found at startup. Each message names the fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No secret configured.
    #[error(
        "no secret: set BETTER_AUTH_SECRET (or BETTER_AUTH_SECRETS) to the value your Better Auth \
         server uses"
    )]
    MissingSecret,
    /// The secret is shorter than the minimum.
    #[error(
        "the secret has {len} characters, fewer than {min_len}: use your Better Auth server's \
         secret (generate one with `openssl rand -base64 32`), or lower the minimum with \
         `min_secret_len` if the server really uses this one"
    )]
    ShortSecret {
        /// Its length in characters.
        len: usize,
        /// The minimum.
        min_len: usize,
    },
    /// `BETTER_AUTH_SECRETS` cannot be parsed.
    #[error(
        "BETTER_AUTH_SECRETS entry {position}: {reason} (expected `<version>:<secret>,...`, \
         current first)"
    )]
    InvalidSecrets {
        /// 1-based position of the bad entry.
        position: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A URL setting cannot be parsed.
    #[error("{name} is not a valid URL ({reason}): expected e.g. `https://app.example.com`")]
    InvalidUrl {
        /// The setting's name.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// No database URL.
    #[error("DATABASE_URL is not set: point it at the database your Better Auth server uses")]
    MissingDatabaseUrl,
    /// A database URL whose scheme no enabled store handles.
    #[error(
        "unsupported database URL scheme `{scheme}`: use postgres://, mysql:// or sqlite:// (and \
         enable the `postgres`, `mysql` or `sqlite` feature)"
    )]
    UnsupportedDatabase {
        /// The URL's scheme.
        scheme: String,
    },
    /// The database could not be reached at startup.
    #[error("cannot connect to {backend}: {source} (check DATABASE_URL and that the server runs)")]
    Connect {
        /// Which backend.
        backend: &'static str,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// A table is missing.
    #[error(
        "table `{table}` not found: run Better Auth's migrations against this database, or set \
         the table's name (Better Auth's `modelName`) in the schema configuration"
    )]
    MissingTable {
        /// The table looked for.
        table: String,
    },
    /// A required column is missing.
    #[error(
        "table `{table}` has no column `{column}` (Better Auth field `{field}`): run Better \
         Auth's migrations, or map the field to its column (Better Auth's `fields`, or \
         `naming: snake_case` for Drizzle schemas)"
    )]
    MissingColumn {
        /// The table.
        table: String,
        /// The column looked for.
        column: String,
        /// Better Auth's name of the field.
        field: String,
    },
    /// The schema configuration cannot be parsed.
    #[error("invalid schema configuration: {0}")]
    InvalidSchema(String),
    /// `BETTER_AUTH_COOKIE_CACHE` names no strategy this build has.
    #[error(
        "BETTER_AUTH_COOKIE_CACHE must be `compact`, `jwt` or `jwe` (`jwe` needs the \
         `cookie-cache-jwe` feature)"
    )]
    InvalidCookieCache,
    /// The authenticator has nothing to check credentials against.
    #[error(
        "nothing to verify credentials with: give the authenticator a session store (or set \
         DATABASE_URL) and/or a token verifier (or set BETTER_AUTH_URL for its JWKS)"
    )]
    NoVerifier,
}

/// How `Authorization: Bearer` session tokens are accepted (Better Auth's bearer plugin).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum BearerPolicy {
    /// Signed `TOKEN.SIGNATURE` values, and raw `TOKEN`s: the bearer plugin's default.
    #[default]
    SignedOrRaw,
    /// Signed values only: the bearer plugin's `requireSignature: true`.
    SignedOnly,
    /// Ignore the `Authorization` header for session tokens.
    Disabled,
}

/// Which credential is looked at first when a request carries both a session cookie and an
/// `Authorization: Bearer` header. Only the first one present is used: a bad one is not
/// silently replaced by the other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialOrder {
    /// The session cookie, then the bearer token (session token or JWT).
    #[default]
    CookieFirst,
    /// The bearer token (session token or JWT), then the session cookie.
    BearerFirst,
}

/// What must match the Better Auth server: secrets, base URL, cookie names; and the policies
/// that are ours to choose.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthConfig {
    /// The signing secrets.
    pub secrets: SecretSet,
    /// The Better Auth server's base URL, if known.
    pub base_url: Option<Url>,
    /// The cookie prefix (`advanced.cookiePrefix`).
    pub cookie_prefix: String,
    /// A full session cookie name (`advanced.cookies.session_token.name`), without `__Secure-`.
    pub session_cookie_name: Option<String>,
    /// Whether cookies carry the `__Secure-` prefix; `None` decides from `base_url` (https)
    /// like Better Auth does.
    pub secure_cookies: Option<bool>,
    /// How bearer session tokens are accepted.
    pub bearer: BearerPolicy,
    /// Cookie or bearer first.
    pub order: CredentialOrder,
    /// Whether banned users are refused (403) everywhere. On by default.
    pub reject_banned: bool,
    /// Origins trusted for cookie-authenticated, state-changing requests, besides the base
    /// URL's origin (which is always trusted).
    pub trusted_origins: TrustedOrigins,
    /// Whether cookie-authenticated, state-changing requests must pass the Origin check. On by
    /// default, as in Better Auth.
    pub check_origin: bool,
    /// How recent a session must be to be "fresh" (Better Auth's `freshAge`, one day).
    pub fresh_age: chrono::Duration,
    /// Whether to read the multi-session plugin's cookies into
    /// [`Authenticated::device_sessions`](crate::Authenticated::device_sessions) (one store
    /// lookup per cookie). Off by default.
    pub multi_session: bool,
    /// The headers an API key is read from, in order (the plugin's `apiKeyHeaders`,
    /// `x-api-key` by default). Used only with an API key store.
    pub api_key_headers: Vec<String>,
}

/// Better Auth's default cookie prefix.
pub const DEFAULT_COOKIE_PREFIX: &str = "better-auth";

impl AuthConfig {
    /// A configuration with these secrets and Better Auth's defaults for the rest.
    pub fn new(secrets: SecretSet) -> Self {
        Self {
            secrets,
            base_url: None,
            cookie_prefix: DEFAULT_COOKIE_PREFIX.to_owned(),
            session_cookie_name: None,
            secure_cookies: None,
            bearer: BearerPolicy::default(),
            order: CredentialOrder::default(),
            reject_banned: true,
            trusted_origins: TrustedOrigins::default(),
            check_origin: true,
            fresh_age: crate::guard::DEFAULT_FRESH_AGE,
            multi_session: false,
            api_key_headers: vec!["x-api-key".to_owned()],
        }
    }

    /// Reads `BETTER_AUTH_SECRETS` / `BETTER_AUTH_SECRET` / `AUTH_SECRET`, `BETTER_AUTH_URL` and
    /// `BETTER_AUTH_COOKIE_PREFIX` from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `var` (for tests).
    pub fn from_env_with(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let present = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        let secrets = if let Some(list) = present(env::SECRETS) {
            SecretSet::parse_versioned(&list)?
        } else if let Some(secret) = present(env::SECRET).or_else(|| present(env::AUTH_SECRET)) {
            SecretSet::single(secret)?
        } else {
            return Err(ConfigError::MissingSecret);
        };
        let mut config = Self::new(secrets);
        if let Some(url) = present(env::URL) {
            config.base_url = Some(parse_url(env::URL, &url)?);
        }
        if let Some(prefix) = present(env::COOKIE_PREFIX) {
            config.cookie_prefix = prefix;
        }
        if let Some(origins) = present(env::TRUSTED_ORIGINS) {
            config.trusted_origins = TrustedOrigins::parse_list(&origins);
        }
        if let Some(value) = present(env::MULTI_SESSION) {
            config.multi_session = value.trim() == "true";
        }
        if let Some(headers) = present(env::API_KEY_HEADERS) {
            config.api_key_headers = headers
                .split(',')
                .map(|header| header.trim().to_ascii_lowercase())
                .filter(|header| !header.is_empty())
                .collect();
        }
        Ok(config)
    }

    /// Whether cookie names carry `__Secure-`: as configured, else true for an https base URL.
    pub fn uses_secure_cookies(&self) -> bool {
        self.secure_cookies.unwrap_or_else(|| {
            self.base_url
                .as_ref()
                .is_some_and(|url| url.scheme() == "https")
        })
    }

    /// Every trusted origin: the base URL's origin, then [`trusted_origins`](Self::trusted_origins).
    pub fn all_trusted_origins(&self) -> TrustedOrigins {
        let mut all = TrustedOrigins::default();
        if let Some(url) = &self.base_url {
            all.push(url.origin().ascii_serialization());
        }
        for pattern in self.trusted_origins.patterns() {
            all.push(pattern.clone());
        }
        all
    }

    /// The session cookie's full name, e.g. `better-auth.session_token` or
    /// `__Secure-better-auth.session_token`.
    pub fn session_cookie(&self) -> String {
        self.cookie_name("session_token")
    }

    /// The full name of Better Auth cookie `cookie` (`session_token`, `session_data`, ...).
    pub fn cookie_name(&self, cookie: &str) -> String {
        let secure = if self.uses_secure_cookies() {
            "__Secure-"
        } else {
            ""
        };
        match (&self.session_cookie_name, cookie) {
            (Some(name), "session_token") => format!("{secure}{name}"),
            _ => format!("{secure}{}.{cookie}", self.cookie_prefix),
        }
    }
}

/// The URL of a Better Auth endpoint (`path`, e.g. `/jwks`) for the server at `base_url`, as
/// Better Auth composes it: a base URL with a path already includes the base path; otherwise
/// `/api/auth` is added.
pub fn auth_endpoint(base_url: &Url, path: &str) -> Result<Url, ConfigError> {
    let base = base_url.as_str().trim_end_matches('/');
    let has_path = !base_url.path().trim_end_matches('/').is_empty();
    let joined = if has_path {
        format!("{base}{path}")
    } else {
        format!("{base}/api/auth{path}")
    };
    parse_url("BETTER_AUTH_URL", &joined)
}

/// Parses a URL setting (`http` or `https`), naming the setting in the error.
pub fn parse_url(name: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value.trim()).map_err(|error| ConfigError::InvalidUrl {
        name,
        reason: error.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::InvalidUrl {
            name,
            reason: format!("scheme `{}` is not http or https", url.scheme()),
        });
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const SECRET: &str = "a-32+char-test-secret-for-ba-probe-0123456789";

    #[test]
    fn reads_better_auth_variables() {
        let config = AuthConfig::from_env_with(env_of(&[
            ("BETTER_AUTH_SECRET", SECRET),
            ("BETTER_AUTH_URL", "https://app.example.com/"),
            ("BETTER_AUTH_COOKIE_PREFIX", "my-app"),
        ]))
        .unwrap();
        assert_eq!(config.secrets.current().expose_bytes(), SECRET.as_bytes());
        assert_eq!(config.session_cookie(), "__Secure-my-app.session_token");
        assert_eq!(
            config.cookie_name("session_data"),
            "__Secure-my-app.session_data"
        );
    }

    #[test]
    fn versioned_secrets_win_and_auth_secret_is_a_fallback() {
        let config = AuthConfig::from_env_with(env_of(&[
            ("BETTER_AUTH_SECRETS", "3:third-secret"),
            ("BETTER_AUTH_SECRET", SECRET),
        ]))
        .unwrap();
        assert_eq!(config.secrets.current().version(), Some(3));
        let config = AuthConfig::from_env_with(env_of(&[("AUTH_SECRET", SECRET)])).unwrap();
        assert_eq!(config.secrets.current().expose_bytes(), SECRET.as_bytes());
    }

    #[test]
    fn missing_secret_names_the_variable() {
        let error = AuthConfig::from_env_with(env_of(&[])).unwrap_err();
        assert!(error.to_string().contains("BETTER_AUTH_SECRET"), "{error}");
    }

    #[test]
    fn bad_url_is_a_clear_error() {
        let error = AuthConfig::from_env_with(env_of(&[
            ("BETTER_AUTH_SECRET", SECRET),
            ("BETTER_AUTH_URL", "not a url"),
        ]))
        .unwrap_err();
        assert!(error.to_string().contains("BETTER_AUTH_URL"), "{error}");
    }

    #[test]
    fn endpoints_follow_better_auths_base_path_rule() {
        let url = |s| parse_url("u", s).unwrap();
        assert_eq!(
            auth_endpoint(&url("https://a.example"), "/jwks")
                .unwrap()
                .as_str(),
            "https://a.example/api/auth/jwks"
        );
        assert_eq!(
            auth_endpoint(&url("https://a.example/"), "/jwks")
                .unwrap()
                .as_str(),
            "https://a.example/api/auth/jwks"
        );
        assert_eq!(
            auth_endpoint(&url("https://a.example/auth/"), "/jwks")
                .unwrap()
                .as_str(),
            "https://a.example/auth/jwks"
        );
    }

    #[test]
    fn cookie_names_follow_better_auth() {
        let mut config = AuthConfig::new(SecretSet::single(SECRET).unwrap());
        assert_eq!(config.session_cookie(), "better-auth.session_token");
        config.base_url = Some(parse_url("url", "http://localhost:3000").unwrap());
        assert_eq!(config.session_cookie(), "better-auth.session_token");
        config.secure_cookies = Some(true);
        assert_eq!(
            config.session_cookie(),
            "__Secure-better-auth.session_token"
        );
        config.session_cookie_name = Some("sid".into());
        assert_eq!(config.session_cookie(), "__Secure-sid");
        assert_eq!(
            config.cookie_name("session_data"),
            "__Secure-better-auth.session_data"
        );
    }
}

//! Configuration: what must match the Better Auth server (secret, base URL, cookie names), read
//! from a builder or from the environment variables a Better Auth deployment already has.

use url::Url;

use crate::{origin::TrustedOrigins, secret::SecretSet};

mod api_keys;
mod cookie_attributes;
pub mod env;
mod env_settings;
mod schema;
mod session_lifetime;

pub(crate) use crate::error::ConfigError;
pub use api_keys::{ApiKeyConfig, ApiKeyOwner, DEFAULT_API_KEY_HEADER};
pub use cookie_attributes::{CookieAttributes, CookieDomain, SameSite};
pub use env_settings::EnvSettings;
#[cfg(feature = "resource-server")]
pub(crate) use env_settings::Vars;
pub use schema::{ColumnNaming, Model, ModelNames, Schema};
#[cfg(test)]
pub(crate) use session_lifetime::DEFAULT_EXPIRES_IN;
pub use session_lifetime::SessionLifetime;

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

/// Which credential is used when a request carries several: a session cookie, an
/// `Authorization: Bearer` header, an API key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialOrder {
    /// Better Auth's own rules. An API key in the header of a configuration whose keys are
    /// sessions ([`ApiKeyConfig::enable_session_for_api_keys`]) decides, whatever else the
    /// request carries (its session hook runs before any cookie is read; a bad key is refused,
    /// never replaced by the cookie). Otherwise the bearer plugin's rule: a bearer session
    /// token whose signature verifies wins over the cookie, and so does a raw (unsigned) one
    /// unless signatures are required; a bearer value whose signature does not verify, or a
    /// JWT, leaves the cookie in charge. Checked against a real Better Auth 1.7.29
    /// (`tests/tests/integration/interop_corpus.rs`, `interop_api_key_configs.rs`).
    #[default]
    BetterAuth,
    /// The session cookie, then the bearer token (session token or JWT), then an API key; only
    /// the first one present is used (a bad one is not replaced by another).
    CookieFirst,
    /// The bearer token (session token or JWT), then the session cookie, then an API key; only
    /// the first one present is used.
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
    /// The attributes of every cookie a refresh sets: Better Auth's
    /// `advanced.defaultCookieAttributes`, with `advanced.crossSubDomainCookies`' domain in
    /// `domain` (`BETTER_AUTH_COOKIE_DOMAIN`, `BETTER_AUTH_CROSS_SUBDOMAIN_COOKIES`,
    /// `BETTER_AUTH_COOKIE_SAME_SITE`, `BETTER_AUTH_COOKIE_PARTITIONED`,
    /// `BETTER_AUTH_COOKIE_SECURE`). Unset ones are Better Auth's defaults.
    pub cookie_attributes: CookieAttributes,
    /// A cookie's own attributes, laid over [`cookie_attributes`](Self::cookie_attributes):
    /// Better Auth's `advanced.cookies.<cookie>.attributes`, by the cookie's name in Better Auth
    /// (`session_token`, `session_data`).
    pub per_cookie_attributes: std::collections::BTreeMap<String, CookieAttributes>,
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
    /// The API key plugin's configurations, in the order of its array (by default its
    /// default configuration with `enableSessionForAPIKeys: true`: `x-api-key`, 64
    /// characters, user keys). Only the keys of configurations with
    /// [`enable_session_for_api_keys`](ApiKeyConfig::enable_session_for_api_keys) are read, each
    /// from its own headers. Used only with an API key store.
    pub api_key_configs: Vec<ApiKeyConfig>,
    /// Whether verifying an API key counts the use as Better Auth does (the default) or only
    /// reads the row ([`ApiKeyUsage`](crate::ApiKeyUsage)).
    pub api_key_usage: crate::api_key_usage::ApiKeyUsage,
    /// The admin plugin's `defaultRole` (`user`): the role of a user whose `role` is null, for
    /// the role guards.
    pub default_role: String,
    /// Better Auth's `session.expiresIn`, `updateAge` and `disableSessionRefresh`: when a
    /// session is refreshed (on by default, as in Better Auth).
    pub session: SessionLifetime,
    /// The roles of the admin and organization plugins (Better Auth's defaults unless the app
    /// defines its own; `BETTER_AUTH_ACCESS_CONTROL`).
    pub access_control: crate::access_control::AccessControl,
    /// The admin plugin's `adminUserIds`: users granted every admin permission whatever their
    /// role (`BETTER_AUTH_ADMIN_USER_IDS`).
    pub admin_user_ids: Vec<String>,
    /// The proxies in front of the service whose `X-Forwarded-For` names the client
    /// (`BETTER_AUTH_TRUSTED_PROXIES`); none by default: the peer of the connection is the
    /// client. See [`client`](crate::client).
    pub trusted_proxies: crate::client::TrustedProxies,
}

/// Better Auth's default cookie prefix.
pub(crate) const DEFAULT_COOKIE_PREFIX: &str = "better-auth";

impl AuthConfig {
    /// A configuration with these secrets and Better Auth's defaults for the rest.
    pub fn new(secrets: SecretSet) -> Self {
        Self {
            secrets,
            base_url: None,
            cookie_prefix: DEFAULT_COOKIE_PREFIX.to_owned(),
            session_cookie_name: None,
            secure_cookies: None,
            cookie_attributes: CookieAttributes::default(),
            per_cookie_attributes: std::collections::BTreeMap::new(),
            bearer: BearerPolicy::default(),
            order: CredentialOrder::default(),
            reject_banned: true,
            trusted_origins: TrustedOrigins::default(),
            check_origin: true,
            fresh_age: crate::guard::DEFAULT_FRESH_AGE,
            multi_session: false,
            api_key_configs: vec![ApiKeyConfig::default_sessions()],
            api_key_usage: crate::api_key_usage::ApiKeyUsage::default(),
            default_role: crate::model::DEFAULT_ROLE.to_owned(),
            session: SessionLifetime::default(),
            access_control: crate::access_control::AccessControl::default(),
            admin_user_ids: Vec::new(),
            trusted_proxies: crate::client::TrustedProxies::none(),
        }
    }

    /// The configuration the environment describes (see [`EnvSettings`]): the secret
    /// (`BETTER_AUTH_SECRETS` / `BETTER_AUTH_SECRET` / `AUTH_SECRET`), `BETTER_AUTH_URL`,
    /// `BETTER_AUTH_COOKIE_PREFIX`, `BETTER_AUTH_TRUSTED_ORIGINS`, ...
    pub fn from_env() -> Result<Self, ConfigError> {
        EnvSettings::from_env()?.auth_config()
    }

    /// The header an API key is first looked for in: the first header of the first
    /// configuration whose keys are sessions (`x-api-key` by default); `None` when no
    /// configuration's keys are sessions.
    pub fn api_key_header(&self) -> Option<&str> {
        self.api_key_configs
            .iter()
            .filter(|config| config.enable_session_for_api_keys)
            .find_map(|config| config.headers.first())
            .map(String::as_str)
    }

    /// What the admin plugin's permission checks read of this configuration: the roles,
    /// [`admin_user_ids`](Self::admin_user_ids) and [`default_role`](Self::default_role).
    pub fn admin_plugin(&self) -> crate::access_control::AdminPlugin<'_> {
        crate::access_control::AdminPlugin {
            access_control: &self.access_control,
            admin_user_ids: &self.admin_user_ids,
            default_role: &self.default_role,
        }
    }

    /// Whether cookie names carry `__Secure-`: as configured, else true for an https base URL.
    pub fn uses_secure_cookies(&self) -> bool {
        self.secure_cookies.unwrap_or_else(|| {
            self.base_url
                .as_ref()
                .is_some_and(|url| url.scheme() == "https")
        })
    }

    /// The attributes Better Auth gives its cookie `cookie` (`session_token`,
    /// `session_data`, ...) beyond the defaults: the cookie's own over the deployment's.
    pub(crate) fn cookie_attributes_of(&self, cookie: &str) -> CookieAttributes {
        match self.per_cookie_attributes.get(cookie) {
            Some(own) => own.over(&self.cookie_attributes),
            None => self.cookie_attributes.clone(),
        }
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

    /// The full name of the `dont_remember` cookie (set by a sign-in with `rememberMe: false`).
    pub fn dont_remember_cookie(&self) -> String {
        self.cookie_name("dont_remember")
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
#[cfg(any(feature = "jwks", feature = "remote"))]
pub(crate) fn auth_endpoint(base_url: &Url, path: &str) -> Result<Url, ConfigError> {
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
pub(crate) fn parse_url(name: &'static str, value: &str) -> Result<Url, ConfigError> {
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
    use super::*;

    const SECRET: &str = "a-32+char-test-secret-for-ba-probe-0123456789";

    #[test]
    #[cfg(any(feature = "jwks", feature = "remote"))]
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

//! The environment variables a deployment configures us with, read once, typed and strictly:
//! [`EnvSettings`]. A boolean is `true`, `false`, `1` or `0` in any case; a number, a URL or a
//! JSON document that does not parse, and a variable that asks for a feature this build lacks,
//! are startup errors naming the variable and its value, never silently ignored. An empty
//! variable counts as unset.

use std::time::Duration;

use url::Url;

use super::{AuthConfig, ConfigError, CookieDomain, SameSite, Schema, env::*, parse_url};
use crate::{origin::TrustedOrigins, secret::SecretSet};

/// Every variable [`Authenticator::from_env`](crate::Authenticator::from_env) reads, typed.
/// Read them with [`from_env`](Self::from_env), adjust if you like, then build with
/// [`auth_config`](Self::auth_config) or [`authenticator`](Self::authenticator).
///
/// ```
/// use better_auth_core::EnvSettings;
///
/// let settings = EnvSettings::from_vars(|name| match name {
///     "BETTER_AUTH_SECRET" => Some("the-better-auth-secret-of-32-chars-or-more".to_owned()),
///     "BETTER_AUTH_MULTI_SESSION" => Some("TRUE".to_owned()),
///     "BETTER_AUTH_CACHE_TTL_MS" => Some("2500".to_owned()),
///     _ => None,
/// })?;
/// assert!(settings.multi_session);
/// assert_eq!(settings.cache_ttl, Some(std::time::Duration::from_millis(2500)));
///
/// let error = EnvSettings::from_vars(|name| {
///     (name == "BETTER_AUTH_DB_POOL_SIZE").then(|| "sixteen".to_owned())
/// })
/// .unwrap_err();
/// assert!(error.to_string().contains("BETTER_AUTH_DB_POOL_SIZE"));
/// # Ok::<(), better_auth_core::ConfigError>(())
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct EnvSettings {
    /// [`SECRETS`], else [`SECRET`], else [`AUTH_SECRET`].
    pub secrets: Option<SecretSet>,
    /// [`URL`].
    pub base_url: Option<Url>,
    /// [`COOKIE_PREFIX`].
    pub cookie_prefix: Option<String>,
    /// [`COOKIE_DOMAIN`].
    pub cookie_domain: Option<CookieDomain>,
    /// [`CROSS_SUBDOMAIN_COOKIES`].
    pub cross_subdomain_cookies: bool,
    /// [`COOKIE_SAME_SITE`].
    pub cookie_same_site: Option<SameSite>,
    /// [`COOKIE_PARTITIONED`].
    pub cookie_partitioned: Option<bool>,
    /// [`COOKIE_SECURE`].
    pub cookie_secure: Option<bool>,
    /// [`TRUSTED_ORIGINS`].
    pub trusted_origins: Option<TrustedOrigins>,
    /// [`MULTI_SESSION`].
    pub multi_session: bool,
    /// [`API_KEYS`].
    pub api_keys: bool,
    /// [`API_KEY_HEADERS`], lower-cased.
    pub api_key_headers: Option<Vec<String>>,
    /// [`API_KEY_CONFIGS`].
    pub api_key_configs: Option<Vec<super::ApiKeyConfig>>,
    /// [`API_KEY_READ_ONLY`].
    pub api_key_read_only: bool,
    /// [`DEFAULT_ROLE`].
    pub default_role: Option<String>,
    /// [`ACCESS_CONTROL`]: the definitions read from the file it names.
    pub access_control: Option<crate::access_control::AccessControl>,
    /// [`ADMIN_USER_IDS`].
    pub admin_user_ids: Option<Vec<String>>,
    /// [`DATABASE_URL`].
    pub database_url: Option<String>,
    /// [`DB_POOL_SIZE`].
    pub db_pool_size: Option<u32>,
    /// [`SCHEMA`].
    pub schema: Option<Schema>,
    /// [`REDIS_URL`].
    pub redis_url: Option<String>,
    /// [`REDIS_KEY_PREFIX`].
    pub redis_key_prefix: Option<String>,
    /// [`STORE_SESSION_IN_DATABASE`].
    pub store_session_in_database: bool,
    /// [`PRESERVE_SESSION_IN_DATABASE`].
    pub preserve_session_in_database: bool,
    /// [`TRUSTED_PROXIES`].
    pub trusted_proxies: Option<crate::client::TrustedProxies>,
    /// [`CLIENT_ADDRESS_HEADER`], lower-cased.
    pub client_address_header: Option<String>,
    /// [`MISS_BUDGET`]: `Some(None)` for `off`.
    pub miss_budget: Option<Option<crate::client::MissBudgetOptions>>,
    /// [`REMOTE_SESSIONS`].
    pub remote_sessions: bool,
    /// [`CACHE_TTL_MS`]: `Some(ZERO)` turns the cache off (also in remote mode).
    pub cache_ttl: Option<Duration>,
    /// [`CACHE_MAX_ENTRIES`].
    pub cache_max_entries: Option<u64>,
    /// [`LOOKUP_BATCH`].
    pub lookup_batch: Option<usize>,
    /// [`COOKIE_CACHE`]: the strategy's name (`compact`, `jwt`, `jwe` or `jwks`).
    pub cookie_cache: Option<String>,
    /// [`COOKIE_CACHE_VERSION`].
    pub cookie_cache_version: Option<String>,
    /// [`COOKIE_CACHE_MAX_AGE`], in seconds.
    pub cookie_cache_max_age: Option<u32>,
    /// [`JWKS_URL`].
    pub jwks_url: Option<Url>,
    /// [`JWT_CACHE`] (`true` unless set to false).
    pub jwt_cache: bool,
    /// [`SESSION_EXPIRES_IN`], in seconds.
    pub session_expires_in: Option<u32>,
    /// [`SESSION_UPDATE_AGE`], in seconds.
    pub session_update_age: Option<u32>,
    /// [`DISABLE_SESSION_REFRESH`].
    pub disable_session_refresh: bool,
}

impl EnvSettings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `var` (for tests, or another source of settings).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Vars(&var);
        let secrets = if let Some(list) = vars.text(SECRETS) {
            Some(SecretSet::parse_versioned(&list)?)
        } else if let Some(secret) = vars.text(SECRET).or_else(|| vars.text(AUTH_SECRET)) {
            Some(SecretSet::single(secret)?)
        } else {
            None
        };
        let cookie_cache = vars.text(COOKIE_CACHE);
        if let Some(strategy) = &cookie_cache {
            check_cookie_cache(strategy)?;
        }
        let api_key_configs = vars
            .text(API_KEY_CONFIGS)
            .map(|json| {
                super::ApiKeyConfig::parse_list(&json)
                    .map_err(|reason| ConfigError::InvalidApiKeyConfigs { reason })
            })
            .transpose()?;
        let api_keys = vars.flag(API_KEYS)?;
        if api_key_configs.is_some() && api_keys == Some(false) {
            return Err(ConfigError::InvalidEnv {
                name: API_KEYS,
                value: vars.text(API_KEYS).unwrap_or_default(),
                expected: "true or unset when BETTER_AUTH_API_KEY_CONFIGS is set",
            });
        }
        let settings = Self {
            secrets,
            base_url: vars.url(URL)?,
            cookie_prefix: vars.text(COOKIE_PREFIX),
            cookie_domain: vars
                .text(COOKIE_DOMAIN)
                .map(|value| {
                    CookieDomain::new(&value).ok_or(ConfigError::InvalidEnv {
                        name: COOKIE_DOMAIN,
                        value,
                        expected: "a domain such as `example.com` (letters, digits, `.`, `-`; no \
                                   scheme, port or path)",
                    })
                })
                .transpose()?,
            cross_subdomain_cookies: vars.flag(CROSS_SUBDOMAIN_COOKIES)?.unwrap_or(false),
            cookie_same_site: vars
                .text(COOKIE_SAME_SITE)
                .map(|value| {
                    SameSite::parse(&value).ok_or(ConfigError::InvalidEnv {
                        name: COOKIE_SAME_SITE,
                        value,
                        expected: "strict, lax or none",
                    })
                })
                .transpose()?,
            cookie_partitioned: vars.flag(COOKIE_PARTITIONED)?,
            cookie_secure: vars.flag(COOKIE_SECURE)?,
            trusted_origins: vars
                .text(TRUSTED_ORIGINS)
                .map(|list| TrustedOrigins::parse_list(&list)),
            multi_session: vars.flag(MULTI_SESSION)?.unwrap_or(false),
            api_keys: api_keys.unwrap_or(api_key_configs.is_some()),
            api_key_headers: vars.text(API_KEY_HEADERS).map(|list| {
                list.split(',')
                    .map(|header| header.trim().to_ascii_lowercase())
                    .filter(|header| !header.is_empty())
                    .collect()
            }),
            api_key_configs,
            api_key_read_only: vars.flag(API_KEY_READ_ONLY)?.unwrap_or(false),
            default_role: vars.text(DEFAULT_ROLE),
            access_control: vars
                .text(ACCESS_CONTROL)
                .map(crate::access_control::AccessControl::load)
                .transpose()?,
            admin_user_ids: vars.text(ADMIN_USER_IDS).map(|list| {
                list.split(',')
                    .map(|id| id.trim().to_owned())
                    .filter(|id| !id.is_empty())
                    .collect()
            }),
            database_url: vars.text(DATABASE_URL),
            db_pool_size: vars.number(DB_POOL_SIZE, "a whole number of connections, at least 1")?,
            schema: vars
                .text(SCHEMA)
                .map(|json| Schema::from_json(&json))
                .transpose()?,
            redis_url: vars.text(REDIS_URL),
            redis_key_prefix: vars.raw(REDIS_KEY_PREFIX),
            store_session_in_database: vars.flag(STORE_SESSION_IN_DATABASE)?.unwrap_or(false),
            preserve_session_in_database: vars.flag(PRESERVE_SESSION_IN_DATABASE)?.unwrap_or(false),
            trusted_proxies: vars
                .text(TRUSTED_PROXIES)
                .map(|list| {
                    crate::client::TrustedProxies::parse(&list).map_err(|_| {
                        ConfigError::InvalidEnv {
                            name: TRUSTED_PROXIES,
                            value: list.clone(),
                            expected: "addresses and CIDR ranges, comma-separated",
                        }
                    })
                })
                .transpose()?,
            client_address_header: vars
                .text(CLIENT_ADDRESS_HEADER)
                .map(|header| header.to_ascii_lowercase()),
            miss_budget: vars.miss_budget()?,
            remote_sessions: vars.flag(REMOTE_SESSIONS)?.unwrap_or(false),
            cache_ttl: vars
                .number::<u64>(CACHE_TTL_MS, "a whole number of milliseconds (0: no cache)")?
                .map(Duration::from_millis),
            cache_max_entries: vars
                .number(CACHE_MAX_ENTRIES, "a whole number of sessions, at least 1")?,
            lookup_batch: vars.number(LOOKUP_BATCH, "a whole number of tokens, at least 1")?,
            cookie_cache,
            cookie_cache_version: vars.text(COOKIE_CACHE_VERSION),
            cookie_cache_max_age: vars.number(COOKIE_CACHE_MAX_AGE, "a whole number of seconds")?,
            jwks_url: vars.url(JWKS_URL)?,
            jwt_cache: vars.flag(JWT_CACHE)?.unwrap_or(true),
            session_expires_in: vars.number(SESSION_EXPIRES_IN, "a whole number of seconds")?,
            session_update_age: vars.number(SESSION_UPDATE_AGE, "a whole number of seconds")?,
            disable_session_refresh: vars.flag(DISABLE_SESSION_REFRESH)?.unwrap_or(false),
        };
        for (zero, name, expected) in [
            (
                settings.db_pool_size == Some(0),
                DB_POOL_SIZE,
                "a whole number of connections, at least 1",
            ),
            (
                settings.cache_max_entries == Some(0),
                CACHE_MAX_ENTRIES,
                "a whole number of sessions, at least 1",
            ),
            (
                settings.lookup_batch == Some(0),
                LOOKUP_BATCH,
                "a whole number of tokens, at least 1",
            ),
        ] {
            if zero {
                return Err(ConfigError::InvalidEnv {
                    name,
                    value: "0".to_owned(),
                    expected,
                });
            }
        }
        if let (Some(_), Some(headers)) = (&settings.api_key_configs, vars.text(API_KEY_HEADERS)) {
            return Err(ConfigError::InvalidEnv {
                name: API_KEY_HEADERS,
                value: headers,
                expected: "unset when BETTER_AUTH_API_KEY_CONFIGS is set (give each \
                           configuration its apiKeyHeaders there)",
            });
        }
        settings.check_features()?;
        if settings.preserve_session_in_database && !settings.store_session_in_database {
            return Err(ConfigError::MissingEnv {
                name: STORE_SESSION_IN_DATABASE,
                why: "Better Auth's preserveSessionInDatabase only applies with \
                      storeSessionInDatabase: set BETTER_AUTH_STORE_SESSION_IN_DATABASE=true too",
            });
        }
        settings.cookie_domain_attribute()?;
        if settings.cookie_cache.as_deref() == Some("jwks")
            && settings.base_url.is_none()
            && settings.jwks_url.is_none()
        {
            return Err(ConfigError::MissingEnv {
                name: URL,
                why: "the `jwks` cookie cache (BETTER_AUTH_COOKIE_CACHE) verifies entries with \
                      the keys of Better Auth's JWKS (or set BETTER_AUTH_JWKS_URL)",
            });
        }
        Ok(settings)
    }

    /// The [`AuthConfig`] these settings describe (a secret is required).
    pub fn auth_config(&self) -> Result<AuthConfig, ConfigError> {
        let secrets = self.secrets.clone().ok_or(ConfigError::MissingSecret)?;
        let mut config = AuthConfig::new(secrets);
        config.base_url.clone_from(&self.base_url);
        if let Some(prefix) = &self.cookie_prefix {
            config.cookie_prefix.clone_from(prefix);
        }
        if let Some(origins) = &self.trusted_origins {
            config.trusted_origins = origins.clone();
        }
        config.cookie_attributes.domain = self.cookie_domain_attribute()?;
        config.cookie_attributes.same_site = self.cookie_same_site;
        config.cookie_attributes.partitioned = self.cookie_partitioned;
        config.cookie_attributes.secure = self.cookie_secure;
        config.multi_session = self.multi_session;
        if let Some(configs) = &self.api_key_configs {
            config.api_key_configs.clone_from(configs);
        } else if let Some(headers) = &self.api_key_headers {
            config.api_key_configs =
                vec![super::ApiKeyConfig::default_sessions().with_headers(headers)];
        }
        if self.api_key_read_only {
            config.api_key_usage = crate::api_key_usage::ApiKeyUsage::ReadOnly;
        }
        if let Some(role) = &self.default_role {
            config.default_role.clone_from(role);
        }
        if let Some(access_control) = &self.access_control {
            config.access_control = access_control.clone();
        }
        if let Some(ids) = &self.admin_user_ids {
            config.admin_user_ids.clone_from(ids);
        }
        if let Some(seconds) = self.session_expires_in {
            config.session.expires_in = chrono::Duration::seconds(seconds.into());
        }
        if let Some(seconds) = self.session_update_age {
            config.session.update_age = chrono::Duration::seconds(seconds.into());
        }
        config.session.refresh = !self.disable_session_refresh;
        if let Some(proxies) = &self.trusted_proxies {
            config.trusted_proxies = proxies.clone();
        }
        Ok(config)
    }

    /// The `Domain` of Better Auth's cookies, as its `createCookieGetter` decides it:
    /// [`COOKIE_DOMAIN`] when set; else, with [`CROSS_SUBDOMAIN_COOKIES`], the host of [`URL`]
    /// (`new URL(baseURL).hostname`: no port); else none (host-only cookies).
    fn cookie_domain_attribute(&self) -> Result<Option<CookieDomain>, ConfigError> {
        if let Some(domain) = &self.cookie_domain {
            return Ok(Some(domain.clone()));
        }
        if !self.cross_subdomain_cookies {
            return Ok(None);
        }
        let Some(url) = &self.base_url else {
            return Err(ConfigError::MissingEnv {
                name: URL,
                why: "BETTER_AUTH_CROSS_SUBDOMAIN_COOKIES gives Better Auth's cookies the base \
                      URL's host as their Domain (or set BETTER_AUTH_COOKIE_DOMAIN)",
            });
        };
        CookieDomain::new(url.host_str().unwrap_or_default())
            .map(Some)
            .ok_or_else(|| ConfigError::InvalidEnv {
                name: URL,
                value: url.to_string(),
                expected: "a host that can be a cookie's Domain, for \
                           BETTER_AUTH_CROSS_SUBDOMAIN_COOKIES (or set BETTER_AUTH_COOKIE_DOMAIN)",
            })
    }

    /// Refuses settings this build cannot honour (a feature is missing), naming the variable.
    fn check_features(&self) -> Result<(), ConfigError> {
        let missing = |name, what, feature| {
            Err(ConfigError::MissingFeature {
                name,
                what,
                feature,
            })
        };
        if self.redis_url.is_some() && !cfg!(feature = "redis") {
            return missing(REDIS_URL, "Redis secondary storage", "redis");
        }
        if self.remote_sessions && !cfg!(feature = "remote") {
            return missing(REMOTE_SESSIONS, "remote sessions", "remote");
        }
        if self.cookie_cache.is_some() && !cfg!(feature = "cookie-cache") {
            return missing(COOKIE_CACHE, "reading the cookie cache", "cookie-cache");
        }
        if self.jwks_url.is_some() && !cfg!(feature = "jwks") {
            return missing(JWKS_URL, "JWT verification", "jwks");
        }
        let sql = cfg!(any(
            feature = "postgres",
            feature = "sqlite",
            feature = "mysql"
        ));
        if self.api_keys && !sql {
            return missing(
                API_KEYS,
                "API keys (read from the database)",
                "postgres, sqlite or mysql",
            );
        }
        Ok(())
    }
}

/// `compact`, `jwt`, (with the `cookie-cache-jwe` feature) `jwe` or (with `jwks`) `jwks`.
/// Without `cookie-cache` at all, [`EnvSettings::check_features`] names that feature.
fn check_cookie_cache(strategy: &str) -> Result<(), ConfigError> {
    match strategy {
        "jwks" if cfg!(feature = "cookie-cache") && !cfg!(feature = "jwks") => {
            Err(ConfigError::MissingFeature {
                name: COOKIE_CACHE,
                what: "the `jwks` cookie cache",
                feature: "jwks",
            })
        }
        "compact" | "jwt" | "jwks" => Ok(()),
        "jwe" if cfg!(feature = "cookie-cache-jwe") => Ok(()),
        "jwe" => Err(ConfigError::MissingFeature {
            name: COOKIE_CACHE,
            what: "the `jwe` cookie cache",
            feature: "cookie-cache-jwe",
        }),
        _ => Err(ConfigError::InvalidCookieCache),
    }
}

/// Typed access to the variables.
pub(crate) struct Vars<'a>(pub(crate) &'a dyn Fn(&str) -> Option<String>);

impl Vars<'_> {
    /// The value as set, unless empty or only whitespace.
    pub(crate) fn raw(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|value| !value.trim().is_empty())
    }

    /// The value, trimmed.
    pub(crate) fn text(&self, name: &str) -> Option<String> {
        self.raw(name).map(|value| value.trim().to_owned())
    }

    /// [`MISS_BUDGET`]: `None` unset, `Some(None)` for `off`.
    pub(crate) fn miss_budget(
        &self,
    ) -> Result<Option<Option<crate::client::MissBudgetOptions>>, ConfigError> {
        let Some(value) = self.text(MISS_BUDGET) else {
            return Ok(None);
        };
        if value.eq_ignore_ascii_case("off") {
            return Ok(Some(None));
        }
        crate::client::MissBudgetOptions::parse(&value)
            .map(|options| Some(Some(options)))
            .map_err(|_| ConfigError::InvalidEnv {
                name: MISS_BUDGET,
                value,
                expected: "MISSES/WINDOW (20/10s, 5/1m, 100/500ms) or off",
            })
    }

    /// `true`, `false`, `1` or `0`, in any case.
    pub(crate) fn flag(&self, name: &'static str) -> Result<Option<bool>, ConfigError> {
        let Some(value) = self.text(name) else {
            return Ok(None);
        };
        match value.to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Some(true)),
            "false" | "0" => Ok(Some(false)),
            _ => Err(ConfigError::InvalidEnv {
                name,
                value,
                expected: "true, false, 1 or 0",
            }),
        }
    }

    pub(crate) fn number<T: std::str::FromStr>(
        &self,
        name: &'static str,
        expected: &'static str,
    ) -> Result<Option<T>, ConfigError> {
        self.text(name)
            .map(|value| {
                value.parse().map_err(|_| ConfigError::InvalidEnv {
                    name,
                    value,
                    expected,
                })
            })
            .transpose()
    }

    pub(crate) fn url(&self, name: &'static str) -> Result<Option<Url>, ConfigError> {
        self.text(name)
            .map(|value| parse_url(name, &value))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const SECRET_VALUE: &str = "a-32+char-test-secret-for-ba-probe-0123456789";

    fn read(pairs: &[(&str, &str)]) -> Result<EnvSettings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        EnvSettings::from_vars(move |name| map.get(name).cloned())
    }

    #[test]
    fn booleans_are_what_users_write() {
        for (value, expected) in [
            ("true", true),
            ("TRUE", true),
            ("1", true),
            (" True ", true),
            ("false", false),
            ("False", false),
            ("0", false),
        ] {
            let settings = read(&[(MULTI_SESSION, value)]).unwrap();
            assert_eq!(settings.multi_session, expected, "{value}");
        }
        assert!(!read(&[(MULTI_SESSION, "")]).unwrap().multi_session);
        for bad in ["yes", "on", "truee", "2"] {
            let error = read(&[(API_KEYS, bad)]).unwrap_err();
            let message = error.to_string();
            assert!(
                message.contains(API_KEYS) && message.contains(bad),
                "{message}"
            );
        }
        assert!(!read(&[(JWT_CACHE, "FALSE")]).unwrap().jwt_cache);
        assert!(read(&[]).unwrap().jwt_cache);
    }

    #[test]
    fn session_lifetime_from_the_environment() {
        let settings = read(&[
            (SESSION_EXPIRES_IN, "20"),
            (SESSION_UPDATE_AGE, "0"),
            (SECRET, "a-32+char-test-secret-for-ba-probe-0123456789"),
        ])
        .unwrap();
        let config = settings.auth_config().unwrap();
        assert_eq!(config.session.expires_in, chrono::Duration::seconds(20));
        assert_eq!(config.session.update_age, chrono::Duration::zero());
        assert!(config.session.refresh);
        let off = read(&[
            (DISABLE_SESSION_REFRESH, "true"),
            (SECRET, "a-32+char-test-secret-for-ba-probe-0123456789"),
        ])
        .unwrap();
        let config = off.auth_config().unwrap();
        assert!(!config.session.refresh);
        assert_eq!(
            config.session,
            crate::config::SessionLifetime {
                refresh: false,
                ..Default::default()
            }
        );
        for (name, value) in [(SESSION_EXPIRES_IN, "7d"), (SESSION_UPDATE_AGE, "-1")] {
            let message = read(&[(name, value)]).unwrap_err().to_string();
            assert!(
                message.contains(name) && message.contains(value),
                "{message}"
            );
        }
    }

    #[test]
    fn numbers_that_do_not_parse_are_errors_naming_the_variable_and_value() {
        assert_eq!(
            read(&[(DB_POOL_SIZE, " 4 ")]).unwrap().db_pool_size,
            Some(4)
        );
        for (name, value) in [
            (DB_POOL_SIZE, "sixteen"),
            (DB_POOL_SIZE, "-1"),
            (DB_POOL_SIZE, "0"),
            (CACHE_TTL_MS, "5s"),
            (CACHE_TTL_MS, "1.5"),
        ] {
            let message = read(&[(name, value)]).unwrap_err().to_string();
            assert!(
                message.contains(name) && message.contains(value),
                "{message}"
            );
        }
        assert_eq!(
            read(&[(CACHE_TTL_MS, "0")]).unwrap().cache_ttl,
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn urls_schemas_and_strategies_are_checked() {
        let message = read(&[(URL, "not a url")]).unwrap_err().to_string();
        assert!(message.contains(URL), "{message}");
        let message = read(&[(SCHEMA, "{not json")]).unwrap_err().to_string();
        assert!(message.contains("schema"), "{message}");
        if cfg!(feature = "cookie-cache") {
            assert!(read(&[(COOKIE_CACHE, "compact")]).is_ok());
            assert!(matches!(
                read(&[(COOKIE_CACHE, "cbor")]),
                Err(ConfigError::InvalidCookieCache)
            ));
            let jwks = read(&[(COOKIE_CACHE, "jwks"), (URL, "https://app.example.com")]);
            if cfg!(feature = "jwks") {
                assert!(jwks.is_ok());
                assert!(matches!(
                    read(&[(COOKIE_CACHE, "jwks")]),
                    Err(ConfigError::MissingEnv { name: URL, .. })
                ));
                assert!(
                    read(&[(COOKIE_CACHE, "jwks"), (JWKS_URL, "https://a.example/jwks")]).is_ok()
                );
            } else {
                assert!(matches!(
                    jwks,
                    Err(ConfigError::MissingFeature {
                        feature: "jwks",
                        ..
                    })
                ));
            }
        } else {
            assert!(matches!(
                read(&[(COOKIE_CACHE, "compact")]),
                Err(ConfigError::MissingFeature { .. })
            ));
        }
    }

    #[test]
    fn reads_better_auth_variables_into_a_config() {
        let config = read(&[
            (SECRET, SECRET_VALUE),
            (URL, "https://app.example.com/"),
            (COOKIE_PREFIX, "my-app"),
            (DEFAULT_ROLE, "member"),
        ])
        .unwrap()
        .auth_config()
        .unwrap();
        assert_eq!(
            config.secrets.current().expose_bytes(),
            SECRET_VALUE.as_bytes()
        );
        assert_eq!(config.session_cookie(), "__Secure-my-app.session_token");
        assert_eq!(config.default_role, "member");
    }

    #[test]
    fn versioned_secrets_win_and_auth_secret_is_a_fallback() {
        let settings = read(&[(SECRETS, "3:third-secret"), (SECRET, SECRET_VALUE)]).unwrap();
        assert_eq!(
            settings.auth_config().unwrap().secrets.current().version(),
            Some(3)
        );
        let settings = read(&[(AUTH_SECRET, SECRET_VALUE)]).unwrap();
        assert_eq!(
            settings
                .auth_config()
                .unwrap()
                .secrets
                .current()
                .expose_bytes(),
            SECRET_VALUE.as_bytes()
        );
    }

    #[test]
    fn missing_secret_names_the_variable() {
        let error = read(&[]).unwrap().auth_config().unwrap_err();
        assert!(error.to_string().contains("BETTER_AUTH_SECRET"), "{error}");
    }

    #[test]
    fn api_keys_are_counted_unless_read_only_is_asked_for() {
        let config = |pairs: &[(&str, &str)]| {
            let mut pairs = pairs.to_vec();
            pairs.push((SECRET, SECRET_VALUE));
            read(&pairs).unwrap().auth_config().unwrap().api_key_usage
        };
        use crate::api_key_usage::ApiKeyUsage;
        assert_eq!(config(&[]), ApiKeyUsage::Count);
        assert_eq!(config(&[(API_KEY_READ_ONLY, "false")]), ApiKeyUsage::Count);
        assert_eq!(
            config(&[(API_KEY_READ_ONLY, "TRUE")]),
            ApiKeyUsage::ReadOnly
        );
        let message = read(&[(API_KEY_READ_ONLY, "yes")]).unwrap_err().to_string();
        assert!(message.contains(API_KEY_READ_ONLY), "{message}");
    }

    #[test]
    fn cookie_attributes_from_the_environment() {
        let attributes = |pairs: &[(&str, &str)]| {
            let mut pairs = pairs.to_vec();
            pairs.push((SECRET, SECRET_VALUE));
            read(&pairs)
                .unwrap()
                .auth_config()
                .unwrap()
                .cookie_attributes
        };
        assert_eq!(attributes(&[]), crate::config::CookieAttributes::default());
        let all = attributes(&[
            (COOKIE_DOMAIN, " example.com "),
            (COOKIE_SAME_SITE, "Strict"),
            (COOKIE_PARTITIONED, "TRUE"),
            (COOKIE_SECURE, "1"),
        ]);
        assert_eq!(all.domain, CookieDomain::new("example.com"));
        assert_eq!(all.same_site, Some(SameSite::Strict));
        assert_eq!(all.partitioned, Some(true));
        assert_eq!(all.secure, Some(true));
        assert_eq!(
            attributes(&[(COOKIE_SAME_SITE, "NONE"), (COOKIE_SECURE, "false")]).same_site,
            Some(SameSite::None)
        );
        assert_eq!(attributes(&[(COOKIE_SECURE, "false")]).secure, Some(false));
        // crossSubDomainCookies: the domain given, else the base URL's host (no port).
        let cross = |pairs: &[(&str, &str)]| attributes(pairs).domain;
        assert_eq!(
            cross(&[
                (CROSS_SUBDOMAIN_COOKIES, "true"),
                (URL, "http://auth.example.com:3000/api/auth")
            ]),
            CookieDomain::new("auth.example.com")
        );
        assert_eq!(
            cross(&[
                (CROSS_SUBDOMAIN_COOKIES, "true"),
                (COOKIE_DOMAIN, "example.com"),
                (URL, "http://auth.example.com:3000")
            ]),
            CookieDomain::new("example.com")
        );
        assert_eq!(
            cross(&[
                (CROSS_SUBDOMAIN_COOKIES, "false"),
                (URL, "http://a.example.com")
            ]),
            None
        );
        assert_eq!(cross(&[(URL, "http://a.example.com")]), None);
        // A domain without the flag: `defaultCookieAttributes.domain`.
        assert_eq!(
            cross(&[(COOKIE_DOMAIN, "example.com")]),
            CookieDomain::new("example.com")
        );
        let error = read(&[(CROSS_SUBDOMAIN_COOKIES, "true")]).unwrap_err();
        assert!(
            matches!(error, ConfigError::MissingEnv { name: URL, .. }),
            "{error}"
        );
        for (name, value) in [
            (COOKIE_DOMAIN, "example.com; Secure"),
            (COOKIE_DOMAIN, "https://example.com"),
            (COOKIE_DOMAIN, "example.com:443"),
            (COOKIE_SAME_SITE, "strictly"),
            (COOKIE_SAME_SITE, "lax; Partitioned"),
            (COOKIE_PARTITIONED, "yes"),
            (COOKIE_SECURE, "on"),
            (CROSS_SUBDOMAIN_COOKIES, "enabled"),
        ] {
            let message = read(&[(name, value)]).unwrap_err().to_string();
            assert!(
                message.contains(name) && message.contains(value),
                "{name}={value}: {message}"
            );
        }
    }

    #[test]
    fn api_key_configurations_mirror_the_plugins_options() {
        use super::super::{ApiKeyConfig, ApiKeyOwner};
        let configs = |pairs: &[(&str, &str)]| {
            let mut pairs = pairs.to_vec();
            pairs.push((SECRET, SECRET_VALUE));
            let settings = read(&pairs).unwrap();
            (
                settings.api_keys,
                settings.auth_config().unwrap().api_key_configs,
            )
        };
        // Unset: the plugin's default configuration, its keys sessions.
        assert_eq!(
            configs(&[(API_KEYS, "true")]),
            (true, vec![ApiKeyConfig::default_sessions()])
        );
        assert_eq!(
            configs(&[(API_KEYS, "true"), (API_KEY_HEADERS, "X-Key, x-other")]),
            (
                true,
                vec![ApiKeyConfig::default_sessions().with_headers(["x-key", "x-other"])]
            )
        );
        // Set: the plugin's options, and API keys on.
        let json = r#"[{"configId":"sessions","enableSessionForAPIKeys":true},
                       {"configId":"orgs","references":"organization","enableSessionForAPIKeys":true}]"#;
        assert_eq!(
            configs(&[(API_KEY_CONFIGS, json)]),
            (
                true,
                vec![
                    ApiKeyConfig::new("sessions").with_sessions(true),
                    ApiKeyConfig::new("orgs")
                        .with_sessions(true)
                        .with_references(ApiKeyOwner::Organization),
                ]
            )
        );
        // Contradictions and what cannot be mirrored name the variable.
        for (pairs, name) in [
            (
                vec![(API_KEY_CONFIGS, "{\"configId\": 3}")],
                API_KEY_CONFIGS,
            ),
            (vec![(API_KEY_CONFIGS, "[{}]")], API_KEY_CONFIGS),
            (
                vec![(API_KEY_CONFIGS, "{}"), (API_KEY_HEADERS, "x-key")],
                API_KEY_HEADERS,
            ),
            (vec![(API_KEY_CONFIGS, "{}"), (API_KEYS, "false")], API_KEYS),
        ] {
            let message = read(&pairs).unwrap_err().to_string();
            assert!(message.contains(name), "{pairs:?}: {message}");
        }
    }
}

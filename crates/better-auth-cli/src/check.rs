//! `check`: the service's environment, read as the service reads it, and each backend it names
//! asked whether it answers as Better Auth's would.

use std::time::Duration;

use better_auth_core::{
    ApiKeyOwner, AuthConfig, EnvSettings,
    jwt::{HttpJwks, KeySource},
    store::{self, RedisStore, RemoteOptions, RemoteSessionStore, SessionStore},
};

use crate::report::{Report, Status};

/// Reads the environment (`var`) as `Authenticator::from_env` does and checks what it names.
pub async fn check(var: &dyn Fn(&str) -> Option<String>) -> Report {
    let mut report = Report::default();
    let Some((settings, config)) = settings(var, &mut report) else {
        return report;
    };
    describe(&config, &settings, &mut report);
    if settings.remote_sessions {
        remote(&config, &mut report).await;
    }
    if let Some(url) = &settings.database_url {
        database(url, &settings, &config, &mut report).await;
    }
    if let Some(url) = &settings.redis_url {
        redis(url, &settings, &mut report).await;
    }
    if settings.database_url.is_none() && settings.redis_url.is_none() && !settings.remote_sessions
    {
        report.warn(
            "sessions",
            "no session store: only JWTs can be verified",
            "set DATABASE_URL (or BETTER_AUTH_REDIS_URL, or BETTER_AUTH_REMOTE_SESSIONS=true)",
        );
    }
    match settings.jwks_url(&config) {
        Some(url) => jwks(url, &mut report).await,
        None => {
            report.push(
                Status::Info,
                "jwt",
                "no BETTER_AUTH_URL: JWT bearer tokens are not verified",
            );
        }
    }
    // Last, the authenticator itself, built exactly as the service builds it.
    match settings.authenticator().await {
        Ok(_) => report.push(
            Status::Ok,
            "service",
            "Authenticator::from_env() builds with this environment",
        ),
        Err(error) => report.fail(
            "service",
            format!("Authenticator::from_env() fails: {error}"),
            "see the findings above",
        ),
    }
    report
}

/// The settings and the configuration, or the failure that stops the service from starting.
pub(crate) fn settings(
    var: &dyn Fn(&str) -> Option<String>,
    report: &mut Report,
) -> Option<(EnvSettings, AuthConfig)> {
    let settings = match EnvSettings::from_vars(var) {
        Ok(settings) => settings,
        Err(error) => {
            report.fail(
                "environment",
                error.to_string(),
                "the service fails to start with this value: correct the variable named",
            );
            return None;
        }
    };
    match settings.auth_config() {
        Ok(config) => Some((settings, config)),
        Err(error) => {
            report.fail(
                "environment",
                error.to_string(),
                "BETTER_AUTH_SECRET must be set, to the Better Auth server's secret",
            );
            None
        }
    }
}

fn describe(config: &AuthConfig, settings: &EnvSettings, report: &mut Report) {
    report.push(
        Status::Info,
        "cookie",
        format!("the session cookie is `{}`", config.session_cookie()),
    );
    let previous = config.secrets.previous().len();
    report.push(
        Status::Info,
        "secret",
        format!(
            "{} secret(s) verify signatures (the current one{})",
            1 + previous,
            if previous > 0 {
                format!(" and {previous} previous")
            } else {
                String::new()
            }
        ),
    );
    let length = config.secrets.current().expose_bytes().len();
    if length < 32 {
        report.fail(
            "secret",
            format!("the current secret has {length} characters, fewer than 32: the service refuses to start"),
            "BETTER_AUTH_SECRET must be the Better Auth server's secret (Better Auth asks for 32 characters or more)",
        );
    }
    match &config.base_url {
        Some(url) => report.push(Status::Info, "base url", url.as_str()),
        None => report.push(Status::Info, "base url", "not set (BETTER_AUTH_URL)"),
    };
    if let Some(name) = &settings.cookie_cache {
        report.push(
            Status::Info,
            "cookie cache",
            format!("Better Auth's cookie cache is read (`{name}` strategy)"),
        );
    }
    if settings.api_keys {
        api_key_configurations(config, report);
    }
    if config
        .base_url
        .as_ref()
        .is_some_and(|url| url.scheme() == "https")
        && !config.session_cookie().starts_with("__Secure-")
    {
        report.warn(
            "cookie",
            "the base URL is https but the cookie name has no `__Secure-` prefix",
            "Better Auth prefixes its cookies with `__Secure-` on https (unless its advanced.useSecureCookies is false): build the AuthConfig with secure_cookies left unset",
        );
    }
}

/// Which API key configurations become sessions, and how, as Better Auth's session hook reads
/// them.
fn api_key_configurations(config: &AuthConfig, report: &mut Report) {
    let mut read_headers: Vec<(&str, &str)> = Vec::new();
    for api_keys in &config.api_key_configs {
        let id = api_keys.config_id.as_str();
        if !api_keys.enable_session_for_api_keys {
            report.push(
                Status::Info,
                "api key configs",
                format!("configuration `{id}`: no enableSessionForAPIKeys, its keys are no sessions (as in Better Auth)"),
            );
            continue;
        }
        let owner = match api_keys.references {
            ApiKeyOwner::User => "users' keys: the key's user".to_owned(),
            other => format!(
                "{}s' keys: refused once counted (INVALID_REFERENCE_ID_FROM_API_KEY)",
                other.as_str()
            ),
        };
        report.push(
            Status::Info,
            "api key configs",
            format!(
                "configuration `{id}`: keys read from {}, at least {} characters, {owner}",
                if api_keys.headers.is_empty() {
                    "no header".to_owned()
                } else {
                    api_keys.headers.join(", ")
                },
                api_keys.default_key_length
            ),
        );
        for header in &api_keys.headers {
            if let Some((_, earlier)) = read_headers.iter().find(|(name, _)| name == header) {
                report.warn(
                    "api key configs",
                    format!("configuration `{id}` reads {header}, which `{earlier}` reads first: its keys sent there are checked against `{earlier}` and refused"),
                    "give each configuration whose keys are sessions its own apiKeyHeaders (Better Auth reads them the same way)",
                );
            } else {
                read_headers.push((header, id));
            }
        }
    }
    if read_headers.is_empty() {
        report.warn(
            "api key configs",
            "no API key configuration has enableSessionForAPIKeys: no API key header is read",
            "mirror the plugin's configurations in BETTER_AUTH_API_KEY_CONFIGS (only those with enableSessionForAPIKeys make sessions)",
        );
    }
}

async fn remote(config: &AuthConfig, report: &mut Report) {
    let store = match RemoteSessionStore::new(config, RemoteOptions::default()) {
        Ok(store) => store,
        Err(error) => {
            report.fail(
                "remote",
                error.to_string(),
                "remote mode needs BETTER_AUTH_URL",
            );
            return;
        }
    };
    match store.check_health().await {
        Ok(()) => report.push(
            Status::Ok,
            "remote",
            format!("Better Auth answers at {}", store.url()),
        ),
        Err(error) => report.fail(
            "remote",
            format!("{} does not answer: {error}", store.url()),
            "BETTER_AUTH_URL must be the Better Auth server's base URL, reachable from here",
        ),
    }
}

async fn database(url: &str, settings: &EnvSettings, config: &AuthConfig, report: &mut Report) {
    // The options the service gives its pool (schema, whether sessions live there).
    let stores = match store::connect_stores(url, settings.sql_options()).await {
        Ok(stores) => stores,
        Err(error) => {
            report.fail(
                "database",
                error.to_string(),
                "DATABASE_URL must be the database Better Auth uses, with its tables migrated \
                 (`npx @better-auth/cli migrate`); renamed tables or columns go in BETTER_AUTH_SCHEMA",
            );
            return;
        }
    };
    let backend = stores.sessions.backend();
    match stores.sessions.check_health().await {
        Ok(()) => {
            report.push(
                Status::Ok,
                "database",
                format!("{backend} answers; the user and session tables have the columns Better Auth writes"),
            );
        }
        Err(error) => {
            report.fail(
                "database",
                format!("{backend} does not answer: {error}"),
                "check that the database is up and DATABASE_URL's credentials",
            );
            return;
        }
    }
    if settings.sessions_in_database() && config.session.refresh {
        lifetimes(stores.sessions.as_ref(), config, report).await;
    }
    match (settings.api_keys, stores.api_keys.is_some()) {
        (true, true) => report.push(Status::Ok, "api keys", "the apikey table is there"),
        (true, false) => report.fail(
            "api keys",
            "BETTER_AUTH_API_KEYS=true but the database has no apikey table",
            "add @better-auth/api-key to Better Auth and migrate, or unset BETTER_AUTH_API_KEYS",
        ),
        (false, true) => report.push(
            Status::Info,
            "api keys",
            "the database has an apikey table; BETTER_AUTH_API_KEYS=true accepts its keys",
        ),
        (false, false) => {}
    }
    if stores.organizations.is_some() {
        report.push(
            Status::Ok,
            "organizations",
            "the organization plugin's tables are there: memberships and permissions work",
        );
    }
}

/// The lifetime Better Auth gives sessions, as its rows show it (`expiresAt - updatedAt` of the
/// live sessions it wrote last; the longest is its `session.expiresIn`), against
/// `BETTER_AUTH_SESSION_EXPIRES_IN`. Our refreshes never lengthen a session beyond what its row
/// shows, whatever the setting; but a setting that disagrees makes them come at other times
/// than Better Auth's, or shortens sessions.
async fn lifetimes(sessions: &dyn SessionStore, config: &AuthConfig, report: &mut Report) {
    let recent = match sessions.recent_sessions().await {
        Ok(recent) => recent,
        Err(error) => {
            report.warn(
                "session lifetime",
                format!("the sessions could not be read: {error}"),
                "check that the session table is readable",
            );
            return;
        }
    };
    let now = chrono::Utc::now();
    let longest = recent
        .iter()
        .filter(|record| record.session.expires_at > now)
        .map(|record| (record.session.expires_at - record.session.updated_at).num_seconds())
        .max();
    let configured = config.session.expires_in.num_seconds();
    match longest {
        None => report.push(
            Status::Info,
            "session lifetime",
            "no live session to compare BETTER_AUTH_SESSION_EXPIRES_IN with",
        ),
        Some(shown) if (shown - configured).abs() <= 2 => report.push(
            Status::Ok,
            "session lifetime",
            format!("Better Auth's sessions last {configured} s, as configured"),
        ),
        Some(shown) => report.warn(
            "session lifetime",
            format!(
                "the rows show sessions of {shown} s (expiresAt - updatedAt of the latest {} written), but BETTER_AUTH_SESSION_EXPIRES_IN is {configured} s{}",
                recent.len(),
                if shown < configured {
                    ": refreshes here never lengthen a session beyond its row's lifetime, but are due at other times than Better Auth's"
                } else {
                    ": refreshes here shorten sessions to it"
                }
            ),
            format!(
                "set BETTER_AUTH_SESSION_EXPIRES_IN={shown} (Better Auth's session.expiresIn), and BETTER_AUTH_SESSION_UPDATE_AGE to its updateAge"
            ),
        ),
    }
}

async fn redis(url: &str, settings: &EnvSettings, report: &mut Report) {
    match RedisStore::connect(url, settings.redis_options()).await {
        Ok(store) => match store.check_health().await {
            Ok(()) => report.push(Status::Ok, "redis", "Redis answers"),
            Err(error) => report.fail(
                "redis",
                format!("Redis does not answer: {error}"),
                "check BETTER_AUTH_REDIS_URL",
            ),
        },
        Err(error) => report.fail("redis", error.to_string(), "check BETTER_AUTH_REDIS_URL"),
    }
}

async fn jwks(url: url::Url, report: &mut Report) {
    let source = match HttpJwks::new(url.clone(), Duration::from_secs(5), 256 * 1024) {
        Ok(source) => source,
        Err(error) => {
            report.fail("jwks", error.to_string(), "check BETTER_AUTH_URL");
            return;
        }
    };
    match source.fetch_keys().await {
        Ok(keys) if keys.is_empty() => report.fail(
            "jwks",
            format!("{url} has no key"),
            "Better Auth creates its first key on the first /token call; or the JWT plugin is off",
        ),
        Ok(keys) => {
            let described: Vec<String> = keys
                .iter()
                .map(|key| {
                    let algorithm = key
                        .alg
                        .clone()
                        .or_else(|| key.crv.clone())
                        .unwrap_or_else(|| key.kty.clone());
                    format!("{} ({algorithm})", key.kid.as_deref().unwrap_or("no kid"))
                })
                .collect();
            report.push(
                Status::Ok,
                "jwks",
                format!("{url}: {} key(s): {}", keys.len(), described.join(", ")),
            );
        }
        Err(error) => report.fail(
            "jwks",
            format!("{url} cannot be fetched: {error}"),
            "BETTER_AUTH_URL must be the Better Auth server's base URL (or set BETTER_AUTH_JWKS_URL), with the JWT plugin on",
        ),
    }
}

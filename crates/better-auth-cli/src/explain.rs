//! `explain <credential>`: who a cookie header, bearer token, JWT or API key belongs to, or the
//! step that refuses it, with the service's own configuration. It never writes: no session
//! refresh, no API-key use counted.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use better_auth_core::{
    ApiKeyConfig, ApiKeyOwner, AuthConfig, AuthError, Authenticator, EnvSettings, Identity,
    SecretSet,
    http::{HeaderMap, HeaderValue},
    internals as signing,
    internals::looks_like_jwt,
    jwt::{HttpJwks, KeySource},
    store::{self, RemoteOptions, RemoteSessionStore, SessionStore},
};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::Digest as _;

use crate::{
    check::settings,
    report::{Report, Status},
};

/// What the credential given on the command line is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A `Cookie` header (or one `name=value` cookie).
    Cookie(String),
    /// A bearer value (`Authorization: Bearer` without the scheme): a session token.
    Bearer(String),
    /// A JWT.
    Jwt(String),
    /// An API key.
    ApiKey(String),
}

impl Credential {
    /// Reads `input` as the kind of credential it looks like: `Bearer x` is a bearer token (or
    /// JWT), `name=value` a cookie header, three base64url segments a JWT, `token.signature` a
    /// bearer session token, anything else an API key.
    pub fn detect(input: &str) -> Self {
        let input = input.trim();
        let input = input
            .strip_prefix("Cookie:")
            .or_else(|| input.strip_prefix("cookie:"))
            .map_or(input, str::trim);
        let bearer = input
            .get(..7)
            .filter(|scheme| scheme.eq_ignore_ascii_case("bearer "))
            .map(|_| input[7..].trim());
        match bearer {
            Some(value) if looks_like_jwt(value) => Self::Jwt(value.to_owned()),
            Some(value) => Self::Bearer(value.to_owned()),
            None if looks_like_jwt(input) => Self::Jwt(input.to_owned()),
            None if input.contains('=') && !input.ends_with('=') || input.contains("; ") => {
                Self::Cookie(input.to_owned())
            }
            None if input.contains('.') => Self::Bearer(input.to_owned()),
            None => Self::ApiKey(input.to_owned()),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Cookie(_) => "a Cookie header",
            Self::Bearer(_) => "a bearer session token",
            Self::Jwt(_) => "a JWT",
            Self::ApiKey(_) => "an API key",
        }
    }
}

/// Explains `input` with the service's environment (`var`).
pub async fn explain(input: &str, var: &dyn Fn(&str) -> Option<String>) -> Report {
    let mut report = Report::default();
    let Some((mut settings, config)) = settings(var, &mut report) else {
        return report;
    };
    let credential = Credential::detect(input);
    report.push(
        Status::Info,
        "credential",
        format!("read as {}", credential.kind()),
    );
    let headers = match &credential {
        Credential::Cookie(header) => {
            if !cookie_steps(header, &config, &settings, &mut report).await {
                return verdict_only(report, &settings, &config, &credential).await;
            }
            one_header("cookie", header)
        }
        Credential::Bearer(value) => {
            token_steps(value, &config, &settings, &mut report).await;
            one_header("authorization", &format!("Bearer {value}"))
        }
        Credential::Jwt(token) => {
            jwt_steps(token, &config, &settings, &mut report).await;
            one_header("authorization", &format!("Bearer {token}"))
        }
        Credential::ApiKey(key) => {
            let name = api_key_steps(key, &config, &settings, &mut report).await;
            settings.api_keys = true;
            one_header(&name, key)
        }
    };
    let _ = &mut settings;
    verdict(&mut report, &settings, &headers).await;
    report
}

/// The verdict alone, after a step that already says why (the cookie is not there).
async fn verdict_only(
    mut report: Report,
    settings: &EnvSettings,
    _config: &AuthConfig,
    credential: &Credential,
) -> Report {
    if let Credential::Cookie(header) = credential {
        verdict(&mut report, settings, &one_header("cookie", header)).await;
    }
    report
}

fn one_header(name: &str, value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let (Ok(name), Ok(value)) = (
        better_auth_core::http::HeaderName::try_from(name),
        HeaderValue::from_str(value),
    ) {
        headers.insert(name, value);
    }
    headers
}

/// The service's own verdict, with writes off (no refresh, API-key uses not counted).
async fn verdict(report: &mut Report, settings: &EnvSettings, headers: &HeaderMap) {
    let mut settings = settings.clone();
    settings.disable_session_refresh = true;
    settings.api_key_read_only = true;
    let authenticator: Authenticator = match settings.authenticator().await {
        Ok(authenticator) => authenticator,
        Err(error) => {
            report.fail(
                "verdict",
                format!("the service cannot start: {error}"),
                "run `check` for the details",
            );
            return;
        }
    };
    match authenticator.authenticate(headers).await {
        Ok(identity) => accepted(report, &identity),
        Err(error) => refused(report, &error),
    }
}

fn accepted(report: &mut Report, identity: &Identity) {
    let user = &identity.user;
    report.push(
        Status::Ok,
        "verdict",
        format!(
            "accepted (via {}): user {} <{}>, role {}",
            identity.via.as_str(),
            user.id,
            user.email,
            user.role.as_deref().unwrap_or("none (the default role)")
        ),
    );
    if let Some(session) = &identity.session {
        report.push(
            Status::Info,
            "session",
            format!(
                "session {}, expires {}",
                session.id,
                when(session.expires_at)
            ),
        );
    }
}

fn refused(report: &mut Report, error: &AuthError) {
    report.fail(
        "verdict",
        format!(
            "refused with {} `{}`: {error}",
            error.status().as_u16(),
            error.code()
        ),
        explanation(error.code()),
    );
}

/// A time, and how far from now.
fn when(time: DateTime<Utc>) -> String {
    let delta = time - Utc::now();
    let (seconds, direction) = if delta.num_seconds() >= 0 {
        (delta.num_seconds(), "from now")
    } else {
        (-delta.num_seconds(), "ago")
    };
    let amount = match seconds {
        0..120 => format!("{seconds} s"),
        120..7200 => format!("{} min", seconds / 60),
        7200..172_800 => format!("{} h", seconds / 3600),
        _ => format!("{} days", seconds / 86_400),
    };
    format!("{} ({amount} {direction})", time.to_rfc3339())
}

/// The cookie steps: the session cookie is there, its signature is one of the secrets'. False
/// when a step already refuses it.
async fn cookie_steps(
    header: &str,
    config: &AuthConfig,
    settings: &EnvSettings,
    report: &mut Report,
) -> bool {
    let wanted = config.session_cookie();
    let cookies: Vec<(&str, &str)> = header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .collect();
    let Some((_, value)) = cookies.iter().find(|(name, _)| *name == wanted) else {
        let names: Vec<&str> = cookies.iter().map(|(name, _)| *name).collect();
        let similar = names
            .iter()
            .find(|name| name.ends_with("session_token") || name.ends_with("session-token"));
        let fix = match similar {
            Some(name) if name.starts_with("__Secure-") => format!(
                "Better Auth set `{name}` (it runs on https): set BETTER_AUTH_URL to its https URL, which gives the service the same `__Secure-` name"
            ),
            Some(name) => format!(
                "Better Auth set `{name}`: set BETTER_AUTH_COOKIE_PREFIX (or the cookie name) to match its advanced.cookiePrefix"
            ),
            None => "send the session cookie Better Auth set (sign in first)".to_owned(),
        };
        report.fail(
            "cookie",
            format!(
                "no cookie named `{wanted}`; the header has: {}",
                names.join(", ")
            ),
            fix,
        );
        return false;
    };
    let decoded = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
    report.push(Status::Ok, "cookie", format!("`{wanted}` is there"));
    if signature_step(&decoded, config, report) {
        token_lookup(
            decoded.split('.').next().unwrap_or_default(),
            config,
            settings,
            report,
        )
        .await;
    }
    true
}

/// Which configured secret signed `signed` (`TOKEN.SIGNATURE`); false when none did.
fn signature_step(signed: &str, config: &AuthConfig, report: &mut Report) -> bool {
    if !signed.contains('.') {
        report.fail(
            "signature",
            "the value is not `TOKEN.SIGNATURE`",
            "send the cookie's value as Better Auth set it (URL-encoded or not)",
        );
        return false;
    }
    let secrets: Vec<_> = config.secrets.verifying().collect();
    for (index, secret) in secrets.iter().enumerate() {
        let one = SecretSet::single(String::from_utf8_lossy(secret.expose_bytes()).into_owned());
        if one.is_ok_and(|one| signing::verify(signed, &one).is_ok()) {
            let which = if index == 0 {
                "the current secret".to_owned()
            } else {
                format!(
                    "a previous secret (version {})",
                    secret
                        .version()
                        .map_or_else(|| "unnumbered".to_owned(), |v| v.to_string())
                )
            };
            report.push(Status::Ok, "signature", format!("valid, by {which}"));
            return true;
        }
    }
    report.fail(
        "signature",
        format!(
            "signed by none of the {} configured secret(s)",
            secrets.len()
        ),
        "BETTER_AUTH_SECRET must be the Better Auth server's secret (BETTER_AUTH_SECRETS when it rotates them)",
    );
    false
}

/// A bearer value: signed (`TOKEN.SIGNATURE`, what `set-auth-token` gives) or raw.
async fn token_steps(
    value: &str,
    config: &AuthConfig,
    settings: &EnvSettings,
    report: &mut Report,
) {
    let decoded = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
    if decoded.contains('.') {
        if signature_step(&decoded, config, report) {
            token_lookup(
                decoded.split('.').next().unwrap_or_default(),
                config,
                settings,
                report,
            )
            .await;
        }
    } else {
        report.push(
            Status::Info,
            "signature",
            "a raw session token (no signature): accepted by the bearer plugin as is",
        );
        token_lookup(&decoded, config, settings, report).await;
    }
}

/// The session of `token` in the store, read only.
async fn token_lookup(
    token: &str,
    config: &AuthConfig,
    settings: &EnvSettings,
    report: &mut Report,
) {
    let store: Box<dyn SessionStore> = if settings.remote_sessions {
        match RemoteSessionStore::new(config, RemoteOptions::default()) {
            Ok(store) => Box::new(store),
            Err(_) => return,
        }
    } else if let Some(url) = &settings.database_url {
        match store::connect_stores(url, settings.sql_options()).await {
            Ok(stores) => Box::new(stores.sessions),
            Err(error) => {
                report.fail("session", error.to_string(), "run `check`");
                return;
            }
        }
    } else {
        return;
    };
    match store.find_session(token).await {
        Ok(Some(record)) => {
            let session = &record.session;
            let state = if session.is_expired_at(Utc::now()) {
                Status::Fail
            } else {
                Status::Ok
            };
            report.push(
                state,
                "session",
                format!(
                    "found in {}: session {} of user {} <{}>, expires {}",
                    store.backend(),
                    session.id,
                    record.user.id,
                    record.user.email,
                    when(session.expires_at)
                ),
            );
            if record.user.banned == Some(true) {
                report.push(
                    Status::Fail,
                    "user",
                    format!(
                        "banned ({}), {}",
                        record.user.ban_reason.as_deref().unwrap_or("no reason"),
                        record.user.ban_expires.map_or_else(
                            || "for good".to_owned(),
                            |at| format!("until {}", when(at))
                        )
                    ),
                );
            }
        }
        Ok(None) => {
            report.fail(
                "session",
                format!("no session with this token in {}", store.backend()),
                "the user signed out, the session was revoked or deleted, or DATABASE_URL is another database than Better Auth's",
            );
        }
        Err(error) => report.fail("session", error.to_string(), "run `check`"),
    }
}

/// The JWT's header and claims (read, not yet verified), and its key in the JWKS.
async fn jwt_steps(token: &str, config: &AuthConfig, settings: &EnvSettings, report: &mut Report) {
    let segments: Vec<&str> = token.split('.').collect();
    let part = |index: usize| -> Option<Value> {
        let bytes = URL_SAFE_NO_PAD.decode(segments.get(index)?).ok()?;
        serde_json::from_slice(&bytes).ok()
    };
    let (Some(header), Some(claims)) = (part(0), part(1)) else {
        report.fail(
            "jwt",
            "the header or the claims are not base64url JSON",
            "send the JWT as Better Auth's /token (or the set-auth-jwt header) gave it",
        );
        return;
    };
    let text = |value: &Value| match value {
        Value::String(text) => text.clone(),
        Value::Null => "none".to_owned(),
        other => other.to_string(),
    };
    report.push(
        Status::Info,
        "jwt",
        format!(
            "alg {}, kid {}, iss {}, aud {}, sub {}",
            text(&header["alg"]),
            text(&header["kid"]),
            text(&claims["iss"]),
            text(&claims["aud"]),
            text(&claims["sub"])
        ),
    );
    if let Some(exp) = claims["exp"]
        .as_i64()
        .and_then(|exp| DateTime::from_timestamp(exp, 0))
    {
        let status = if exp < Utc::now() {
            Status::Fail
        } else {
            Status::Ok
        };
        report.push(status, "expiry", format!("exp {}", when(exp)));
    }
    let expected = config
        .base_url
        .as_ref()
        .map(|url| url.origin().ascii_serialization());
    if let Some(origin) = expected.filter(|origin| claims["iss"].as_str() != Some(origin.as_str()))
    {
        report.warn(
            "issuer",
            format!("iss is {}, the service expects {origin}", text(&claims["iss"])),
            "BETTER_AUTH_URL must be the base URL of the Better Auth that issued the token (its JWT plugin's issuer)",
        );
    }
    let Some(url) = settings.jwks_url(config) else {
        return;
    };
    let Ok(source) = HttpJwks::new(url.clone(), std::time::Duration::from_secs(5), 256 * 1024)
    else {
        return;
    };
    match source.fetch_keys().await {
        Ok(keys) => {
            let kid = header["kid"].as_str();
            let kids: Vec<&str> = keys.iter().filter_map(|key| key.kid.as_deref()).collect();
            match kid {
                Some(kid) if kids.contains(&kid) => {
                    report.push(Status::Ok, "key", format!("kid {kid} is in {url}"))
                }
                _ => report.fail(
                    "key",
                    format!("kid {} is not in {url} (it has {})", kid.unwrap_or("none"), kids.join(", ")),
                    "the token comes from another Better Auth (or its keys were rotated away): check BETTER_AUTH_URL / BETTER_AUTH_JWKS_URL",
                ),
            }
        }
        Err(error) => report.fail(
            "key",
            format!("{url} cannot be fetched: {error}"),
            "run `check`",
        ),
    }
}

/// The API key's row, read only, and what Better Auth would say of it now.
/// The API key's row, its configuration (as the service mirrors the plugin's) and owner; the
/// header to send it in for the verdict: the first header of its configuration (of the first
/// configuration whose keys are sessions when the key is not found).
async fn api_key_steps(
    key: &str,
    config: &AuthConfig,
    settings: &EnvSettings,
    report: &mut Report,
) -> String {
    let sessions: Vec<&ApiKeyConfig> = config
        .api_key_configs
        .iter()
        .filter(|config| config.enable_session_for_api_keys)
        .collect();
    let mut header = config
        .api_key_header()
        .unwrap_or(better_auth_core::DEFAULT_API_KEY_HEADER)
        .to_owned();
    let Some(url) = &settings.database_url else {
        report.fail(
            "api key",
            "API keys are read from DATABASE_URL, which is not set",
            "set DATABASE_URL to Better Auth's database and BETTER_AUTH_API_KEYS=true",
        );
        return header;
    };
    let mut options = settings.sql_options();
    options.sessions_required = false;
    let stores = match store::connect_stores(url, options).await {
        Ok(stores) => stores,
        Err(error) => {
            report.fail("api key", error.to_string(), "run `check`");
            return header;
        }
    };
    let Some(api_keys) = stores.api_keys else {
        report.fail(
            "api key",
            "the database has no apikey table",
            "add @better-auth/api-key to Better Auth and migrate",
        );
        return header;
    };
    // Hashed as the plugin hashes it, and as it is for configurations with disableKeyHashing.
    let mut stored_forms = vec![URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(key.as_bytes()))];
    if config.api_key_configs.iter().any(|c| c.disable_key_hashing) {
        stored_forms.push(key.to_owned());
    }
    let mut found = None;
    for stored in &stored_forms {
        match api_keys.find_api_key(stored).await {
            Ok(Some(row)) => {
                found = Some(row);
                break;
            }
            Ok(None) => {}
            Err(error) => {
                report.fail("api key", error.to_string(), "run `check`");
                return header;
            }
        }
    }
    let Some(row) = found else {
        report.fail(
            "api key",
            "no key with this value in the apikey table",
            "the key was deleted (exhausted or expired keys are deleted when used), never existed, or DATABASE_URL is another database",
        );
        return header;
    };
    let config_id = row.config_id.as_deref().unwrap_or("default");
    report.push(
        Status::Ok,
        "api key",
        format!(
            "found: key {} ({}) of configuration `{config_id}`, referenceId {}, enabled {}, remaining {}, expires {}",
            row.id,
            row.name.as_deref().unwrap_or("unnamed"),
            row.reference_id,
            row.enabled.unwrap_or(true),
            row.remaining
                .map_or_else(|| "unlimited".to_owned(), |left| left.to_string()),
            row.expires_at.map_or_else(|| "never".to_owned(), when)
        ),
    );
    if let Err(error) = row.check_usable(Utc::now()) {
        report.push(Status::Fail, "api key", format!("not usable: {error}"));
    }
    let Some(own) = config
        .api_key_configs
        .iter()
        .find(|candidate| candidate.owns(row.config_id.as_deref()))
    else {
        report.fail(
            "api key",
            format!(
                "its configuration `{config_id}` is none of the service's API key configurations"
            ),
            "mirror the plugin's configurations in BETTER_AUTH_API_KEY_CONFIGS",
        );
        return header;
    };
    if !own.enable_session_for_api_keys {
        report.fail(
            "api key",
            format!(
                "configuration `{config_id}` has no enableSessionForAPIKeys: Better Auth turns none of its keys into a session, and neither does the service"
            ),
            "use a key of a configuration with enableSessionForAPIKeys (or turn it on in Better Auth and in BETTER_AUTH_API_KEY_CONFIGS)",
        );
        return header;
    }
    if let Some(first) = own.headers.first() {
        header.clone_from(first);
    }
    if let Some(earlier) = sessions
        .iter()
        .take_while(|candidate| candidate.config_id != own.config_id)
        .find(|candidate| candidate.headers.contains(&header))
    {
        report.warn(
            "api key",
            format!(
                "configuration `{}` comes first and reads {header} too: a key sent there is checked against it, and refused",
                earlier.config_id
            ),
            "give each configuration whose keys are sessions its own apiKeyHeaders",
        );
    }
    if !own.long_enough(key) {
        report.fail(
            "api key",
            format!(
                "{} characters, fewer than configuration `{config_id}`'s defaultKeyLength {}: refused (403) before any lookup",
                key.len(),
                own.default_key_length
            ),
            "send the whole key, prefix included",
        );
    }
    if own.references != ApiKeyOwner::User {
        report.fail(
            "api key",
            format!(
                "configuration `{config_id}` makes {}s' keys: Better Auth refuses them as sessions (INVALID_REFERENCE_ID_FROM_API_KEY)",
                own.references.as_str()
            ),
            "use the organization's key with Better Auth's api-key/verify, or a user's key here",
        );
        return header;
    }
    match api_keys.find_user(&row.reference_id).await {
        Ok(Some(user)) => report.push(
            Status::Ok,
            "api key",
            format!("owner: user {} <{}>", user.id, user.email),
        ),
        Ok(None) => report.fail(
            "api key",
            format!("its referenceId {} is no user", row.reference_id),
            "the user was deleted, or the key was made for an organization",
        ),
        Err(error) => report.fail("api key", error.to_string(), "run `check`"),
    }
    if !settings.api_keys {
        report.warn(
            "api key",
            "the service does not accept API keys (BETTER_AUTH_API_KEYS is not true)",
            "set BETTER_AUTH_API_KEYS=true or BETTER_AUTH_API_KEY_CONFIGS",
        );
    }
    header
}

/// What a refusal code means and what to do about it.
pub fn explanation(code: &str) -> &'static str {
    match code {
        "missing_credentials" => {
            "no session cookie, bearer token or API key was found: check the cookie name (`check` prints it) and the header"
        }
        "malformed_credentials" => {
            "the value is not what Better Auth issues (not TOKEN.SIGNATURE, bad encoding, too long): send it as Better Auth set it"
        }
        "invalid_signature" => {
            "the cookie or token was not signed with BETTER_AUTH_SECRET: the service must have the Better Auth server's secret"
        }
        "session_not_found" => {
            "the token is signed but no session has it: signed out, revoked, expired and deleted, or another database"
        }
        "session_expired" => {
            "the session's expiresAt has passed: sign in again (Better Auth refreshes sessions used within their updateAge)"
        }
        "user_banned" => "the admin plugin banned the user (and the ban has not expired)",
        "invalid_token" => {
            "the JWT could not be verified: its signature, algorithm, issuer, audience or shape is wrong (the reason says which)"
        }
        "token_expired" => "the JWT's exp has passed: ask Better Auth's /token for a new one",
        "token_not_yet_valid" => "the JWT's nbf (or iat) is in the future: check the clocks",
        "unknown_key" => {
            "the JWT's kid is not in the JWKS: it comes from another Better Auth, or the key was rotated away"
        }
        "jwks_timeout" => {
            "the JWKS did not answer in time and no cached key fits: check that BETTER_AUTH_URL is reachable"
        }
        "jwks_unavailable" => {
            "the JWKS cannot be fetched and no cached key fits: check BETTER_AUTH_URL / BETTER_AUTH_JWKS_URL and the JWT plugin"
        }
        "invalid_api_key" => {
            "no API key of the configuration whose header carried it has this value (wrong, deleted, or a key of another configuration)"
        }
        "api_key_too_short" => {
            "the API key is shorter than its configuration's defaultKeyLength (64 by default, prefix included): refused before any lookup, as Better Auth refuses it (403)"
        }
        "api_key_expired" => {
            "the API key's expiresAt has passed (Better Auth deletes it when used)"
        }
        "api_key_exhausted" => "the API key has no requests left (remaining 0)",
        "api_key_disabled" => "the API key is disabled (enabled = false)",
        "api_key_rate_limited" => {
            "the API key went over its rate limit; retry after the window (Retry-After)"
        }
        "rate_limited" => {
            "this client asked too much of Better Auth: its rate limit for the client's address, or its budget of lookups that found nothing (BETTER_AUTH_MISS_BUDGET); retry after Retry-After"
        }
        "api_key_not_user_owned" => {
            "the API key's referenceId is no user (an organization's key): it cannot stand for a session"
        }
        "missing_origin" => {
            "a cookie-authenticated POST/PUT/PATCH/DELETE without an Origin (or Referer): browsers send one; scripts must"
        }
        "untrusted_origin" => {
            "a cookie-authenticated state-changing request from an origin not in BETTER_AUTH_TRUSTED_ORIGINS (nor the base URL's)"
        }
        "missing_role" => "the user (or member) lacks the role the route requires",
        "email_not_verified" => "the route requires a verified email",
        "session_not_fresh" => {
            "the route requires a session created recently (freshAge): sign in again"
        }
        "no_active_organization" => {
            "the session has no active organization (set one with organization/set-active), or the request has no session (JWT, API key)"
        }
        "not_a_member" => {
            "the user is not (or no longer) a member of the session's active organization"
        }
        "missing_permission" => "the member's roles do not grant the permission the route requires",
        "insufficient_scope" => {
            "the OAuth access token was not granted the scopes the route requires (ask for them when getting the token)"
        }
        "invalid_permission_check" => "the has-permission body is not one Better Auth accepts",
        "invalid_role_definition" => {
            "a dynamic role of the organization has a malformed permission (Better Auth answers 500 too)"
        }
        "unsupported_resource" => {
            "a resource named like a JavaScript object property (Better Auth fails on it too)"
        }
        "unsupported_role" => {
            "a role named like a JavaScript object property (Better Auth fails on it too)"
        }
        "no_permissions_passed" => "the admin has-permission body has no `permissions`",
        "backend_timeout" => {
            "the session store did not answer in time: the request is refused (503), never let through"
        }
        "backend_unavailable" => {
            "the session store (database, Redis or Better Auth) failed: refused with 503, never let through; run `check`"
        }
        "misconfigured" => {
            "the app is not set up to authenticate (no authenticator in the framework's state)"
        }
        "fields_mismatch" => {
            "the user's or session's fields do not fit the type the handler reads them as: align it with additionalFields"
        }
        _ => "a custom guard's code: see the app",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_of_the_core_is_explained() {
        for code in AuthError::CODES {
            assert_ne!(
                explanation(code),
                explanation("a-custom-guard-code"),
                "`{code}` has no explanation"
            );
        }
    }

    #[test]
    fn credentials_are_told_apart() {
        let jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl";
        assert_eq!(Credential::detect(jwt), Credential::Jwt(jwt.into()));
        assert_eq!(
            Credential::detect(&format!("Bearer {jwt}")),
            Credential::Jwt(jwt.into())
        );
        assert_eq!(
            Credential::detect("Bearer abc.def%3D"),
            Credential::Bearer("abc.def%3D".into())
        );
        assert_eq!(
            Credential::detect("better-auth.session_token=abc.def%3D; theme=dark"),
            Credential::Cookie("better-auth.session_token=abc.def%3D; theme=dark".into())
        );
        assert_eq!(
            Credential::detect("Cookie: a=b"),
            Credential::Cookie("a=b".into())
        );
        assert_eq!(
            Credential::detect("abc.def="),
            Credential::Bearer("abc.def=".into())
        );
        let key = "a".repeat(64);
        assert_eq!(Credential::detect(&key), Credential::ApiKey(key.clone()));
    }
}

//! The headers Better Auth sends with a refreshed session (observed on Better Auth 1.7.25,
//! `docs/deployments.md`): the session cookie set again, with the same value (the HMAC is
//! deterministic) and `Max-Age = expiresIn`, and, with the bearer plugin, the signed token in
//! `set-auth-token`, exposed to browsers by `access-control-expose-headers`. Each cookie
//! carries the attributes the deployment gave Better Auth's cookies
//! ([`AuthConfig::cookie_attributes`]), serialized as better-call does (checked against
//! Better Auth 1.7.29's own `Set-Cookie` in each example's end-to-end test).

use crate::{
    config::{AuthConfig, SameSite},
    signing,
};

/// The response headers of a refresh, in the order Better Auth sends them. Adapters append
/// them to the handler's response (see each adapter's layer, middleware or fairing).
///
/// They carry the session token: `Debug` shows their names only.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshHeaders {
    headers: Vec<(&'static str, String)>,
}

impl RefreshHeaders {
    /// The headers for `token` (unsigned) refreshed under `config` to last `expires_in` (the
    /// session's lifetime, [`SessionLifetime::bounded_by`](crate::config::SessionLifetime::bounded_by)):
    /// the cookie's `Max-Age`.
    pub(crate) fn new(config: &AuthConfig, token: &str, expires_in: chrono::Duration) -> Self {
        let secret = config.secrets.current();
        let mut headers = vec![(
            "set-cookie",
            session_cookie(config, token, expires_in.num_seconds()),
        )];
        if config.bearer != crate::config::BearerPolicy::Disabled {
            headers.push(("set-auth-token", signing::sign(token, secret)));
            headers.push(("access-control-expose-headers", "set-auth-token".to_owned()));
        }
        Self { headers }
    }

    /// Adds the cookie cache's `Set-Cookie` (`{prefix}.session_data`), after the session
    /// cookie, as Better Auth orders them.
    #[cfg(feature = "cookie-cache")]
    pub(crate) fn with_cookie_cache(
        mut self,
        config: &AuthConfig,
        value: &str,
        max_age: i64,
    ) -> Self {
        let name = config.cookie_name("session_data");
        let cookie = set_cookie(config, "session_data", &name, value, max_age);
        self.headers.insert(1, ("set-cookie", cookie));
        self
    }

    /// Headers another party sent for a refresh (Better Auth, in remote mode), passed on as
    /// they are.
    #[cfg(feature = "remote")]
    pub(crate) fn passed_on(headers: Vec<(&'static str, String)>) -> Self {
        Self { headers }
    }

    /// Each header's name (lowercase) and value, in order. Names repeat when a response sets
    /// several cookies: append, never replace.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.headers
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
    }

    /// Appends every header to an `http::HeaderMap` (a value that is not a valid header value
    /// cannot occur: cookie names come from the configuration, values are base64 and
    /// percent-encoded text; such a header would be skipped).
    pub fn append_to(&self, headers: &mut http::HeaderMap) {
        for (name, value) in self.iter() {
            if let Ok(value) = http::HeaderValue::from_str(value) {
                headers.append(http::HeaderName::from_static(name), value);
            }
        }
    }
}

impl std::fmt::Debug for RefreshHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.headers.iter().map(|(name, _)| name))
            .finish()
    }
}

/// `Set-Cookie` for the session token (Better Auth's `session_token` cookie) lasting
/// `max_age` seconds.
fn session_cookie(config: &AuthConfig, token: &str, max_age: i64) -> String {
    let value = signing::cookie_value(token, config.secrets.current());
    set_cookie(
        config,
        "session_token",
        &config.session_cookie(),
        &value,
        max_age,
    )
}

/// A `Set-Cookie` value for Better Auth's cookie `cookie` (`session_token`, `session_data`),
/// full name `name`, with the attributes Better Auth gives it (`createCookieGetter`: `secure`
/// when the `__Secure-` prefix is in use, `sameSite: "lax"`, `path: "/"`, `httpOnly`, the
/// cross-subdomain `domain`, then [`AuthConfig::cookie_attributes`], then the cookie's own),
/// serialized as better-call 1.4 does (`resolveCookie`, `serializeCookieValue`):
/// `name=value; Max-Age=N; Domain=D; Path=/; HttpOnly; Secure; SameSite=S; Partitioned`, where
/// `Secure` is forced by a `__Secure-` or `__Host-` name, `Partitioned` and `SameSite=None`,
/// and a `__Host-` name drops `Domain`.
fn set_cookie(config: &AuthConfig, cookie: &str, name: &str, value: &str, max_age: i64) -> String {
    let attributes = config.cookie_attributes_of(cookie);
    let same_site = attributes.same_site.unwrap_or_default();
    let partitioned = attributes.partitioned.unwrap_or(false);
    let lower = name.to_ascii_lowercase();
    let host_prefix = lower.starts_with("__host-");
    let secure = attributes
        .secure
        .unwrap_or_else(|| config.uses_secure_cookies())
        || host_prefix
        || lower.starts_with("__secure-")
        || partitioned
        || same_site == SameSite::None;
    let mut header = format!("{name}={value}; Max-Age={max_age}");
    if let Some(domain) = attributes.domain.filter(|_| !host_prefix) {
        header.push_str("; Domain=");
        header.push_str(domain.as_str());
    }
    header.push_str("; Path=/; HttpOnly");
    if secure {
        header.push_str("; Secure");
    }
    header.push_str("; SameSite=");
    header.push_str(same_site.as_str());
    if partitioned {
        header.push_str("; Partitioned");
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        config::SessionLifetime,
        config::{CookieAttributes, CookieDomain},
        secret::SecretSet,
    };

    const SECRET: &str = "a-32+char-test-secret-for-ba-probe-0123456789";
    const TOKEN: &str = "MDrWaU1xxyq7RBvYdIPdO3CyhI7mSGPE";

    fn config() -> AuthConfig {
        let mut config = AuthConfig::new(SecretSet::single(SECRET).unwrap());
        config.session = SessionLifetime {
            expires_in: chrono::Duration::seconds(20),
            ..SessionLifetime::default()
        };
        config
    }

    #[test]
    fn the_headers_better_auth_sends() {
        let headers = RefreshHeaders::new(&config(), TOKEN, chrono::Duration::seconds(20));
        let all: Vec<_> = headers.iter().collect();
        // The signed value captured from a real Better Auth 1.7.25 (see `signing.rs`).
        assert_eq!(
            all,
            [
                (
                    "set-cookie",
                    "better-auth.session_token=MDrWaU1xxyq7RBvYdIPdO3CyhI7mSGPE.wSY8%2FqriJgKiJ9gyqyD82bP6TJhhiQ%2F9JwSO2xOrgJc%3D; Max-Age=20; Path=/; HttpOnly; SameSite=Lax"
                ),
                (
                    "set-auth-token",
                    "MDrWaU1xxyq7RBvYdIPdO3CyhI7mSGPE.wSY8/qriJgKiJ9gyqyD82bP6TJhhiQ/9JwSO2xOrgJc="
                ),
                ("access-control-expose-headers", "set-auth-token"),
            ]
        );
        assert!(!format!("{headers:?}").contains(TOKEN));
    }

    #[test]
    fn secure_cookies_and_no_bearer_plugin() {
        let mut config = config();
        config.secure_cookies = Some(true);
        config.bearer = crate::config::BearerPolicy::Disabled;
        let headers = RefreshHeaders::new(&config, TOKEN, chrono::Duration::seconds(20));
        let all: Vec<_> = headers.iter().collect();
        assert_eq!(all.len(), 1);
        assert!(
            all[0]
                .1
                .starts_with("__Secure-better-auth.session_token=MDrW"),
            "{}",
            all[0].1
        );
        assert!(
            all[0]
                .1
                .ends_with("; Max-Age=20; Path=/; HttpOnly; Secure; SameSite=Lax")
        );
        let mut map = http::HeaderMap::new();
        headers.append_to(&mut map);
        assert_eq!(map.get_all("set-cookie").iter().count(), 1);
    }
    const SIGNED: &str =
        "MDrWaU1xxyq7RBvYdIPdO3CyhI7mSGPE.wSY8%2FqriJgKiJ9gyqyD82bP6TJhhiQ%2F9JwSO2xOrgJc%3D";

    fn session_set_cookie(config: &AuthConfig) -> String {
        RefreshHeaders::new(config, TOKEN, config.session.expires_in)
            .iter()
            .find(|(name, _)| *name == "set-cookie")
            .map(|(_, value)| value.to_owned())
            .unwrap()
    }

    fn with(change: impl FnOnce(&mut AuthConfig)) -> AuthConfig {
        let mut config = config();
        config.base_url = Some(crate::config::parse_url("url", "http://localhost:3000").unwrap());
        change(&mut config);
        config
    }

    /// The `Set-Cookie` a real Better Auth 1.7.29 sends for the session token (on sign-up and
    /// on `get-session`'s refresh alike), `session: {expiresIn: 20, updateAge: 0}`, under each
    /// cookie configuration.
    #[test]
    fn the_attributes_better_auth_gives_its_session_cookie() {
        let domain = |value| CookieDomain::new(value);
        let cases: Vec<(&str, AuthConfig, String)> = vec![
            (
                "defaults, http",
                with(|_| {}),
                format!(
                    "better-auth.session_token={SIGNED}; Max-Age=20; Path=/; HttpOnly; SameSite=Lax"
                ),
            ),
            (
                "https base URL",
                with(|c| {
                    c.base_url =
                        Some(crate::config::parse_url("url", "https://app.example.com").unwrap())
                }),
                format!(
                    "__Secure-better-auth.session_token={SIGNED}; Max-Age=20; Path=/; HttpOnly; Secure; SameSite=Lax"
                ),
            ),
            (
                "crossSubDomainCookies with a domain",
                with(|c| c.cookie_attributes.domain = domain("example.com")),
                format!(
                    "better-auth.session_token={SIGNED}; Max-Age=20; Domain=example.com; Path=/; HttpOnly; SameSite=Lax"
                ),
            ),
            (
                "sameSite strict",
                with(|c| c.cookie_attributes.same_site = Some(SameSite::Strict)),
                format!(
                    "better-auth.session_token={SIGNED}; Max-Age=20; Path=/; HttpOnly; SameSite=Strict"
                ),
            ),
            (
                "sameSite none forces Secure",
                with(|c| c.cookie_attributes.same_site = Some(SameSite::None)),
                format!(
                    "better-auth.session_token={SIGNED}; Max-Age=20; Path=/; HttpOnly; Secure; SameSite=None"
                ),
            ),
            (
                "partitioned forces Secure",
                with(|c| c.cookie_attributes.partitioned = Some(true)),
                format!(
                    "better-auth.session_token={SIGNED}; Max-Age=20; Path=/; HttpOnly; Secure; SameSite=Lax; Partitioned"
                ),
            ),
            (
                "secure: true on http, no name prefix",
                with(|c| c.cookie_attributes.secure = Some(true)),
                format!(
                    "better-auth.session_token={SIGNED}; Max-Age=20; Path=/; HttpOnly; Secure; SameSite=Lax"
                ),
            ),
            (
                "secure: false cannot take Secure off a __Secure- name",
                with(|c| {
                    c.secure_cookies = Some(true);
                    c.cookie_attributes.secure = Some(false);
                }),
                format!(
                    "__Secure-better-auth.session_token={SIGNED}; Max-Age=20; Path=/; HttpOnly; Secure; SameSite=Lax"
                ),
            ),
            (
                "the session cookie's own name and attributes",
                with(|c| {
                    c.session_cookie_name = Some("my_sess".to_owned());
                    let own = CookieAttributes {
                        same_site: Some(SameSite::Strict),
                        domain: domain("x.example.com"),
                        ..CookieAttributes::default()
                    };
                    c.per_cookie_attributes
                        .insert("session_token".to_owned(), own);
                }),
                format!(
                    "my_sess={SIGNED}; Max-Age=20; Domain=x.example.com; Path=/; HttpOnly; SameSite=Strict"
                ),
            ),
            (
                "everything at once, in better-call's order",
                with(|c| {
                    c.cookie_attributes.domain = domain("example.com");
                    c.cookie_attributes.same_site = Some(SameSite::None);
                    c.cookie_attributes.partitioned = Some(true);
                }),
                format!(
                    "better-auth.session_token={SIGNED}; Max-Age=20; Domain=example.com; Path=/; HttpOnly; Secure; SameSite=None; Partitioned"
                ),
            ),
            (
                "a __Host- name: Secure, no Domain (better-call's resolveCookie)",
                with(|c| {
                    c.session_cookie_name = Some("__Host-sid".to_owned());
                    c.cookie_attributes.domain = domain("example.com");
                }),
                format!("__Host-sid={SIGNED}; Max-Age=20; Path=/; HttpOnly; Secure; SameSite=Lax"),
            ),
        ];
        for (case, config, expected) in cases {
            assert_eq!(session_set_cookie(&config), expected, "{case}");
        }
    }

    /// The cookie cache's cookie has the same attributes (its own `Max-Age`); a cookie's own
    /// attributes are its alone.
    #[test]
    #[cfg(feature = "cookie-cache")]
    fn the_cookie_cache_cookie_has_the_same_attributes() {
        let mut config = with(|c| {
            c.cookie_attributes.domain = CookieDomain::new("example.com");
            c.cookie_attributes.same_site = Some(SameSite::Strict);
        });
        let cookies = |config: &AuthConfig| -> Vec<String> {
            RefreshHeaders::new(config, TOKEN, config.session.expires_in)
                .with_cookie_cache(config, "ENTRY", 300)
                .iter()
                .filter(|(name, _)| *name == "set-cookie")
                .map(|(_, value)| value.to_owned())
                .collect()
        };
        assert_eq!(
            cookies(&config),
            [
                format!("better-auth.session_token={SIGNED}; Max-Age=20; Domain=example.com; Path=/; HttpOnly; SameSite=Strict"),
                "better-auth.session_data=ENTRY; Max-Age=300; Domain=example.com; Path=/; HttpOnly; SameSite=Strict".to_owned(),
            ]
        );
        let own = CookieAttributes {
            same_site: Some(SameSite::None),
            partitioned: Some(true),
            ..CookieAttributes::default()
        };
        config
            .per_cookie_attributes
            .insert("session_token".to_owned(), own);
        assert_eq!(
            cookies(&config),
            [
                format!("better-auth.session_token={SIGNED}; Max-Age=20; Domain=example.com; Path=/; HttpOnly; Secure; SameSite=None; Partitioned"),
                "better-auth.session_data=ENTRY; Max-Age=300; Domain=example.com; Path=/; HttpOnly; SameSite=Strict".to_owned(),
            ]
        );
    }
}

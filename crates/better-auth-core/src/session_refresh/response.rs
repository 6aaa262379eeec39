//! The headers Better Auth sends with a refreshed session (observed on Better Auth 1.7.25,
//! `docs/deployments.md`): the session cookie set again, with the same value (the HMAC is
//! deterministic) and `Max-Age = expiresIn`, and, with the bearer plugin, the signed token in
//! `set-auth-token`, exposed to browsers by `access-control-expose-headers`.

use crate::{config::AuthConfig, signing};

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
    /// session's lifetime, [`SessionLifetime::bounded_by`](super::SessionLifetime::bounded_by)):
    /// the cookie's `Max-Age`.
    pub(crate) fn new(config: &AuthConfig, token: &str, expires_in: chrono::Duration) -> Self {
        let secret = config.secrets.current();
        let mut headers = vec![(
            "set-cookie",
            session_cookie(config, token, expires_in.num_seconds()),
        )];
        if config.bearer != crate::BearerPolicy::Disabled {
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
        self.headers
            .insert(1, ("set-cookie", set_cookie(config, &name, value, max_age)));
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

/// `Set-Cookie` for the session token as better-call serializes it:
/// `name=value; Max-Age=N; Path=/; HttpOnly; [Secure; ]SameSite=Lax`.
fn session_cookie(config: &AuthConfig, token: &str, max_age: i64) -> String {
    let value = signing::cookie_value(token, config.secrets.current());
    set_cookie(config, &config.session_cookie(), &value, max_age)
}

/// A `Set-Cookie` value with the attributes Better Auth gives its session cookies, in
/// better-call's order: `name=value; Max-Age=N; Path=/; HttpOnly; [Secure; ]SameSite=Lax`.
fn set_cookie(config: &AuthConfig, name: &str, value: &str, max_age: i64) -> String {
    let secure = if config.uses_secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Max-Age={max_age}; Path=/; HttpOnly{secure}; SameSite=Lax")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SecretSet, session_refresh::SessionLifetime};

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
        config.bearer = crate::BearerPolicy::Disabled;
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
}

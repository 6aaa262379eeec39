//! Finding the credentials on a request, from its headers and the configuration, before any
//! verification: the session cookie, `Authorization: Bearer` (a session token or a JWT), an API
//! key; and what goes with them (the cookie cache, the multi-session cookies, `dont_remember`).
//!
//! Header bytes are read as Better Auth (on Node) reads them: Latin-1, JavaScript's `trim`, the
//! `Cookie` headers joined and parsed once (`CookieJar`). A header value that is not UTF-8 is
//! read like that in `Cookie` only: an `Authorization` or API-key value that is not UTF-8 can
//! carry no credential Better Auth issued, and is ignored, as Rocket (which drops such headers
//! before any guard runs) must ignore it too, so the four adapters answer alike.

use crate::{
    config::{BearerPolicy, CredentialOrder},
    cookies::CookieJar,
    error::AuthError,
    headers::{RequestHeaders, names},
    js,
    jwt::looks_like_jwt,
    model::Via,
    multi_session,
};

/// The longest credential (cookie or bearer value) looked at; longer ones are malformed.
/// Better Auth's signed session tokens are 77 bytes; its JWTs a few hundred.
pub(crate) const MAX_CREDENTIAL_LEN: usize = 8 * 1024;

/// A credential found on a request, before any verification.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// The session cookie's value, percent-decoded: `TOKEN.SIGNATURE`.
    SessionCookie(String),
    /// The bearer value: `TOKEN.SIGNATURE` (percent-decoded if it was encoded) or a raw `TOKEN`.
    Bearer(String),
    /// A bearer value with the shape of a JWT ([`looks_like_jwt`]).
    Jwt(String),
    /// An API key (the plain key, as the client sent it).
    ApiKey(String),
}

impl Credential {
    /// Where it was found.
    pub fn via(&self) -> Via {
        match self {
            Self::SessionCookie(_) => Via::Cookie,
            Self::Bearer(_) => Via::Bearer,
            Self::Jwt(_) => Via::Jwt,
            Self::ApiKey(_) => Via::ApiKey,
        }
    }

    /// The credential's text.
    pub fn expose(&self) -> &str {
        match self {
            Self::SessionCookie(value)
            | Self::Bearer(value)
            | Self::Jwt(value)
            | Self::ApiKey(value) => value,
        }
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credential::{:?}(<redacted>)", self.via())
    }
}

/// What to look for, fixed when the authenticator is built.
#[derive(Debug, Clone)]
pub(crate) struct Discovery {
    /// The session cookie's full name.
    pub(crate) session_cookie: String,
    /// The `dont_remember` cookie's full name.
    pub(crate) dont_remember_cookie: String,
    /// The cookie cache's full name, when the cookie cache is read.
    #[cfg(feature = "cookie-cache")]
    pub(crate) cookie_cache: Option<String>,
    /// Whether the multi-session cookies are collected.
    pub(crate) multi_session: bool,
    pub(crate) order: CredentialOrder,
    pub(crate) bearer: BearerPolicy,
    /// The secrets, to tell (under [`CredentialOrder::BetterAuth`]) whether a bearer token's
    /// signature verifies.
    pub(crate) secrets: crate::secret::SecretSet,
    /// The API key configurations whose keys are sessions, in order (none when API keys are
    /// not accepted).
    pub(crate) api_keys: Vec<crate::config::ApiKeyConfig>,
}

/// A request's credentials and what goes with them, all read in one pass over the headers.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// The credential that authenticates the request, if any.
    pub(crate) credential: Option<Credential>,
    /// With an API key: the position in [`Discovery::api_keys`] of the configuration whose
    /// header carried it.
    pub(crate) api_key_config: Option<usize>,
    /// The cookie cache's value (joined from its chunks), with a session cookie.
    #[cfg(feature = "cookie-cache")]
    pub(crate) cookie_cache: Option<String>,
    /// The multi-session cookies' signed values (bounded), when multi-session is on.
    pub(crate) device_cookies: Vec<String>,
    /// The `dont_remember` cookie's value (percent-decoded, signature not yet checked), with a
    /// session token: a session signed in with `rememberMe: false` is not refreshed.
    pub(crate) dont_remember: Option<String>,
}

impl Discovery {
    /// Reads the request's credential in [`CredentialOrder`]: under Better Auth's order an API
    /// key (in the header of a configuration whose keys are sessions) first, as its session
    /// hook decides before any cookie is read, then the session cookie and the bearer token;
    /// under the other orders the cookie and the bearer token, then an API key. A bearer value
    /// shaped like a JWT is a [`Credential::Jwt`]; another is a session token unless
    /// [`BearerPolicy::Disabled`]. With it, the cookie cache's value (for a session cookie) and
    /// the multi-session cookies, from the same parse of the cookies.
    pub(crate) fn find(&self, headers: &impl RequestHeaders) -> Result<Found, AuthError> {
        let mut jar = LazyJar { headers, jar: None };
        let mut found = Found::default();
        let api_key_first = self.order == CredentialOrder::BetterAuth;
        if api_key_first {
            self.api_key(headers, &mut found)?;
        }
        if found.credential.is_none() {
            found.credential = match self.order {
                CredentialOrder::BetterAuth => self.better_auth_order(headers, &mut jar)?,
                CredentialOrder::CookieFirst => match self.cookie(jar.get())? {
                    Some(cookie) => Some(cookie),
                    None => self.bearer(headers)?,
                },
                CredentialOrder::BearerFirst => match self.bearer(headers)? {
                    Some(bearer) => Some(bearer),
                    None => self.cookie(jar.get())?,
                },
            };
        }
        if found.credential.is_none() && !api_key_first {
            self.api_key(headers, &mut found)?;
        }
        #[cfg(feature = "cookie-cache")]
        if let (Some(Credential::SessionCookie(_)), Some(name)) =
            (&found.credential, &self.cookie_cache)
        {
            found.cookie_cache = crate::cookie_cache::read_cookie(jar.get(), name);
        }
        if let Some(Credential::SessionCookie(_) | Credential::Bearer(_)) = &found.credential {
            found.dont_remember = jar
                .get()
                .get(&self.dont_remember_cookie)
                .map(std::borrow::Cow::into_owned);
        }
        if self.multi_session {
            found.device_cookies = multi_session::signed_values(jar.get());
        }
        Ok(found)
    }

    /// Better Auth's bearer plugin rule: a bearer session token that Better Auth would accept
    /// as a cookie (a signature that verifies, or a raw token when signatures are not required)
    /// replaces the session cookie; any other bearer value is ignored while a session cookie is
    /// there, and is the credential (to be refused with its own reason) when none is.
    fn better_auth_order(
        &self,
        headers: &impl RequestHeaders,
        jar: &mut LazyJar<'_, impl RequestHeaders>,
    ) -> Result<Option<Credential>, AuthError> {
        let bearer = self.bearer(headers)?;
        if let Some(Credential::Bearer(token)) = &bearer
            && self.would_replace_the_cookie(token)
        {
            return Ok(bearer);
        }
        match self.cookie(jar.get())? {
            Some(cookie) => Ok(Some(cookie)),
            None => Ok(bearer),
        }
    }

    /// Whether Better Auth's bearer plugin would put this token in place of the session cookie.
    fn would_replace_the_cookie(&self, token: &str) -> bool {
        if token.contains('.') {
            crate::signing::verify(token, &self.secrets).is_ok()
        } else {
            self.bearer == BearerPolicy::SignedOrRaw
        }
    }

    /// The session cookie: the first cookie of its name, percent-decoded; an empty one is none.
    fn cookie(&self, jar: &CookieJar<'_>) -> Result<Option<Credential>, AuthError> {
        match jar.raw(&self.session_cookie) {
            None | Some("") => Ok(None),
            Some(raw) if raw.len() > MAX_CREDENTIAL_LEN => Err(AuthError::MalformedCredentials {
                reason: "session cookie too long",
            }),
            Some(raw) => Ok(Some(Credential::SessionCookie(
                js::try_decode_uri_component(raw).into_owned(),
            ))),
        }
    }

    fn bearer(&self, headers: &impl RequestHeaders) -> Result<Option<Credential>, AuthError> {
        let Some(token) = bearer(headers)? else {
            return Ok(None);
        };
        if looks_like_jwt(&token) {
            return Ok(Some(Credential::Jwt(token)));
        }
        if self.bearer == BearerPolicy::Disabled {
            return Ok(None);
        }
        Ok(Some(Credential::Bearer(token)))
    }

    /// An API key, as Better Auth's session hook finds it: the configurations whose keys are
    /// sessions, in order, each's headers in order; the first non-empty value is the key, and
    /// its configuration the one it is checked against. Repeated headers are joined with
    /// `", "`, as Node joins them (so two keys are no key Better Auth knows). Sets
    /// `found.credential` and `found.api_key_config` when there is one.
    fn api_key(&self, headers: &impl RequestHeaders, found: &mut Found) -> Result<(), AuthError> {
        for (index, config) in self.api_keys.iter().enumerate() {
            if let Some(key) = Self::api_key_in(headers, &config.headers)? {
                found.credential = Some(key);
                found.api_key_config = Some(index);
                return Ok(());
            }
        }
        Ok(())
    }

    /// The first non-empty value of the headers `names`.
    fn api_key_in(
        headers: &impl RequestHeaders,
        names: &[String],
    ) -> Result<Option<Credential>, AuthError> {
        for name in names {
            let mut values = headers.values(name);
            let Some(first) = values.next() else {
                continue;
            };
            let mut joined = std::borrow::Cow::Borrowed(first);
            for value in values {
                let bytes = joined.to_mut();
                bytes.extend_from_slice(b", ");
                bytes.extend_from_slice(value);
            }
            let Ok(text) = std::str::from_utf8(&joined) else {
                // Rocket drops such a header; the other adapters ignore it too.
                continue;
            };
            let key = text.trim_matches([' ', '\t']);
            if key.is_empty() {
                continue;
            }
            if key.chars().any(char::is_control) {
                return Err(AuthError::MalformedCredentials {
                    reason: "API key contains control characters",
                });
            }
            if key.len() > MAX_CREDENTIAL_LEN {
                return Err(AuthError::MalformedCredentials {
                    reason: "API key too long",
                });
            }
            return Ok(Some(Credential::ApiKey(key.to_owned())));
        }
        Ok(None)
    }
}

/// The cookie jar, parsed the first time it is needed (a bearer-first request may not need it).
struct LazyJar<'h, H> {
    headers: &'h H,
    jar: Option<CookieJar<'h>>,
}

impl<'h, H: RequestHeaders> LazyJar<'h, H> {
    fn get(&mut self) -> &CookieJar<'h> {
        let jar = match self.jar.take() {
            Some(jar) => jar,
            None => CookieJar::parse(self.headers),
        };
        self.jar.insert(jar)
    }
}

/// Reads `Authorization: Bearer X` like Better Auth's bearer plugin: the first `Authorization`
/// header (Node keeps only the first), the scheme `bearer ` in any case, `X` trimmed as
/// JavaScript trims; another scheme or an empty `X` is no bearer credential. A value with a `.`
/// and a `%` is percent-decoded.
pub(crate) fn bearer(headers: &impl RequestHeaders) -> Result<Option<String>, AuthError> {
    let Some(bytes) = headers.first(names::AUTHORIZATION) else {
        return Ok(None);
    };
    if bytes.len() < 7 || !bytes[..7].eq_ignore_ascii_case(b"bearer ") {
        return Ok(None);
    }
    if std::str::from_utf8(bytes).is_err() {
        // Rocket drops such a header; the other adapters ignore it too.
        return Ok(None);
    }
    let text = js::latin1(&bytes[7..]);
    let token = js::trim(&text);
    if token.is_empty() {
        return Ok(None);
    }
    if token.len() > MAX_CREDENTIAL_LEN {
        return Err(AuthError::MalformedCredentials {
            reason: "bearer token too long",
        });
    }
    if token.contains('.') && token.contains('%') {
        return Ok(Some(js::try_decode_uri_component(token).into_owned()));
    }
    Ok(Some(token.to_owned()))
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderName, HeaderValue};

    use super::*;
    use crate::{
        config::{ApiKeyConfig, ApiKeyOwner},
        secret::SecretSet,
        signing,
    };

    const SECRET: &str = "a-32+char-test-secret-for-ba-probe-0123456789";
    const COOKIE: &str = "better-auth.session_token";

    fn headers(pairs: &[(&str, &[u8])]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(value).unwrap(),
            );
        }
        map
    }

    fn discovery(order: CredentialOrder, bearer: BearerPolicy) -> Discovery {
        Discovery {
            session_cookie: COOKIE.to_owned(),
            dont_remember_cookie: "better-auth.dont_remember".to_owned(),
            #[cfg(feature = "cookie-cache")]
            cookie_cache: None,
            multi_session: false,
            order,
            bearer,
            secrets: SecretSet::single(SECRET).unwrap(),
            api_keys: vec![ApiKeyConfig::default_sessions()],
        }
    }

    fn found(d: &Discovery, pairs: &[(&str, &[u8])]) -> Option<Credential> {
        d.find(&headers(pairs)).unwrap().credential
    }

    #[test]
    fn reads_bearer_like_the_bearer_plugin() {
        let read = |value: &[u8]| bearer(&headers(&[("authorization", value)])).unwrap();
        assert_eq!(read(b"bEaReR   a.b%2F  ").as_deref(), Some("a.b/"));
        assert_eq!(
            read(b"Bearer raw%41").as_deref(),
            Some("raw%41"),
            "raw tokens stay"
        );
        assert_eq!(read(b"Basic dXNlcjpwYXNz"), None);
        assert_eq!(read(b"Bearer    "), None);
        // JavaScript's trim: a trailing Latin-1 NBSP would go, but a value that is not UTF-8
        // is ignored (Rocket drops it); UTF-8 NBSP is two Latin-1 characters, one trimmed.
        assert_eq!(read(b"Bearer tok\xA0"), None);
        assert_eq!(
            read("Bearer tok\u{A0}".as_bytes()).as_deref(),
            Some("tok\u{C2}")
        );
        assert_eq!(read(b"Bearer\xA0tok"), None);
        let long = [b"Bearer ".as_slice(), &[b'a'; MAX_CREDENTIAL_LEN + 1]].concat();
        assert!(bearer(&headers(&[("authorization", &long)])).is_err());
    }

    #[test]
    fn api_keys_are_read_like_node_joins_them() {
        let d = discovery(CredentialOrder::BetterAuth, BearerPolicy::SignedOrRaw);
        assert_eq!(
            found(&d, &[("x-api-key", b" key1 ")]),
            Some(Credential::ApiKey("key1".to_owned()))
        );
        // Two headers are one value to Node: "key1, key2", no key Better Auth knows.
        assert_eq!(
            found(&d, &[("x-api-key", b"key1"), ("x-api-key", b"key2")]),
            Some(Credential::ApiKey("key1, key2".to_owned()))
        );
        assert_eq!(found(&d, &[("x-api-key", b"k\xFFey")]), None);
        // Not read when API keys are not accepted.
        let mut off = d.clone();
        off.api_keys = Vec::new();
        assert_eq!(found(&off, &[("x-api-key", b"key1")]), None);
    }

    #[test]
    fn the_first_configuration_whose_header_carries_a_key_decides() {
        let mut d = discovery(CredentialOrder::BetterAuth, BearerPolicy::SignedOrRaw);
        // As the authenticator's builder keeps them: only the configurations whose keys are
        // sessions, in the plugin's order.
        d.api_keys = vec![
            ApiKeyConfig::new("sessions").with_sessions(true),
            ApiKeyConfig::new("orgs")
                .with_sessions(true)
                .with_references(ApiKeyOwner::Organization)
                .with_headers(["x-org-key"]),
            ApiKeyConfig::new("pref")
                .with_sessions(true)
                .with_headers(["x-pref-key", "x-pref-other"]),
        ];
        let config_of = |pairs: &[(&str, &[u8])]| {
            let found = d.find(&headers(pairs)).unwrap();
            (
                found.credential.map(|c| c.expose().to_owned()),
                found.api_key_config,
            )
        };
        assert_eq!(
            config_of(&[("x-pref-other", b"p"), ("x-org-key", b"o")]),
            (Some("o".to_owned()), Some(1)),
            "configurations in order, not headers"
        );
        assert_eq!(
            config_of(&[("x-api-key", b"k"), ("x-org-key", b"o")]),
            (Some("k".to_owned()), Some(0))
        );
        assert_eq!(
            config_of(&[("x-api-key", b"  "), ("x-pref-other", b"p")]),
            (Some("p".to_owned()), Some(2)),
            "an empty value is no key"
        );
        assert_eq!(config_of(&[("x-plain-key", b"k")]), (None, None));
    }

    #[test]
    fn an_api_key_decides_under_better_auths_order_only() {
        let secrets = SecretSet::single(SECRET).unwrap();
        let cookie = format!(
            "{COOKIE}={}",
            signing::cookie_value("cookie", secrets.current())
        );
        let signed = format!("Bearer {}", signing::sign("bearer", secrets.current()));
        let all: [(&str, &[u8]); 3] = [
            ("cookie", cookie.as_bytes()),
            ("authorization", signed.as_bytes()),
            ("x-api-key", b"key"),
        ];
        let via =
            |order| found(&discovery(order, BearerPolicy::SignedOrRaw), &all).map(|c| c.via());
        assert_eq!(via(CredentialOrder::BetterAuth), Some(Via::ApiKey));
        assert_eq!(via(CredentialOrder::CookieFirst), Some(Via::Cookie));
        assert_eq!(via(CredentialOrder::BearerFirst), Some(Via::Bearer));
        // Without a configuration whose keys are sessions, the header is not read at all.
        let mut none = discovery(CredentialOrder::BetterAuth, BearerPolicy::SignedOrRaw);
        none.api_keys = Vec::new();
        assert_eq!(found(&none, &all).map(|c| c.via()), Some(Via::Bearer));
    }

    #[test]
    fn the_credential_order_of_better_auth_and_the_others() {
        let secrets = SecretSet::single(SECRET).unwrap();
        let cookie = format!(
            "{COOKIE}={}",
            signing::cookie_value("cookie", secrets.current())
        );
        let signed = format!("Bearer {}", signing::sign("bearer", secrets.current()));
        let other = SecretSet::single("another-secret-of-32-characters-or-more").unwrap();
        let foreign = format!("Bearer {}", signing::sign("bearer", other.current()));
        let both = |bearer: &str| {
            vec![
                ("cookie", cookie.clone().into_bytes()),
                ("authorization", bearer.as_bytes().to_vec()),
            ]
        };
        let via = |d: &Discovery, pairs: Vec<(&str, Vec<u8>)>| {
            let pairs: Vec<(&str, &[u8])> = pairs.iter().map(|(n, v)| (*n, v.as_slice())).collect();
            found(d, &pairs).map(|credential| credential.via())
        };
        let ba = discovery(CredentialOrder::BetterAuth, BearerPolicy::SignedOrRaw);
        assert_eq!(
            via(&ba, both(&signed)),
            Some(Via::Bearer),
            "a verified bearer wins"
        );
        assert_eq!(
            via(&ba, both("Bearer raw")),
            Some(Via::Bearer),
            "so does a raw one"
        );
        assert_eq!(
            via(&ba, both(&foreign)),
            Some(Via::Cookie),
            "a bad one is ignored"
        );
        assert_eq!(
            via(&ba, vec![("authorization", foreign.clone().into_bytes())]),
            Some(Via::Bearer),
            "without a cookie it is the credential, to be refused for its signature"
        );
        let strict = discovery(CredentialOrder::BetterAuth, BearerPolicy::SignedOnly);
        assert_eq!(via(&strict, both("Bearer raw")), Some(Via::Cookie));
        let jwt = "Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1In0.c2ln";
        assert_eq!(
            via(&ba, both(jwt)),
            Some(Via::Cookie),
            "sessions know no JWT"
        );
        let cookie_first = discovery(CredentialOrder::CookieFirst, BearerPolicy::SignedOrRaw);
        assert_eq!(via(&cookie_first, both(&signed)), Some(Via::Cookie));
        let bearer_first = discovery(CredentialOrder::BearerFirst, BearerPolicy::SignedOrRaw);
        assert_eq!(via(&bearer_first, both(&foreign)), Some(Via::Bearer));
    }
}

//! The attributes Better Auth gives its cookies, as a deployment sets them
//! (`advanced.crossSubDomainCookies`, `advanced.defaultCookieAttributes`,
//! `advanced.cookies.<cookie>.attributes`): [`CookieAttributes`], [`SameSite`],
//! [`CookieDomain`]. The cookies a session refresh sets carry them
//! ([`RefreshHeaders`](crate::RefreshHeaders)), so a refresh here sets the same cookie as
//! Better Auth's own refresh of that session.
//!
//! Better Auth 1.7 (`createCookieGetter`) gives every cookie
//! `{secure: <__Secure- prefix in use>, sameSite: "lax", path: "/", httpOnly: true}`, then the
//! cross-subdomain `domain`, then `defaultCookieAttributes`, then the cookie's own
//! `attributes`, each replacing what it sets.

use std::fmt;

/// A cookie's `SameSite` attribute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// `SameSite=Strict`: never sent on cross-site requests.
    Strict,
    /// `SameSite=Lax`: Better Auth's default.
    #[default]
    Lax,
    /// `SameSite=None`: sent on cross-site requests; the cookie is then always `Secure` (as
    /// better-call forces it).
    None,
}

impl SameSite {
    /// `strict`, `lax` or `none`, in any case (Better Auth's `sameSite` values); `None` for
    /// anything else.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "strict" => Some(Self::Strict),
            "lax" => Some(Self::Lax),
            "none" => Some(Self::None),
            _ => None,
        }
    }

    /// The attribute's value as better-call writes it: `Strict`, `Lax` or `None`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Strict => "Strict",
            Self::Lax => "Lax",
            Self::None => "None",
        }
    }
}

impl fmt::Display for SameSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value of a cookie's `Domain` attribute (`example.com`, `.example.com`): a host name, an
/// IPv4 address or a bracketed IPv6 one. Checked when made, so it cannot add attributes of its
/// own to a `Set-Cookie` (no `;`, spaces, commas or control characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CookieDomain(String);

impl CookieDomain {
    /// The domain, if `value` (trimmed) is one: not empty, at most 253 characters, only ASCII
    /// letters, digits and `.-_`, or an IPv6 address in brackets. A domain with other
    /// characters (an internationalized one) is written in its punycode form (`xn--...`), as
    /// `new URL(...).hostname` gives it.
    pub fn new(value: &str) -> Option<Self> {
        let value = value.trim();
        let name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        let ipv6 = |c: char| c.is_ascii_hexdigit() || matches!(c, ':' | '.');
        let valid = match value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
            Some(address) => !address.is_empty() && address.chars().all(ipv6),
            None => !value.is_empty() && value.chars().all(name),
        };
        (valid && value.len() <= 253).then(|| Self(value.to_owned()))
    }

    /// The domain as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CookieDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Attributes of Better Auth's cookies a deployment may set, each `None` when left to what lies
/// underneath (as a JavaScript object spread leaves it): `advanced.defaultCookieAttributes`
/// (with `crossSubDomainCookies`' domain) in [`AuthConfig::cookie_attributes`], a cookie's own
/// `advanced.cookies.<cookie>.attributes` in [`AuthConfig::per_cookie_attributes`].
///
/// ```
/// use better_auth_core::{AuthConfig, SecretSet};
/// use better_auth_core::{CookieAttributes, CookieDomain, SameSite};
///
/// // crossSubDomainCookies: { enabled: true, domain: "example.com" },
/// // defaultCookieAttributes: { sameSite: "strict" }
/// let mut config = AuthConfig::new(SecretSet::single("the-better-auth-secret-of-32-chars-or-more")?);
/// config.cookie_attributes.domain = CookieDomain::new("example.com");
/// config.cookie_attributes.same_site = Some(SameSite::Strict);
/// // cookies: { session_data: { attributes: { sameSite: "lax" } } }
/// let mut session_data = CookieAttributes::default();
/// session_data.same_site = Some(SameSite::Lax);
/// config.per_cookie_attributes.insert("session_data".to_owned(), session_data);
/// # Ok::<(), better_auth_core::ConfigError>(())
/// ```
///
/// [`AuthConfig::cookie_attributes`]: crate::AuthConfig::cookie_attributes
/// [`AuthConfig::per_cookie_attributes`]: crate::AuthConfig::per_cookie_attributes
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CookieAttributes {
    /// `domain`: the cookie is sent to this domain and its subdomains (Better Auth's
    /// `crossSubDomainCookies`); `None`: host-only.
    pub domain: Option<CookieDomain>,
    /// `sameSite` (`Lax` when `None`).
    pub same_site: Option<SameSite>,
    /// `partitioned` (CHIPS): the cookie is kept per top-level site, and always `Secure`.
    pub partitioned: Option<bool>,
    /// `secure`: `Some(true)` adds `Secure` without the `__Secure-` name prefix; `None` keeps
    /// Better Auth's default (`Secure` exactly when the prefix is in use). A prefixed name,
    /// `partitioned` and `SameSite=None` are `Secure` whatever this says.
    pub secure: Option<bool>,
}

impl CookieAttributes {
    /// These attributes laid over `under`: each attribute this sets replaces `under`'s.
    pub fn over(&self, under: &Self) -> Self {
        Self {
            domain: self.domain.clone().or_else(|| under.domain.clone()),
            same_site: self.same_site.or(under.same_site),
            partitioned: self.partitioned.or(under.partitioned),
            secure: self.secure.or(under.secure),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_site_reads_better_auths_values_in_any_case() {
        for (value, expected) in [
            ("strict", SameSite::Strict),
            ("Strict", SameSite::Strict),
            (" LAX ", SameSite::Lax),
            ("none", SameSite::None),
            ("NoNe", SameSite::None),
        ] {
            assert_eq!(SameSite::parse(value), Some(expected), "{value}");
        }
        for bad in ["", "lax;", "no", "strictly", "None; Secure"] {
            assert_eq!(SameSite::parse(bad), None, "{bad}");
        }
        assert_eq!(SameSite::default(), SameSite::Lax);
        assert_eq!(
            [SameSite::Strict, SameSite::Lax, SameSite::None].map(SameSite::as_str),
            ["Strict", "Lax", "None"]
        );
    }

    #[test]
    fn domains_cannot_carry_attributes_of_their_own() {
        for good in [
            "example.com",
            ".example.com",
            "api.example.com",
            "localhost",
            "127.0.0.1",
            "[::1]",
            "xn--bcher-kva.example",
            "my_host.internal",
        ] {
            assert_eq!(
                CookieDomain::new(good).map(|domain| domain.to_string()),
                Some(good.to_owned())
            );
        }
        assert_eq!(
            CookieDomain::new("  example.com ").unwrap().as_str(),
            "example.com"
        );
        for bad in [
            "",
            "   ",
            "example.com; Secure",
            "example.com;",
            "exa mple.com",
            "example.com,evil.com",
            "bücher.example",
            "example.com\r\nSet-Cookie: x=y",
            "https://example.com",
            "example.com:443",
            "[]",
            "[::1",
            "[::1];",
            &"a".repeat(254),
        ] {
            assert_eq!(CookieDomain::new(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn attributes_lay_over_each_other_as_object_spreads_do() {
        let defaults = CookieAttributes {
            domain: CookieDomain::new("example.com"),
            same_site: Some(SameSite::Strict),
            secure: Some(true),
            ..CookieAttributes::default()
        };
        let own = CookieAttributes {
            domain: CookieDomain::new("x.example.com"),
            partitioned: Some(false),
            ..CookieAttributes::default()
        };
        let merged = own.over(&defaults);
        assert_eq!(merged.domain, CookieDomain::new("x.example.com"));
        assert_eq!(merged.same_site, Some(SameSite::Strict));
        assert_eq!(merged.partitioned, Some(false));
        assert_eq!(merged.secure, Some(true));
        assert_eq!(CookieAttributes::default().over(&defaults), defaults);
        assert_eq!(defaults.over(&CookieAttributes::default()), defaults);
    }
}

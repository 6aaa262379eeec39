//! The Origin check Better Auth applies to cookie-authenticated, state-changing requests (its
//! defence against cross-site request forgery): the request's `Origin` (or, without one, the
//! origin of its `Referer`) must be a trusted origin. Bearer and JWT requests need no such
//! check: a browser never attaches them by itself.

use url::Url;

use crate::{
    error::AuthError,
    headers::{RequestHeaders, names},
    js,
};

/// The origins allowed to send cookie-authenticated, state-changing requests: the base URL's
/// origin plus Better Auth's `trustedOrigins` (`BETTER_AUTH_TRUSTED_ORIGINS`).
///
/// Patterns follow Better Auth: an exact origin (`https://app.example.com`) matches that origin
/// only; with `*` (any run of characters but `/`) or `?` (one such character), a pattern with a
/// scheme (`https://*.example.com`) matches whole origins and one without (`*.example.com`)
/// matches hosts. A wildcard host made of digits, dots and wildcards (`10.0.*.*`) only matches
/// IPv4 addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedOrigins {
    patterns: Vec<String>,
}

impl TrustedOrigins {
    /// These patterns.
    pub fn new(patterns: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            patterns: patterns
                .into_iter()
                .map(Into::into)
                .map(|pattern: String| pattern.trim().to_owned())
                .filter(|pattern| !pattern.is_empty())
                .collect(),
        }
    }

    /// A comma-separated list, as in `BETTER_AUTH_TRUSTED_ORIGINS`.
    pub fn parse_list(list: &str) -> Self {
        Self::new(list.split(','))
    }

    /// Adds a pattern.
    pub fn push(&mut self, pattern: impl Into<String>) {
        let pattern = pattern.into().trim().to_owned();
        if !pattern.is_empty() && !self.patterns.contains(&pattern) {
            self.patterns.push(pattern);
        }
    }

    /// The patterns.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Whether `origin` (`scheme://host[:port]`) is trusted.
    pub fn is_trusted(&self, origin: &str) -> bool {
        self.patterns
            .iter()
            .any(|pattern| matches_pattern(origin, pattern))
    }
}

fn matches_pattern(origin: &str, pattern: &str) -> bool {
    let wildcard = pattern.contains(['*', '?']);
    if !wildcard {
        return pattern == origin;
    }
    match pattern.split_once("://") {
        None => {
            let host = origin.split_once("://").map_or(origin, |(_, host)| host);
            glob_match(pattern, host) && ipv4_rule(pattern, host)
        }
        Some((_, pattern_host)) => {
            let host = origin.split_once("://").map_or("", |(_, host)| host);
            glob_match(pattern, origin) && ipv4_rule(pattern_host, host)
        }
    }
}

/// A host pattern of digits, dots and wildcards names an address range: IPv4 hosts only.
fn ipv4_rule(pattern_host: &str, host: &str) -> bool {
    let pattern_host = pattern_host.split(':').next().unwrap_or_default();
    let is_ip_pattern = pattern_host.bytes().any(|b| b.is_ascii_digit())
        && pattern_host
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'*' | b'?'));
    if !is_ip_pattern {
        return true;
    }
    let host = host.split(':').next().unwrap_or_default();
    host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// Glob matching: `*` is any run of characters but `/`, `?` one character but `/`.
fn glob_match(pattern: &str, text: &str) -> bool {
    let (pattern, text): (Vec<char>, Vec<char>) =
        (pattern.chars().collect(), text.chars().collect());
    // Classic two-pointer matching with backtracking to the last `*`.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len()
            && (pattern[p] == text[t] || (pattern[p] == '?' && text[t] != '/'))
        {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star.filter(|(_, star_t)| text[*star_t] != '/') {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// The origin a request claims, as Better Auth's origin check reads it: the `Origin` header
/// (several are joined with `", "`, as Node joins them, and the whole is one URL), else, when it
/// is absent or empty, the `Referer` (the first, as Node keeps it). `None` when both are absent
/// or the `Origin` is `null`.
fn request_origin(headers: &impl RequestHeaders) -> Option<String> {
    let mut origins = headers.values(names::ORIGIN);
    let origin = match (origins.next(), origins.next()) {
        (None, _) => None,
        (Some(only), None) => Some(js::latin1(only)),
        (Some(first), Some(second)) => {
            let mut joined = String::from(js::latin1(first));
            for value in std::iter::once(second).chain(origins) {
                joined.push_str(", ");
                joined.push_str(&js::latin1(value));
            }
            Some(std::borrow::Cow::Owned(joined))
        }
    };
    match origin
        .as_deref()
        .map(trim_ows)
        .filter(|origin| !origin.is_empty())
    {
        Some("null") => None,
        Some(origin) => Some(origin_of(origin)),
        None => {
            let referer = js::latin1(headers.first(names::REFERER)?);
            let referer = trim_ows(&referer);
            (!referer.is_empty()).then(|| origin_of(referer))
        }
    }
}

/// Spaces and tabs around a header value, which Node strips.
fn trim_ows(value: &str) -> &str {
    value.trim_matches([' ', '\t'])
}

/// Better Auth's `getOrigin` for an `http(s)` URL: its origin as the WHATWG URL parser writes
/// it (scheme and host lower-cased, default port dropped, path and user info gone). Any other
/// value is kept as sent: a value that is no URL matches no trusted origin, and a URL of another
/// scheme only a pattern of that scheme (Better Auth compares schemes first, so
/// `blob:https://app.example/...`, whose WHATWG origin is `https://app.example`, is refused).
fn origin_of(value: &str) -> String {
    match Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => url.origin().ascii_serialization(),
        _ => value.to_owned(),
    }
}

/// Refuses a state-changing request whose origin is missing or not trusted.
pub(crate) fn check(
    method: &str,
    headers: &impl RequestHeaders,
    trusted: &TrustedOrigins,
) -> Result<(), AuthError> {
    if crate::headers::is_safe_method(method) {
        return Ok(());
    }
    let origin = request_origin(headers).ok_or(AuthError::MissingOrigin)?;
    if trusted.is_trusted(&origin) {
        Ok(())
    } else {
        Err(AuthError::UntrustedOrigin)
    }
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue};

    use super::*;

    fn trusted() -> TrustedOrigins {
        TrustedOrigins::new([
            "https://app.example.com",
            "https://*.preview.example.com",
            "*.internal.example",
            "http://10.0.*.*",
        ])
    }

    #[test]
    fn exact_and_wildcard_patterns() {
        let t = trusted();
        assert!(t.is_trusted("https://app.example.com"));
        assert!(!t.is_trusted("http://app.example.com"));
        assert!(!t.is_trusted("https://app.example.com:8443"));
        assert!(!t.is_trusted("https://app.example.com.evil.com"));
        assert!(t.is_trusted("https://pr-1.preview.example.com"));
        assert!(t.is_trusted("https://a.b.preview.example.com"));
        assert!(!t.is_trusted("https://preview.example.com"));
        assert!(!t.is_trusted("http://pr-1.preview.example.com"));
        assert!(!t.is_trusted("https://evil.com/.preview.example.com"));
        assert!(t.is_trusted("http://x.internal.example"));
        assert!(t.is_trusted("https://x.internal.example"));
        assert!(t.is_trusted("http://10.0.1.2"));
        assert!(!t.is_trusted("http://10.0.attacker.com"));
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn the_check_reads_origin_then_referer() {
        let t = trusted();
        assert!(check("GET", &headers(&[]), &t).is_ok(), "safe methods pass");
        assert!(matches!(
            check("POST", &headers(&[]), &t),
            Err(AuthError::MissingOrigin)
        ));
        assert!(matches!(
            check("POST", &headers(&[("origin", "null")]), &t),
            Err(AuthError::MissingOrigin)
        ));
        assert!(
            check(
                "POST",
                &headers(&[("origin", "https://app.example.com")]),
                &t
            )
            .is_ok()
        );
        assert!(matches!(
            check(
                "DELETE",
                &headers(&[("origin", "https://evil.example")]),
                &t
            ),
            Err(AuthError::UntrustedOrigin)
        ));
        assert!(
            check(
                "PUT",
                &headers(&[("referer", "https://app.example.com/settings?x=1")]),
                &t
            )
            .is_ok()
        );
        assert!(matches!(
            check(
                "PATCH",
                &headers(&[("referer", "https://evil.example/app.example.com")]),
                &t
            ),
            Err(AuthError::UntrustedOrigin)
        ));
        // An Origin header wins over the Referer.
        assert!(matches!(
            check(
                "POST",
                &headers(&[
                    ("origin", "https://evil.example"),
                    ("referer", "https://app.example.com/")
                ]),
                &t
            ),
            Err(AuthError::UntrustedOrigin)
        ));
    }

    #[test]
    fn blob_origins_and_repeated_origin_headers_are_refused_like_better_auth() {
        let t = trusted();
        for (name, value) in [
            (
                "origin",
                "blob:https://app.example.com/6f1c0a34-5e9b-4a53-9f43-1d9cc7a1d0a2",
            ),
            (
                "referer",
                "blob:https://app.example.com/6f1c0a34-5e9b-4a53-9f43-1d9cc7a1d0a2",
            ),
        ] {
            assert!(
                matches!(
                    check("POST", &headers(&[(name, value)]), &t),
                    Err(AuthError::UntrustedOrigin)
                ),
                "{name}: {value}"
            );
        }
        // Two trusted Origin headers: Node joins them ("O, O"), which is no origin.
        let twice = headers(&[
            ("origin", "https://app.example.com"),
            ("origin", "https://app.example.com"),
        ]);
        assert!(matches!(
            check("POST", &twice, &t),
            Err(AuthError::UntrustedOrigin)
        ));
        // ... unless the first ends in a path: "O/, x" parses as a URL of origin O (Better Auth
        // 1.7.25 lets it through too).
        let with_path = headers(&[
            ("origin", "https://app.example.com/"),
            ("origin", "https://evil.example"),
        ]);
        assert!(check("POST", &with_path, &t).is_ok());
        // The first Referer counts, as Node keeps only the first.
        let referers = headers(&[
            ("referer", "https://evil.example/"),
            ("referer", "https://app.example.com/"),
        ]);
        assert!(matches!(
            check("POST", &referers, &t),
            Err(AuthError::UntrustedOrigin)
        ));
        // TRACE is checked (Better Auth exempts only GET, HEAD and OPTIONS).
        assert!(matches!(
            check("TRACE", &headers(&[]), &t),
            Err(AuthError::MissingOrigin)
        ));
        // Custom schemes still match their exact pattern.
        let app = TrustedOrigins::new(["myapp://callback"]);
        assert!(check("POST", &headers(&[("origin", "myapp://callback")]), &app).is_ok());
    }

    #[test]
    fn origins_are_normalized_like_urls() {
        let t = trusted();
        assert!(
            check(
                "POST",
                &headers(&[("origin", "https://APP.example.com:443")]),
                &t
            )
            .is_ok()
        );
        assert!(
            check(
                "POST",
                &headers(&[("origin", "https://app.example.com/path")]),
                &t
            )
            .is_ok()
        );
        assert!(matches!(
            check("POST", &headers(&[("origin", "not a url")]), &t),
            Err(AuthError::UntrustedOrigin)
        ));
    }
}

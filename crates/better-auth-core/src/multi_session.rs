//! Better Auth's multi-session plugin: besides the active session cookie, the browser holds one
//! signed cookie per signed-in account, `{session cookie}_multi-{token, lower-cased}`. Like the
//! plugin's `list-device-sessions`, every such cookie whose signature verifies is looked up,
//! expired ones dropped, and one session kept per user (the first).
//!
//! The plugin lists the cookie names with Better Auth's strict cookie parser (a name must be an
//! RFC 7230 token and the value RFC 6265 cookie octets, space and comma; only space and tab are
//! trimmed) and reads each value with better-call's lenient one (the first occurrence wins):
//! both are followed here, over the request's one `CookieJar`. Unlike the plugin, at most
//! [`MAX_DEVICE_SESSIONS`] names are read, so a request cannot make this unbounded work.

use crate::cookies::CookieJar;

/// The most multi-session cookies looked at (the plugin's `maximumSessions` defaults to 5).
pub(crate) const MAX_DEVICE_SESSIONS: usize = 16;

/// The signed values of the request's multi-session cookies (names containing `_multi-`), in
/// the order their names first appear, percent-decoded, at most [`MAX_DEVICE_SESSIONS`].
pub(crate) fn signed_values(jar: &CookieJar<'_>) -> Vec<String> {
    let mut names: Vec<&str> = Vec::new();
    for chunk in jar.text().split(';') {
        let Some((name, value)) = chunk.split_once('=') else {
            continue;
        };
        let name = trim_ows(name);
        if !name.contains("_multi-")
            || !is_token(name)
            || !is_cookie_value(unquote(trim_ows(value)))
        {
            continue;
        }
        if names.contains(&name) {
            continue;
        }
        names.push(name);
        if names.len() == MAX_DEVICE_SESSIONS {
            break;
        }
    }
    names
        .into_iter()
        .filter_map(|name| jar.get(name))
        .filter(|value| !value.is_empty())
        .map(std::borrow::Cow::into_owned)
        .collect()
}

/// Space and tab trimmed (RFC 7230 optional whitespace), as Better Auth's strict parser trims.
fn trim_ows(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

fn unquote(value: &str) -> &str {
    match value
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
    {
        Some(inner) => inner,
        None => value,
    }
}

/// An RFC 7230 token: the cookie names Better Auth's strict parser keeps.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// RFC 6265 cookie octets, plus space and comma: the values Better Auth's strict parser keeps.
fn is_cookie_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| matches!(b, 0x20 | 0x21 | 0x23..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E))
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue};

    use super::*;

    fn values(cookie: &[u8]) -> Vec<String> {
        let mut headers = HeaderMap::new();
        headers.insert("cookie", HeaderValue::from_bytes(cookie).unwrap());
        signed_values(&CookieJar::parse(&headers))
    }

    #[test]
    fn reads_the_plugins_cookies() {
        assert_eq!(
            values(b"s=1; s_multi-a=A%3D; other=2; s_multi-b=B; s_multi-a=again"),
            ["A=", "B"]
        );
        // Names the strict parser drops are not listed.
        assert!(values(b"s_multi-a\xA0=A").is_empty());
        assert!(values(b"s_multi-a=\"A\\\"").is_empty());
        assert!(values(b"s_multi-a=").is_empty());
    }

    #[test]
    fn reads_a_bounded_number() {
        let header: Vec<String> = (0..1000).map(|i| format!("s_multi-{i}=v{i}")).collect();
        let found = values(header.join("; ").as_bytes());
        assert_eq!(found.len(), MAX_DEVICE_SESSIONS);
        assert_eq!(found[0], "v0");
    }
}

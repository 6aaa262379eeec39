//! The request's cookies, parsed once: every `Cookie` header joined with `"; "` (as Node joins
//! them), read as Latin-1 (as Node hands bytes to JavaScript), split the way better-call's
//! `parseCookies` splits them. Every lookup of a request (the session cookie, the cookie cache
//! and its chunks, the multi-session cookies, `dont_remember`) reads this one parse.
//!
//! The work is bounded: only the first [`MAX_COOKIE_BYTES`] of the `Cookie` text are examined
//! (cookies past them are not seen; a value cut there fails its signature), in one pass.

use std::{borrow::Cow, ops::Range};

use crate::{
    headers::{RequestHeaders, names},
    js,
};

/// The most bytes of `Cookie` headers examined (all of them together, joined). Browsers keep a
/// site's cookies to a few KiB; Node, in front of Better Auth, refuses whole request heads over
/// 16 KiB, so no cookie past this limit ever reached Better Auth either.
pub(crate) const MAX_COOKIE_BYTES: usize = 32 * 1024;

/// The parsed cookies of one request: names and raw values (trimmed, one pair of quotes
/// removed, not yet percent-decoded), in the order sent.
#[derive(Debug, Default)]
pub(crate) struct CookieJar<'h> {
    text: Cow<'h, str>,
    pairs: Vec<(Range<usize>, Range<usize>)>,
}

impl<'h> CookieJar<'h> {
    /// Parses the `Cookie` headers of `headers`, as far as [`MAX_COOKIE_BYTES`].
    pub(crate) fn parse(headers: &'h impl RequestHeaders) -> Self {
        let mut values = headers.values(names::COOKIE);
        let text = match (values.next(), values.next()) {
            (None, _) => return Self::default(),
            (Some(only), None) => js::latin1(&only[..only.len().min(MAX_COOKIE_BYTES)]),
            (Some(first), Some(second)) => {
                let mut joined = String::from(js::latin1(first));
                for value in std::iter::once(second).chain(values) {
                    if joined.len() >= MAX_COOKIE_BYTES {
                        break;
                    }
                    joined.push_str("; ");
                    joined.push_str(&js::latin1(value));
                }
                Cow::Owned(joined)
            }
        };
        let text = match text {
            Cow::Owned(mut text) if text.len() > MAX_COOKIE_BYTES => {
                let mut end = MAX_COOKIE_BYTES;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
                Cow::Owned(text)
            }
            text => text,
        };
        let pairs = split(&text);
        Self { text, pairs }
    }

    /// The whole `Cookie` text, as Node joined it.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Every cookie as `(name, raw value)`, in the order sent (duplicates included).
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.pairs
            .iter()
            .map(|(name, value)| (&self.text[name.clone()], &self.text[value.clone()]))
    }

    /// The raw value of the first cookie called `name`.
    pub(crate) fn raw(&self, name: &str) -> Option<&str> {
        self.pairs()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value)
    }

    /// The value of the first cookie called `name`, percent-decoded as better-call's
    /// `tryDecode` does.
    pub(crate) fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        self.raw(name).map(js::try_decode_uri_component)
    }
}

/// better-call's `parseCookies`, as positions in `text`: find the next `=`; a `;` before it
/// starts the pair again after the last `;` preceding that `=`; names and values are trimmed
/// as JavaScript trims; a value starting with `"` loses its first and last character.
fn split(text: &str) -> Vec<(Range<usize>, Range<usize>)> {
    let mut pairs = Vec::new();
    let mut index = 0;
    while index < text.len() {
        let Some(eq) = text[index..].find('=').map(|at| at + index) else {
            break;
        };
        let end = match text[index..].find(';').map(|at| at + index) {
            None => text.len(),
            Some(semi) if semi < eq => {
                index = text[..eq].rfind(';').map_or(0, |at| at + 1);
                continue;
            }
            Some(semi) => semi,
        };
        let name = trimmed(text, index..eq);
        let mut value = trimmed(text, eq + 1..end);
        if text[value.clone()].starts_with('"') {
            // JavaScript's `slice(1, -1)`: drop the first and the last character.
            let inner = value.start + 1..value.end;
            let last = text[inner.clone()]
                .chars()
                .next_back()
                .map_or(0, char::len_utf8);
            value = inner.start..inner.end - last;
        }
        pairs.push((name, value));
        index = end + 1;
    }
    pairs
}

/// `range` of `text` without JavaScript whitespace around it.
fn trimmed(text: &str, range: Range<usize>) -> Range<usize> {
    let slice = &text[range.clone()];
    let start = range.start + (slice.len() - slice.trim_start_matches(js::is_js_whitespace).len());
    let end = range.end - (slice.len() - slice.trim_end_matches(js::is_js_whitespace).len());
    start..end.max(start)
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue};

    use super::*;

    fn jar_of(values: &[&[u8]]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append("cookie", HeaderValue::from_bytes(value).unwrap());
        }
        map
    }

    fn first(headers: &HeaderMap, name: &str) -> Option<String> {
        CookieJar::parse(headers).get(name).map(Cow::into_owned)
    }

    #[test]
    fn parses_like_better_call() {
        let h = jar_of(&[b"a=1; s=v%2F; b=2"]);
        assert_eq!(first(&h, "s").as_deref(), Some("v/"));
        assert_eq!(first(&h, "b").as_deref(), Some("2"));
        assert_eq!(first(&h, "c"), None);
        // First occurrence wins.
        assert_eq!(first(&jar_of(&[b"x=1; x=2"]), "x").as_deref(), Some("1"));
        // Surrounding whitespace and one pair of quotes go.
        assert_eq!(
            first(&jar_of(&[b"  x =  \"quoted\" ;y=1"]), "x").as_deref(),
            Some("quoted")
        );
        assert_eq!(first(&jar_of(&[b"x=\""]), "x").as_deref(), Some(""));
        // A pair without '=' is skipped; names are compared exactly.
        assert_eq!(first(&jar_of(&[b"junk; x=1"]), "x").as_deref(), Some("1"));
        assert_eq!(first(&jar_of(&[b"junk;x"]), "x"), None);
        assert_eq!(first(&jar_of(&[b"X=1"]), "x"), None);
        // No separator, or a comma, is not a new cookie (Better Auth: no session either).
        assert_eq!(first(&jar_of(&[b"a=1 s=v"]), "s"), None);
        assert_eq!(first(&jar_of(&[b"a=1, s=v"]), "s"), None);
    }

    #[test]
    fn headers_are_joined_like_node() {
        let h = jar_of(&[b"s=A", b"s=B"]);
        assert_eq!(first(&h, "s").as_deref(), Some("A"));
        let h = jar_of(&[b"garbage", b"s=A"]);
        assert_eq!(first(&h, "s").as_deref(), Some("A"));
        // The first one wins even when it is empty.
        let h = jar_of(&[b"s=", b"s=A"]);
        assert_eq!(first(&h, "s").as_deref(), Some(""));
    }

    #[test]
    fn bytes_are_latin1_and_trimmed_like_javascript() {
        // A raw 0xA0 (NBSP in Latin-1) is trimmed by JavaScript: the cookie is found.
        assert_eq!(first(&jar_of(&[b"s\xA0=v"]), "s").as_deref(), Some("v"));
        assert_eq!(first(&jar_of(&[b"s=v\xA0"]), "s").as_deref(), Some("v"));
        // UTF-8 NBSP is two characters to Node; `\xC2` stays in the name: not found.
        assert_eq!(first(&jar_of(&[b"s\xC2\xA0=v"]), "s"), None);
        assert_eq!(first(&jar_of(&[b"s\x85=v"]), "s"), None);
        // Bytes that are not UTF-8 in another cookie do not hide this one.
        assert_eq!(
            first(&jar_of(&[b"junk=\xFF\xFE; s=v"]), "s").as_deref(),
            Some("v")
        );
        // A raw Latin-1 character stays one character (its UTF-8 form is what is signed).
        assert_eq!(
            first(&jar_of(&[b"s=t\xF6k"]), "s").as_deref(),
            Some("t\u{F6}k")
        );
    }

    #[test]
    fn only_the_first_bytes_are_examined() {
        let filler = format!("junk={}", "x".repeat(MAX_COOKIE_BYTES));
        // Past the limit: not seen.
        let late = format!("{filler}; s=v");
        assert_eq!(first(&jar_of(&[late.as_bytes()]), "s"), None);
        let late = jar_of(&[filler.as_bytes(), b"s=v"]);
        assert_eq!(first(&late, "s"), None);
        // Before it: seen, whatever follows.
        let early = format!("s=v; {filler}");
        assert_eq!(
            first(&jar_of(&[early.as_bytes()]), "s").as_deref(),
            Some("v")
        );
        // A cut in the middle of a Latin-1 character does not split it.
        let cut = [b"s=v; a=".as_slice(), &vec![0xE9; MAX_COOKIE_BYTES]].concat();
        assert!(CookieJar::parse(&jar_of(&[&cut])).text().len() <= MAX_COOKIE_BYTES);
    }
}

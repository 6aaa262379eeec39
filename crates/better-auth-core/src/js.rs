//! What Better Auth's JavaScript does to header text, done the same way here: Node hands header
//! bytes to JavaScript as Latin-1 (one byte, one character), `String.prototype.trim` removes
//! JavaScript's whitespace, `encodeURIComponent` / `decodeURIComponent` escape and unescape;
//! and dates as JavaScript writes them (`toISOString`, whole milliseconds).
//! Checked against a real Better Auth 1.7.25 (see `docs/security.md`, "Reading headers").

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// A header value as Node gives it to JavaScript: each byte one character (Latin-1). ASCII
/// values (nearly all) are borrowed as they are.
pub(crate) fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.is_ascii() => Cow::Borrowed(text),
        _ => Cow::Owned(bytes.iter().map(|&byte| char::from(byte)).collect()),
    }
}

/// Whether `c` is whitespace to JavaScript's `trim` (within Latin-1: tab, line feed, vertical
/// tab, form feed, carriage return, space and U+00A0; not U+0085, which Rust's `trim` removes).
pub(crate) fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{A0}' | '\u{FEFF}'
    ) || (c > '\u{FF}' && c.is_whitespace())
}

/// JavaScript's `String.prototype.trim`.
pub(crate) fn trim(text: &str) -> &str {
    text.trim_matches(is_js_whitespace)
}

/// The characters `encodeURIComponent` leaves alone: `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// JavaScript's `encodeURIComponent`.
pub(crate) fn encode_uri_component(value: &str) -> String {
    utf8_percent_encode(value, URI_COMPONENT).to_string()
}

/// better-call's `tryDecode`: JavaScript's `decodeURIComponent` when the value has a `%`, or the
/// value unchanged when that would throw (a `%` not followed by two hex digits, or escapes that
/// are not UTF-8).
pub(crate) fn try_decode_uri_component(value: &str) -> Cow<'_, str> {
    if !value.contains('%') {
        return Cow::Borrowed(value);
    }
    let bytes = value.as_bytes();
    let well_formed = bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || (bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    if !well_formed {
        return Cow::Borrowed(value);
    }
    match percent_decode_str(value).decode_utf8() {
        Ok(decoded) => decoded,
        Err(_) => Cow::Borrowed(value),
    }
}

/// `time` as JavaScript's `toISOString()` writes it: `2026-11-30T05:00:00.000Z`.
pub(crate) fn iso_string(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// `time` cut to whole milliseconds, the precision of JavaScript dates (and of what Better Auth
/// stores).
pub(crate) fn to_millis(time: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(time.timestamp_millis()).unwrap_or(time)
}

/// Now, as JavaScript's `new Date()` holds it (whole milliseconds).
pub(crate) fn now_ms() -> DateTime<Utc> {
    to_millis(Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_is_byte_for_character() {
        assert!(matches!(latin1(b"plain"), Cow::Borrowed("plain")));
        assert_eq!(latin1(b"t\xF6k"), "t\u{F6}k");
        // UTF-8 bytes are two Latin-1 characters each, as in Node.
        assert_eq!(latin1("ö".as_bytes()), "\u{C3}\u{B6}");
        assert_eq!(latin1(b"\xFF\xFE"), "\u{FF}\u{FE}");
    }

    #[test]
    fn trims_like_javascript() {
        assert_eq!(trim("\t x \u{A0}"), "x");
        assert_eq!(
            trim("x\u{85}"),
            "x\u{85}",
            "NEL is not JavaScript whitespace"
        );
        // UTF-8 NBSP read as Latin-1 is `Â` + NBSP: only the NBSP goes.
        assert_eq!(trim(&latin1(b"x\xC2\xA0")), "x\u{C2}");
    }

    #[test]
    fn encode_uri_component_matches_javascript() {
        assert_eq!(encode_uri_component("a b;é!~*'()"), "a%20b%3B%C3%A9!~*'()");
    }

    #[test]
    fn try_decode_keeps_what_javascript_cannot_decode() {
        assert_eq!(try_decode_uri_component("a%2Fb%3D"), "a/b=");
        assert_eq!(try_decode_uri_component("a%zz%41"), "a%zz%41");
        assert_eq!(try_decode_uri_component("a%4"), "a%4");
        assert_eq!(try_decode_uri_component("%C3%A9"), "é");
        assert_eq!(
            try_decode_uri_component("%C3"),
            "%C3",
            "invalid UTF-8 stays"
        );
        assert_eq!(try_decode_uri_component("%F6"), "%F6");
    }
}

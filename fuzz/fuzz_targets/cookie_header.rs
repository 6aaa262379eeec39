//! Any bytes as a `Cookie` header: the session cookie, the cookie cache (chunks) and the
//! multi-session cookies are read from it without a panic.
#![no_main]

use better_auth_core::{fuzzing, http::HeaderMap};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = http::HeaderValue::from_bytes(data) else { return };
    let mut headers = HeaderMap::new();
    headers.insert(http::header::COOKIE, value);
    fuzzing::cookie_header(&headers);
});

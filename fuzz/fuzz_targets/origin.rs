//! Any bytes as `Origin` and `Referer` headers: the Origin check answers without a panic.
#![no_main]

use better_auth_core::{fuzzing, http::HeaderMap};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let (origin, referer) = data.split_at(split);
    let mut headers = HeaderMap::new();
    if let Ok(value) = http::HeaderValue::from_bytes(origin) {
        headers.insert(http::header::ORIGIN, value);
    }
    if let Ok(value) = http::HeaderValue::from_bytes(referer.get(1..).unwrap_or_default()) {
        headers.insert(http::header::REFERER, value);
    }
    fuzzing::origin_check(&headers);
});

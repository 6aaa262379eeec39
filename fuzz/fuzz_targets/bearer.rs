//! Any bytes as an `Authorization` header: the bearer plugin's parsing, then the signature or
//! the JWT shape test, without a panic.
#![no_main]

use better_auth_core::{SecretSet, fuzzing, http::HeaderMap, internals as signing};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = http::HeaderValue::from_bytes(data) else { return };
    let mut headers = HeaderMap::new();
    headers.insert(http::header::AUTHORIZATION, value);
    if let Some(token) = fuzzing::bearer(&headers) {
        if !signing::looks_like_jwt(&token) {
            let secrets = SecretSet::single("fuzzing-secret-of-at-least-32-characters").expect("a secret");
            let _ = signing::verify(&token, &secrets);
        }
    }
});

//! Any text as a cookie-cache (`session_data`) value, decoded with the compact, jwt and jwe
//! strategies, without a panic (and never accepted without the secret).
#![no_main]

use std::sync::OnceLock;

use better_auth_core::{SecretSet, fuzzing};
use libfuzzer_sys::fuzz_target;

fn secrets() -> &'static SecretSet {
    static SECRETS: OnceLock<SecretSet> = OnceLock::new();
    SECRETS.get_or_init(|| SecretSet::single("fuzzing-secret-of-at-least-32-characters").expect("a secret"))
}

fuzz_target!(|data: &str| {
    fuzzing::cookie_cache_decode(data, secrets());
});

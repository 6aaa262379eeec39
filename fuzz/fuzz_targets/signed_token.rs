//! Any text as a signed value: better-call's rule and the HMAC check refuse it without a panic
//! (and accept only what the secret signed).
#![no_main]

use std::sync::OnceLock;

use better_auth_core::{SecretSet, fuzzing, internals as signing};
use libfuzzer_sys::fuzz_target;

fn secrets() -> &'static SecretSet {
    static SECRETS: OnceLock<SecretSet> = OnceLock::new();
    SECRETS.get_or_init(|| SecretSet::single("fuzzing-secret-of-at-least-32-characters").expect("a secret"))
}

fuzz_target!(|data: &str| {
    let _ = signing::verify(data, secrets());
    let decoded = fuzzing::try_decode_uri_component(data);
    if let Ok(token) = signing::verify(&decoded, secrets()) {
        // Only a value the secret signed verifies.
        assert_eq!(signing::sign(token, secrets().current()), decoded.as_ref());
    }
});

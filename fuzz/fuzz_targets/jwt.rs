//! Any text as a JWT: the compact form is split and decoded, its header read, its payload
//! checked as claims, without a panic.
#![no_main]

use better_auth_core::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    fuzzing::jwt_parse_and_claims(data);
});

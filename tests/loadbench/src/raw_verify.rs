//! The floor of the JWT path, measured in the same run: how many Ed25519 signatures aws-lc-rs
//! (the crate the verifier uses) verifies per second on one thread pinned to the services' CPU,
//! over a signing input the size of a Better Auth JWT's.

use std::{
    process::Command,
    time::{Duration, Instant},
};

use aws_lc_rs::{
    rand::SystemRandom,
    signature::{ED25519, Ed25519KeyPair, KeyPair, ParsedPublicKey},
};

use crate::machine::pinning;

/// The size of the signing input: header and payload of a Better Auth JWT with a user object.
const INPUT_LEN: usize = 620;
/// How long the loop runs.
const DURATION: Duration = Duration::from_secs(3);

/// The outcome.
pub(crate) struct RawRate {
    pub(crate) per_second: f64,
    pub(crate) input_len: usize,
}

/// Runs this binary with `--raw-verify` on CPU 0 and reads its answer.
pub(crate) fn rate() -> RawRate {
    let exe = std::env::current_exe().expect("the benchmark's path");
    let mut command = if pinning() {
        let mut command = Command::new("taskset");
        command.args(["-c", "0"]).arg(&exe);
        command
    } else {
        Command::new(&exe)
    };
    let output = command
        .arg("--raw-verify")
        .output()
        .expect("run the raw verification");
    let per_second = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("a rate");
    RawRate {
        per_second,
        input_len: INPUT_LEN,
    }
}

/// The loop itself (in the pinned child): prints verifications per second.
pub(crate) fn run_here() {
    let rng = SystemRandom::new();
    let document = Ed25519KeyPair::generate_pkcs8(&rng).expect("a key");
    let pair = Ed25519KeyPair::from_pkcs8(document.as_ref()).expect("a key pair");
    let input = vec![b'e'; INPUT_LEN];
    let signature = pair.sign(&input);
    // Parsed once, as the verifier keeps its keys.
    let public = ParsedPublicKey::new(&ED25519, pair.public_key().as_ref()).expect("a public key");
    let started = Instant::now();
    let mut count = 0u64;
    while started.elapsed() < DURATION {
        for _ in 0..100 {
            assert!(
                public
                    .verify_sig(std::hint::black_box(&input), signature.as_ref())
                    .is_ok()
            );
        }
        count += 100;
    }
    println!("{:.0}", count as f64 / started.elapsed().as_secs_f64());
}

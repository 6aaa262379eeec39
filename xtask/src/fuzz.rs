//! `cargo xtask fuzz`: every cargo-fuzz target of `fuzz/` for a bounded time each.
//!
//! cargo-fuzz is installed under the target directory when it is not on the `PATH`, and the
//! stable toolchain is asked for the nightly flags libFuzzer needs (`RUSTC_BOOTSTRAP=1`), so
//! nothing beyond Rust is needed. Each run starts from the seeds of `fuzz/seeds/<target>/`
//! (well-formed inputs and every crash ever found, kept as regressions); the corpus grows under
//! `<target>/fuzz-corpus/<target>`. A crash is written to `fuzz/artifacts/<target>/` and fails
//! the task.

use std::{path::PathBuf, process::Command};

use crate::tasks::{Result, cargo, root, run};

/// The fuzz targets, in the order they run.
const TARGETS: [&str; 6] = [
    "cookie_header",
    "signed_token",
    "bearer",
    "jwt",
    "cookie_cache",
    "origin",
];

/// The cargo-fuzz release the task installs when none is on the `PATH`.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// The `cargo-fuzz` binary: the one on the `PATH`, else one installed under the target dir.
fn cargo_fuzz() -> Result<PathBuf> {
    if Command::new("cargo-fuzz")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
    {
        return Ok(PathBuf::from("cargo-fuzz"));
    }
    let tools = target_dir().join("tools");
    let binary = tools.join("bin").join("cargo-fuzz");
    if !binary.exists() {
        run(cargo()
            .args([
                "install",
                "cargo-fuzz",
                "--version",
                CARGO_FUZZ_VERSION,
                "--locked",
                "--root",
            ])
            .arg(&tools))?;
    }
    Ok(binary)
}

/// Runs each target (or the ones named) for `--seconds` (default 10).
pub(crate) fn fuzz(args: &[String]) -> Result {
    let mut seconds = 10u64;
    let mut chosen = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--seconds" {
            seconds = args
                .next()
                .and_then(|value| value.parse().ok())
                .ok_or("--seconds needs a whole number")?;
        } else if TARGETS.contains(&arg.as_str()) {
            chosen.push(arg.as_str());
        } else {
            return Err(format!("unknown fuzz target {arg:?}: one of {TARGETS:?}"));
        }
    }
    if chosen.is_empty() {
        chosen.extend(TARGETS);
    }
    let cargo_fuzz = cargo_fuzz()?;
    let fuzz_target_dir = target_dir().join("fuzz");
    for target in chosen {
        let corpus = target_dir().join("fuzz-corpus").join(target);
        std::fs::create_dir_all(&corpus)
            .map_err(|error| format!("create {}: {error}", corpus.display()))?;
        run(Command::new(&cargo_fuzz)
            .current_dir(root())
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run", "--release", "--target-dir"])
            .arg(&fuzz_target_dir)
            .arg(target)
            .arg(&corpus)
            .arg(root().join("fuzz").join("seeds").join(target))
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg("-rss_limit_mb=2048")
            .arg("-print_final_stats=1"))?;
    }
    Ok(())
}

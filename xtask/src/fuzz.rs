//! `cargo xtask fuzz`: every cargo-fuzz target of `fuzz/` for a bounded time each.
//!
//! cargo-fuzz is a tool, like cargo-nextest: when it is not on the `PATH` it is installed once
//! with `cargo install` into `$CARGO_HOME/bin` (by default `~/.cargo/bin`), where every clone
//! finds it, rather than rebuilt into each clone's target directory. The stable toolchain is
//! asked for the nightly flags libFuzzer needs (`RUSTC_BOOTSTRAP=1`), so nothing beyond Rust is
//! needed. All targets are built in one `cargo fuzz build`, then each runs. Each run starts from the seeds of `fuzz/seeds/<target>/`
//! (well-formed inputs and every crash ever found, kept as regressions); the corpus grows under
//! `<target>/fuzz-corpus/<target>`. A crash is written to `fuzz/artifacts/<target>/` and fails
//! the task.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use crate::{
    build_cache,
    build_cache::cargo,
    cmd::{Result, cargo_bin_dir, root, run, target_dir},
    timings::step,
};

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

fn answers(binary: &Path) -> bool {
    Command::new(binary)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

/// The `cargo-fuzz` binary: the one on the `PATH` or in `$CARGO_HOME/bin`, else one installed
/// there now.
fn cargo_fuzz() -> Result<PathBuf> {
    if answers(Path::new("cargo-fuzz")) {
        return Ok(PathBuf::from("cargo-fuzz"));
    }
    let installed = cargo_bin_dir().map(|bin| bin.join("cargo-fuzz"));
    if let Some(binary) = installed.as_ref().filter(|binary| answers(binary)) {
        return Ok(binary.clone());
    }
    step("fuzz: install cargo-fuzz", || {
        run(cargo().args([
            "install",
            "cargo-fuzz",
            "--version",
            CARGO_FUZZ_VERSION,
            "--locked",
        ]))
    })?;
    if answers(Path::new("cargo-fuzz")) {
        return Ok(PathBuf::from("cargo-fuzz"));
    }
    installed
        .filter(|binary| answers(binary))
        .ok_or_else(|| "cargo install cargo-fuzz succeeded but cargo-fuzz does not run".to_owned())
}

fn cargo_fuzz_command(cargo_fuzz: &Path, verb: &str) -> Command {
    let mut command = Command::new(cargo_fuzz);
    command
        .current_dir(root())
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["fuzz", verb, "--release", "--target-dir"])
        .arg(target_dir().join("fuzz"));
    build_cache::apply(&mut command);
    command
}

/// Runs each target (or the ones named) for `--seconds` (default 10).
pub(crate) fn fuzz(args: &[String]) -> Result {
    build_cache::enable(false)?;
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
    step("fuzz: build", || {
        let mut build = cargo_fuzz_command(&cargo_fuzz, "build");
        if chosen.len() == 1 {
            build.args(&chosen);
        }
        run(&mut build)
    })?;
    // libFuzzer runs on one core: as many targets at once as there are cores, each still
    // fuzzing for the full `--seconds` on a core of its own.
    let parallel = std::thread::available_parallelism().map_or(1, usize::from);
    step(
        &format!(
            "fuzz: run ({} x {seconds} s, {parallel} at once)",
            chosen.len()
        ),
        || {
            for batch in chosen.chunks(parallel) {
                let runs: Vec<_> = batch
                    .iter()
                    .map(|target| {
                        let corpus = target_dir().join("fuzz-corpus").join(target);
                        let mut command = cargo_fuzz_command(&cargo_fuzz, "run");
                        command
                            .arg(target)
                            .arg(&corpus)
                            .arg(root().join("fuzz").join("seeds").join(target))
                            .arg("--")
                            .arg(format!("-max_total_time={seconds}"))
                            .arg("-rss_limit_mb=2048")
                            .arg("-print_final_stats=1");
                        println!("xtask: running {command:?}");
                        std::thread::spawn(move || {
                            std::fs::create_dir_all(&corpus)
                                .map_err(|error| format!("create {}: {error}", corpus.display()))?;
                            let output = command
                                .output()
                                .map_err(|error| format!("cannot run {command:?}: {error}"))?;
                            Ok::<_, String>((command, output))
                        })
                    })
                    .collect();
                let mut failures = Vec::new();
                for (target, running) in batch.iter().zip(runs) {
                    let (command, output) = running
                        .join()
                        .map_err(|_| format!("the thread running {target} panicked"))??;
                    println!("xtask: fuzz target {target}:");
                    print!("{}", String::from_utf8_lossy(&output.stdout));
                    print!("{}", String::from_utf8_lossy(&output.stderr));
                    if !output.status.success() {
                        failures.push(format!("{command:?} failed ({})", output.status));
                    }
                }
                if !failures.is_empty() {
                    return Err(failures.join("\n"));
                }
            }
            Ok(())
        },
    )
}

//! The tasks: each runs commands and stops at the first failure.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use crate::services;

pub(crate) type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

pub(crate) fn run(command: &mut Command) -> Result {
    println!("xtask: running {command:?}");
    let status = command
        .status()
        .map_err(|error| format!("cannot run {command:?}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
}

pub(crate) fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.current_dir(root());
    command
}

/// Installs the Better Auth test server's npm packages (`npm ci`), unless the installed ones
/// already match `package-lock.json`.
pub(crate) fn npm_install() -> Result {
    let dir = root().join("tests").join("better-auth-server");
    let lock = std::fs::read(dir.join("package-lock.json"))
        .map_err(|error| format!("read {}: {error}", dir.join("package-lock.json").display()))?;
    let stamp_path = dir.join("node_modules").join(".better-auth-rs-lock");
    if std::fs::read(&stamp_path).is_ok_and(|stamp| stamp == lock) {
        println!("xtask: Better Auth test server packages are up to date");
        return Ok(());
    }
    let npm = std::env::var("NPM").unwrap_or_else(|_| "npm".to_owned());
    run(Command::new(&npm)
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir))
    .map_err(|error| format!("{error}: Node 20+ and npm are needed for the interop tests"))?;
    std::fs::write(&stamp_path, lock)
        .map_err(|error| format!("write {}: {error}", stamp_path.display()))
}

/// Every test of the workspace.
pub(crate) fn test(extra: &[String]) -> Result {
    npm_install()?;
    services::check_all()?;
    run(cargo()
        .args(["test", "--workspace", "--all-features", "--locked"])
        .args(extra))?;
    // The criterion benches once each, in test mode, so they cannot rot.
    if extra.is_empty() {
        run(cargo().args([
            "test",
            "--workspace",
            "--all-features",
            "--locked",
            "--benches",
        ]))?;
    }
    Ok(())
}

/// The load benchmark: release builds of the example services and of the harness, then one
/// bounded run that prints the table of `docs/benchmarks.md`.
pub(crate) fn bench(args: &[String]) -> Result {
    npm_install()?;
    for tool in ["wrk", "taskset"] {
        if Command::new(tool).arg("--version").output().is_err() {
            return Err(format!(
                "`{tool}` is needed: apt-get install {}",
                if tool == "wrk" { "wrk" } else { "util-linux" }
            ));
        }
    }
    run(cargo().args([
        "build",
        "--release",
        "--locked",
        "-p",
        "example-axum",
        "-p",
        "example-actix",
        "-p",
        "example-rocket",
        "-p",
        "example-poem",
    ]))?;
    run(cargo()
        .args([
            "run",
            "--release",
            "--locked",
            "-p",
            "better-auth-loadbench",
            "--",
        ])
        .args(args))
}

/// The soak: the load benchmark's harness in `--soak` mode (release builds).
pub(crate) fn soak(args: &[String]) -> Result {
    let mut seconds = "60".to_owned();
    let mut rest = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--seconds" {
            seconds = args.next().cloned().ok_or("--seconds needs a number")?;
        } else {
            rest.push(arg.clone());
        }
    }
    let mut forwarded = vec!["--soak".to_owned(), seconds];
    forwarded.extend(rest);
    bench(&forwarded)
}

/// Formatting, clippy and rustdoc, warnings denied.
pub(crate) fn lint() -> Result {
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(cargo()
        .args([
            "doc",
            "--workspace",
            "--no-deps",
            "--all-features",
            "--locked",
        ])
        .env("RUSTDOCFLAGS", "-D warnings"))
}

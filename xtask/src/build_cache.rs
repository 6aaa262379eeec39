//! The compiler cache for third-party code: sccache, with its cache outside the clone, in
//! `${XDG_CACHE_HOME:-$HOME/.cache}/better-auth-rs/sccache`.
//!
//! sccache keys each compilation by everything that goes into it (the compiler and its version,
//! the arguments, the source files, the environment cargo sets), so a hit is what the compiler
//! would have produced: a content-addressed cache, like the npm one. It is given the crates.io
//! dependencies (and, through the `cc` crate, their C code) and never this repository's crates:
//! cargo's `RUSTC_WRAPPER` is `xtask/rustc-wrapper.sh`, which compiles a crate whose manifest is
//! under the repository as it is and hands every other crate to sccache. (So clippy-driver, which
//! cargo puts in front of rustc for workspace members, never meets sccache either.) The
//! statistics printed at the end of `cargo xtask ci` count the hits and misses.
//!
//! `cargo xtask ci` installs sccache into `$CARGO_HOME/bin` when it is missing (a tool, like
//! cargo-nextest and cargo-fuzz); the other tasks use it when it is there. Set
//! `BETTER_AUTH_RS_BUILD_CACHE=off`, or a `RUSTC_WRAPPER` of your own, to go without.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
};

use crate::{
    cmd::{Result, cargo_bin_dir, root, run},
    timings::step,
};

/// The sccache release installed when none is found.
const SCCACHE_VERSION: &str = "0.19.0";

struct Cache {
    sccache: PathBuf,
    dir: PathBuf,
}

static CACHE: OnceLock<Option<Cache>> = OnceLock::new();

fn answers(binary: &Path) -> bool {
    Command::new(binary)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

fn find() -> Option<PathBuf> {
    if answers(Path::new("sccache")) {
        return Some(PathBuf::from("sccache"));
    }
    cargo_bin_dir()
        .map(|bin| bin.join("sccache"))
        .filter(|binary| answers(binary))
}

fn wanted() -> bool {
    // The wrapper is a bash script.
    cfg!(unix)
        && std::env::var("BETTER_AUTH_RS_BUILD_CACHE").map_or(true, |value| value != "off")
        && std::env::var_os("RUSTC_WRAPPER").is_none_or(|value| value.is_empty())
}

fn cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .map(|base| base.join("better-auth-rs").join("sccache"))
}

/// Turns the cache on for the cargo commands that follow: with sccache found, or (`install`)
/// installed now. Without it (opted out, or no home folder), builds simply do not use it.
pub(crate) fn enable(install: bool) -> Result {
    if CACHE.get().is_some() || !wanted() {
        return Ok(());
    }
    let Some(dir) = cache_dir() else {
        return Ok(());
    };
    let mut sccache = find();
    if sccache.is_none() && install {
        step("install sccache", || {
            run(
                Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())).args([
                    "install",
                    "sccache",
                    "--version",
                    SCCACHE_VERSION,
                    "--no-default-features",
                    "--locked",
                ]),
            )
        })?;
        sccache = find();
    }
    let cache = sccache.map(|sccache| Cache { sccache, dir });
    if let Some(cache) = &cache {
        println!(
            "xtask: third-party crates compiled through sccache, cache in {}",
            cache.dir.display()
        );
    }
    let _ = CACHE.set(cache);
    Ok(())
}

/// Sets the cache's environment on a cargo (or cargo-fuzz) command, when the cache is on.
pub(crate) fn apply(command: &mut Command) {
    if let Some(Some(cache)) = CACHE.get() {
        command
            .env(
                "RUSTC_WRAPPER",
                root().join("xtask").join("rustc-wrapper.sh"),
            )
            .env("BETTER_AUTH_RS_ROOT", root())
            .env("BETTER_AUTH_RS_SCCACHE", &cache.sccache)
            .env("SCCACHE_DIR", &cache.dir)
            .env("SCCACHE_CACHE_SIZE", "10G");
        // The C and C++ of the dependencies (aws-lc, SQLite, libFuzzer) through sccache too:
        // the `cc` crate takes a known wrapper in front of the compiler. Only third-party build
        // scripts compile C here.
        if std::env::var_os("CC").is_none() && std::env::var_os("CXX").is_none() {
            let sccache = cache.sccache.display();
            command
                .env("CC", format!("{sccache} cc"))
                .env("CXX", format!("{sccache} c++"));
        }
    }
}

/// Prints the cache's statistics for this run and stops its server (nothing left running).
pub(crate) fn report() {
    if let Some(Some(cache)) = CACHE.get() {
        let mut stop = Command::new(&cache.sccache);
        stop.arg("--stop-server").env("SCCACHE_DIR", &cache.dir);
        let _ = run(&mut stop);
    }
}

pub(crate) fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.current_dir(root());
    apply(&mut command);
    command
}

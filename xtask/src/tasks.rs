//! The tasks: each runs commands and stops at the first failure.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use crate::{
    build_cache::{self, cargo},
    cmd::{Result, root, run},
    manifest, public_api, services,
    timings::step,
};

/// Installs the Better Auth test server's npm packages, unless the installed ones already match
/// `package-lock.json` (the stamp in `node_modules`).
///
/// `npm ci` takes about two minutes here (better-sqlite3 is compiled by node-gyp). So the
/// installed `node_modules` is also kept in a cache outside the clone,
/// `${XDG_CACHE_HOME:-$HOME/.cache}/better-auth-rs/node_modules/<key>`, keyed by the SHA-256 of
/// `package-lock.json`, the Node version and the platform: the same lock file installed by the
/// same Node gives the same tree, so copying it back is what `npm ci` would have produced. This
/// is a content-addressed dependency cache (what CI services call actions/cache), holding only
/// third-party packages, never anything built from this repository; a changed lock file or
/// Node is a new key, hence a real `npm ci`.
pub(crate) fn npm_install() -> Result {
    step("npm packages", || {
        let dir = root().join("tests").join("better-auth-server");
        let lock = std::fs::read(dir.join("package-lock.json")).map_err(|error| {
            format!("read {}: {error}", dir.join("package-lock.json").display())
        })?;
        let modules = dir.join("node_modules");
        let stamp_path = modules.join(".better-auth-rs-lock");
        if std::fs::read(&stamp_path).is_ok_and(|stamp| stamp == lock) {
            println!("xtask: Better Auth test server packages are up to date");
            return Ok(());
        }
        let cached = npm_cache_dir(&dir).map(|cache| cache.join("node_modules"));
        match &cached {
            Some(cached) if cached.join(".better-auth-rs-lock").exists() => {
                println!("xtask: restoring node_modules from {}", cached.display());
                remove_dir(&modules)?;
                run(Command::new("cp").arg("-a").arg(cached).arg(&modules))?;
            }
            _ => {
                let npm = std::env::var("NPM").unwrap_or_else(|_| "npm".to_owned());
                run(Command::new(&npm)
                    .args(["ci", "--no-audit", "--no-fund"])
                    .current_dir(&dir))
                .map_err(|error| {
                    format!("{error}: Node 20+ and npm are needed for the interop tests")
                })?;
                std::fs::write(&stamp_path, &lock)
                    .map_err(|error| format!("write {}: {error}", stamp_path.display()))?;
                if let Some(cached) = &cached {
                    save_to_cache(&modules, cached);
                }
            }
        }
        if std::fs::read(&stamp_path).is_ok_and(|stamp| stamp == lock) {
            Ok(())
        } else {
            std::fs::write(&stamp_path, &lock)
                .map_err(|error| format!("write {}: {error}", stamp_path.display()))
        }
    })
}

/// The cache folder for this `package-lock.json` and this Node, or `None` (no cache, plain
/// `npm ci`) when Node or a home folder cannot be found.
fn npm_cache_dir(dir: &Path) -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    // Node hashes the lock file and names itself: no hashing code or tool needed here.
    let output = Command::new("node")
        .args([
            "-e",
            "const h = require('crypto').createHash('sha256').update(require('fs').readFileSync('package-lock.json')).digest('hex'); \
             process.stdout.write(`${h}-node${process.versions.node}-${process.platform}-${process.arch}`)",
        ])
        .current_dir(dir)
        .output()
        .ok()
        .filter(|output| output.status.success())?;
    let key = String::from_utf8(output.stdout).ok()?;
    if key.is_empty() || key.contains(['/', '\\']) {
        return None;
    }
    Some(
        base.join("better-auth-rs")
            .join("node_modules")
            .join(key.trim()),
    )
}

/// Copies a freshly installed `node_modules` into the cache (a failure only costs the next run
/// an `npm ci`). The copy lands under a temporary name first, then is renamed into place, so
/// that an interrupted copy is never restored.
fn save_to_cache(modules: &Path, cached: &Path) {
    let Some(entry) = cached.parent() else { return };
    let mut partial_name = entry.file_name().unwrap_or_default().to_os_string();
    partial_name.push(format!(".partial-{}", std::process::id()));
    let partial = entry.with_file_name(partial_name);
    let saved = std::fs::create_dir_all(&partial).is_ok()
        && run(Command::new("cp")
            .arg("-a")
            .arg(modules)
            .arg(partial.join("node_modules")))
        .is_ok()
        && (!entry.exists() || std::fs::remove_dir_all(entry).is_ok())
        && std::fs::rename(&partial, entry).is_ok();
    if saved {
        println!("xtask: node_modules saved to {}", cached.display());
    } else {
        let _ = std::fs::remove_dir_all(&partial);
        println!("xtask: could not save node_modules to {}", cached.display());
    }
}

fn remove_dir(dir: &Path) -> Result {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|error| format!("remove {}: {error}", dir.display()))
    } else {
        Ok(())
    }
}

/// The arguments that select what the tests build: every package, every feature, the locked
/// dependencies, test targets and benches (in test mode).
const TEST_SELECTION: [&str; 5] = [
    "--workspace",
    "--all-features",
    "--locked",
    "--tests",
    "--benches",
];

/// Every test of the workspace: the tests and the benches in one build; the tests run by
/// cargo-nextest (the timing-sensitive ones in a serial group, `.config/nextest.toml`); the doc
/// tests, which nextest cannot run; the benches once each in test mode, by cargo test from the
/// same build (see `.config/nextest.toml` for why not nextest). With arguments, only the
/// nextest run, with them.
pub(crate) fn test(extra: &[String]) -> Result {
    build_cache::enable(false)?;
    npm_install()?;
    services::check_all()?;
    step("tests: build", || {
        run(cargo()
            .args(["nextest", "run", "--no-run"])
            .args(TEST_SELECTION))
        .map_err(|error| format!("{error}: cargo-nextest is needed (cargo install cargo-nextest)"))
    })?;
    step("tests: run (nextest)", || {
        run(cargo()
            .args(["nextest", "run", "--no-tests=fail"])
            .args(TEST_SELECTION)
            .args(extra))
    })?;
    if !extra.is_empty() {
        return Ok(());
    }
    step("doc tests", || {
        run(cargo().args(["test", "--workspace", "--all-features", "--locked", "--doc"]))
    })?;
    // `--test`: criterion's test mode (each benchmark once), and the quick mode of the benches
    // with a main of their own (1,000 cache entries instead of 100,000 for the size figures;
    // their assertions are the same).
    step("benches (test mode)", || {
        run(cargo().args([
            "test",
            "--workspace",
            "--all-features",
            "--locked",
            "--benches",
            "--",
            "--test",
        ]))
    })
}

/// CI: lint, every test, then each fuzz target for 10 s (the long run is
/// `cargo xtask fuzz --seconds 600`).
pub(crate) fn ci() -> Result {
    build_cache::enable(true)?;
    lint()?;
    test(&[])?;
    crate::fuzz::fuzz(&["--seconds".to_owned(), "10".to_owned()])
}

/// The load benchmark: release builds of the example services it runs (`--frameworks`, else
/// the four) and of the harness, then one bounded run that prints the tables of
/// `docs/benchmarks.md` (with `--skewed-only`, only the skewed-load one).
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
    // The example services the run starts: `--frameworks a,b`, else the four.
    let frameworks = args
        .iter()
        .position(|arg| arg == "--frameworks")
        .and_then(|at| args.get(at + 1))
        .map_or("axum,actix,rocket,poem", String::as_str);
    let mut build = cargo();
    build.args(["build", "--release", "--locked"]);
    for framework in frameworks.split(',') {
        build.args(["-p", &format!("example-{framework}")]);
    }
    run(&mut build)?;
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

/// The abuse benchmark: signed-in users beside abusive clients, on each store, against Better
/// Auth's production profile (the load benchmark's harness in `--abuse` mode, release builds;
/// the machine's PostgreSQL, MariaDB and Redis).
pub(crate) fn abuse(args: &[String]) -> Result {
    npm_install()?;
    services::check_all()?;
    run(cargo().args(["build", "--release", "--locked", "-p", "example-axum"]))?;
    run(cargo()
        .args([
            "run",
            "--release",
            "--locked",
            "-p",
            "better-auth-loadbench",
            "--",
            "--abuse",
        ])
        .args(args))
}

/// Formatting, clippy, the feature matrix and rustdoc, warnings denied.
pub(crate) fn lint() -> Result {
    build_cache::enable(false)?;
    step("fmt", || run(cargo().args(["fmt", "--all", "--check"])))?;
    let workspace = step("manifest checks", || {
        let workspace = manifest::workspace()?;
        workspace.assert_adapter_features_forward()?;
        workspace.assert_untested_targets_have_no_tests()?;
        Ok(workspace)
    })?;
    step("clippy (all features)", || {
        run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    step("clippy (feature matrix)", || feature_matrix(&workspace))?;
    // The libraries and the binaries `cargo doc` documents by default, named.
    step("rustdoc", || {
        let mut doc = rustdoc();
        for binary in workspace.documented_binaries() {
            doc.args(["--bin", &binary]);
        }
        run(&mut doc)
    })?;
    step("public API", || public_api::check(false))
}

/// Documents the libraries (all features) and writes their public items to
/// `docs/public-api/` (`--bless`) or holds them against the lists there.
pub(crate) fn public_api(args: &[String]) -> Result {
    run(&mut rustdoc())?;
    public_api::check(args.iter().any(|arg| arg == "--bless"))
}

/// rustdoc over the workspace's libraries, all features, warnings denied. With `--examples`:
/// the workspace has no example targets, so it documents nothing more, but it resolves the
/// dependencies' features as the all-features clippy run does (with the dev-dependencies), so
/// rustdoc reads the dependencies that run already checked instead of checking them all again
/// with other features.
fn rustdoc() -> Command {
    let mut doc = cargo();
    doc.args([
        "doc",
        "--workspace",
        "--no-deps",
        "--all-features",
        "--locked",
        "--lib",
        "--examples",
    ])
    .env("RUSTDOCFLAGS", "-D warnings");
    doc
}

/// Clippy with `-D warnings` on the libraries of the core and the adapters (what a user builds)
/// with no feature, with each feature of the core alone, with the README's combination and with
/// `jwks` + `mysql`. The adapters' features only forward to the core's (checked by
/// `assert_adapter_features_forward`); each set turns on `better-auth-core/X` and every
/// adapter's `X`, so code an adapter gates on its own `X` (`OAuthToken` on `resource-server`)
/// is linted too. Tests and benches are the all-features clippy run's: the adapters' dev-dependency
/// on the core turns `test-utils` (sqlite, jwks, cookie-cache) on whatever is asked.
fn feature_matrix(workspace: &manifest::Workspace) -> Result {
    let mut sets: Vec<Vec<String>> = vec![Vec::new()];
    sets.extend(workspace.core_features.iter().map(|f| vec![f.clone()]));
    for combination in [
        &manifest::README_COMBINATION[..],
        &manifest::JWKS_WITH_MYSQL[..],
    ] {
        for feature in combination {
            if !workspace.core_features.iter().any(|f| f == feature) {
                return Err(format!(
                    "the combination's feature `{feature}` is not a feature of the core"
                ));
            }
        }
        sets.push(combination.iter().map(|f| (*f).to_owned()).collect());
    }
    let mut failed = Vec::new();
    for set in &sets {
        // The core's feature, and the adapters' forward of it (their own cfg'd code).
        let core_features: Vec<String> = set
            .iter()
            .flat_map(|f| {
                std::iter::once(format!("{}/{f}", manifest::CORE))
                    .chain(workspace.adapter_forwards(f))
            })
            .collect();
        let label = if set.is_empty() {
            "no feature".to_owned()
        } else {
            set.join("+")
        };
        let mut libraries = cargo();
        libraries.args(["clippy", "--locked", "-p", manifest::CORE]);
        for adapter in &workspace.adapters {
            libraries.args(["-p", adapter]);
        }
        libraries.args(["--lib", "--no-default-features"]);
        if !set.is_empty() {
            libraries.args(["--features", &core_features.join(",")]);
        }
        libraries.args(["--", "-D", "warnings"]);
        println!("xtask: feature matrix: {label}");
        if let Err(error) = run(&mut libraries) {
            failed.push(format!("{label}: {error}"));
        }
    }
    // Each adapter's own integrations (poem-openapi...), on their own.
    let own = workspace.own_features();
    for (adapter, feature) in &own {
        let label = format!("{adapter} ({feature})");
        let mut check = cargo();
        check.args([
            "clippy",
            "--locked",
            "-p",
            adapter,
            "--lib",
            "--no-default-features",
        ]);
        check.args(["--features", feature, "--", "-D", "warnings"]);
        println!("xtask: feature matrix: {label}");
        if let Err(error) = run(&mut check) {
            failed.push(format!("{label}: {error}"));
        }
    }
    // The test kit on its own: as users build it (no feature, each database writer), and as the
    // adapters' tests do.
    let kit_features = [
        None,
        Some("conformance"),
        Some("postgres"),
        Some("sqlite"),
        Some("mysql"),
    ];
    for features in kit_features {
        let label = format!(
            "{} ({})",
            manifest::TESTKIT,
            features.unwrap_or("no feature")
        );
        let mut kit = cargo();
        kit.args(["clippy", "--locked", "-p", manifest::TESTKIT, "--lib"]);
        if let Some(features) = features {
            kit.args(["--features", features]);
        }
        kit.args(["--", "-D", "warnings"]);
        println!("xtask: feature matrix: {label}");
        if let Err(error) = run(&mut kit) {
            failed.push(format!("{label}: {error}"));
        }
    }
    let checks = sets.len() + own.len() + kit_features.len();
    if failed.is_empty() {
        println!("xtask: feature matrix: {checks} checks pass");
        Ok(())
    } else {
        Err(format!(
            "feature matrix: {} of {checks} checks failed:\n  {}",
            failed.len(),
            failed.join("\n  ")
        ))
    }
}

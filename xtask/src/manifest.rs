//! What `cargo metadata` says about the workspace, read so that the lint steps cannot drift from
//! the manifests: the core's features (the feature matrix), the adapters' features (which must
//! only forward to the core's), and the targets marked `test = false` / `doctest = false`
//! (which must really have nothing to run).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Stdio,
};

use serde_json::Value;

use crate::{
    build_cache::cargo,
    cmd::{Result, root},
};

/// The core crate; its features are the matrix.
pub(crate) const CORE: &str = "better-auth-core";

/// The test kit: not an adapter (its one feature is internal, for the adapters' conformance
/// tests); the feature matrix checks it on its own, so that its dependency on the core's `jwks`
/// does not turn that feature on for the core's checks.
pub(crate) const TESTKIT: &str = "better-auth-testkit";

/// The doctor: a binary over the core with every store feature on; not an adapter either (it
/// would turn those features on for the matrix's checks of the core).
pub(crate) const CLI: &str = "better-auth-cli";

/// The features the README tells users to combine ("features `postgres`, `sqlite`, `jwks`").
pub(crate) const README_COMBINATION: [&str; 3] = ["postgres", "sqlite", "jwks"];

/// `jwks` with the one SQL store the README's combination leaves out: the JWKS table source is
/// compiled per SQL dialect, and MySQL alone is the case that once matched an empty enum.
pub(crate) const JWKS_WITH_MYSQL: [&str; 2] = ["jwks", "mysql"];

/// The workspace as the lint steps need it.
pub(crate) struct Workspace {
    /// Every feature of the core but `default` and the internal `_`-prefixed ones, sorted.
    pub(crate) core_features: Vec<String>,
    /// The adapter crates (every package under `crates/` but the core, the test kit and the
    /// doctor), sorted.
    pub(crate) adapters: Vec<String>,
    packages: Vec<Value>,
}

/// Reads `cargo metadata` (workspace members only).
pub(crate) fn workspace() -> Result<Workspace> {
    let output = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps", "--locked"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| format!("cannot run cargo metadata: {error}"))?;
    if !output.status.success() {
        return Err(format!("cargo metadata failed ({})", output.status));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|error| format!("cargo metadata: {error}"))?;
    let packages = metadata["packages"]
        .as_array()
        .cloned()
        .ok_or("cargo metadata: no packages")?;
    let core = packages
        .iter()
        .find(|package| package["name"] == CORE)
        .ok_or("cargo metadata: no better-auth-core")?;
    let core_features: Vec<String> = features(core)
        .into_keys()
        .filter(|name| name != "default" && !name.starts_with('_'))
        .collect();
    let crates_dir = root().join("crates");
    let mut adapters: Vec<String> = packages
        .iter()
        .filter(|package| {
            ![CORE, TESTKIT, CLI]
                .iter()
                .any(|name| package["name"] == *name)
        })
        .filter(|package| {
            package["manifest_path"]
                .as_str()
                .is_some_and(|path| Path::new(path).starts_with(&crates_dir))
        })
        .filter_map(|package| package["name"].as_str().map(str::to_owned))
        .collect();
    adapters.sort();
    Ok(Workspace {
        core_features,
        adapters,
        packages,
    })
}

fn features(package: &Value) -> BTreeMap<String, Vec<String>> {
    package["features"]
        .as_object()
        .map(|features| {
            features
                .iter()
                .map(|(name, enables)| {
                    let enables = enables
                        .as_array()
                        .map(|list| {
                            list.iter()
                                .filter_map(|item| item.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default();
                    (name.clone(), enables)
                })
                .collect()
        })
        .unwrap_or_default()
}

impl Workspace {
    fn package(&self, name: &str) -> Option<&Value> {
        self.packages.iter().find(|package| package["name"] == name)
    }

    /// Fails unless every feature of every adapter is `X = ["better-auth-core/X"]` for a feature
    /// X of the core (and `default` is empty), or an integration of the adapter's own that only
    /// turns on optional dependencies (`openapi = ["dep:poem-openapi"]`, listed by
    /// [`own_features`](Self::own_features) and checked on its own by the matrix): then
    /// building the adapters with `--features better-auth-core/X` is building each adapter with
    /// its feature X, and one clippy run per core feature checks every adapter's feature of
    /// that name.
    pub(crate) fn assert_adapter_features_forward(&self) -> Result {
        let mut problems = Vec::new();
        for adapter in &self.adapters {
            let Some(package) = self.package(adapter) else {
                continue;
            };
            for (name, enables) in features(package) {
                let forward = [format!("{CORE}/{name}")];
                let pure = if name == "default" {
                    enables.is_empty()
                } else {
                    enables == forward && self.core_features.contains(&name)
                        || is_own_integration(&enables)
                };
                if !pure {
                    problems.push(format!(
                        "{adapter}: feature `{name} = {enables:?}` is not a pure forward \
                         (`{name} = [\"{CORE}/{name}\"]`, default empty); the feature matrix of \
                         `cargo xtask lint` assumes it is: check this feature on its own there"
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }

    /// `adapter/name` for each adapter that has a feature `name` (a forward of the core's): the
    /// feature matrix turns it on beside `better-auth-core/name`, so an adapter's own
    /// `#[cfg(feature = "name")]` code is built too.
    pub(crate) fn adapter_forwards(&self, name: &str) -> Vec<String> {
        self.adapters
            .iter()
            .filter(|adapter| {
                self.package(adapter)
                    .is_some_and(|package| features(package).contains_key(name))
            })
            .map(|adapter| format!("{adapter}/{name}"))
            .collect()
    }

    /// The adapters' own integration features (`(adapter, feature)`): those that only turn on
    /// optional dependencies, checked one by one by the feature matrix.
    pub(crate) fn own_features(&self) -> Vec<(String, String)> {
        let mut own = Vec::new();
        for adapter in &self.adapters {
            let Some(package) = self.package(adapter) else {
                continue;
            };
            for (name, enables) in features(package) {
                if name != "default" && is_own_integration(&enables) {
                    own.push((adapter.clone(), name));
                }
            }
        }
        own
    }

    /// The binaries `cargo doc` documents by default: every binary of the workspace but those
    /// whose crate name is their package's library's (rustdoc would write both to one folder).
    pub(crate) fn documented_binaries(&self) -> Vec<String> {
        let mut binaries = Vec::new();
        for package in &self.packages {
            let targets = package["targets"].as_array().cloned().unwrap_or_default();
            let kinds = |target: &Value| -> Vec<String> {
                target["kind"]
                    .as_array()
                    .map(|kinds| {
                        kinds
                            .iter()
                            .filter_map(|kind| kind.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let crate_name = |target: &Value| {
                target["name"]
                    .as_str()
                    .unwrap_or_default()
                    .replace('-', "_")
            };
            let library = targets
                .iter()
                .find(|target| kinds(target).iter().any(|kind| kind == "lib"))
                .map(crate_name);
            for target in &targets {
                if kinds(target).iter().any(|kind| kind == "bin")
                    && library.as_deref() != Some(crate_name(target).as_str())
                {
                    binaries.extend(target["name"].as_str().map(str::to_owned));
                }
            }
        }
        binaries.sort();
        binaries
    }

    /// Fails if a target that cargo is told not to test (`test = false`, `doctest = false`)
    /// has tests after all, which would then silently never run: a `#[test]`-like attribute or
    /// `#[cfg(test)]` in its sources, or a code block in its doc comments.
    pub(crate) fn assert_untested_targets_have_no_tests(&self) -> Result {
        let mut problems = Vec::new();
        for package in &self.packages {
            let name = package["name"].as_str().unwrap_or_default();
            let targets = package["targets"].as_array().cloned().unwrap_or_default();
            for target in &targets {
                let kinds: Vec<&str> = target["kind"]
                    .as_array()
                    .map(|kinds| kinds.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if !kinds.iter().any(|kind| ["lib", "bin"].contains(kind)) {
                    continue;
                }
                let Some(src) = target["src_path"].as_str().map(PathBuf::from) else {
                    continue;
                };
                let no_tests = target["test"] == false;
                let no_doctests = kinds.contains(&"lib") && target["doctest"] == false;
                if !no_tests && !no_doctests {
                    continue;
                }
                // The target's own folder, unless a tested target of the package shares it
                // (then only the target's own file).
                let dir = src.parent().map(Path::to_path_buf).unwrap_or_default();
                let shared = targets.iter().any(|other| {
                    other != target
                        && other["test"] == true
                        && other["src_path"]
                            .as_str()
                            .is_some_and(|path| Path::new(path).parent() == Some(dir.as_path()))
                });
                let files = if shared {
                    vec![src.clone()]
                } else {
                    rust_files(&dir)
                };
                for file in files {
                    let text = std::fs::read_to_string(&file).unwrap_or_default();
                    for (index, line) in text.lines().enumerate() {
                        let code = line.trim_start();
                        let test_marker = code.starts_with("#[")
                            && (code.contains("test]")
                                || code.contains("::test")
                                || code.contains("async_test")
                                || code.contains("cfg(test)"));
                        let doc_block = (code.starts_with("///") || code.starts_with("//!"))
                            && code.contains("```");
                        if (no_tests && test_marker) || (no_doctests && doc_block) {
                            problems.push(format!(
                                "{}:{}: {name} target `{}` has {} but its manifest says {}",
                                file.display(),
                                index + 1,
                                target["name"].as_str().unwrap_or_default(),
                                if test_marker { "a test" } else { "a doc test" },
                                if test_marker {
                                    "test = false"
                                } else {
                                    "doctest = false"
                                },
                            ));
                        }
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A feature that only turns on optional dependencies of its own package.
fn is_own_integration(enables: &[String]) -> bool {
    !enables.is_empty() && enables.iter().all(|item| item.starts_with("dep:"))
}

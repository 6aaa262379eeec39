//! The public API of each library crate, as rustdoc lists it (`target/doc/<crate>/all.html`, all
//! features, `#[doc(hidden)]` items left out), held against the lists committed under
//! `docs/public-api/`. A public item added or removed without updating its list fails the lint,
//! so the API cannot grow unnoticed; `cargo xtask public-api --bless` writes the lists anew after
//! a deliberate change (review the diff).

use std::path::PathBuf;

use crate::cmd::{Result, root, target_dir};

/// The library crates whose public items are counted.
const LIBRARIES: [&str; 7] = [
    "better_auth_core",
    "better_auth_axum",
    "better_auth_actix",
    "better_auth_rocket",
    "better_auth_poem",
    "better_auth_testkit",
    "better_auth_cli",
];

fn doc_dir() -> PathBuf {
    target_dir().join("doc")
}

/// The public items rustdoc documented for `library`, one path a line, sorted.
fn documented(library: &str) -> Result<Vec<String>> {
    let page = doc_dir().join(library).join("all.html");
    let html = std::fs::read_to_string(&page).map_err(|error| {
        format!(
            "read {}: {error} (run `cargo doc` first, as the lint does)",
            page.display()
        )
    })?;
    let mut items: Vec<String> = html
        .split("<li><a href=\"")
        .skip(1)
        .filter_map(|entry| {
            let (href, rest) = entry.split_once("\">")?;
            if href.starts_with('#') {
                return None;
            }
            let (name, _) = rest.split_once("</a>")?;
            let kind = href.rsplit('/').next()?.split('.').next()?;
            Some(format!("{kind} {library}::{name}"))
        })
        .collect();
    items.sort();
    items.dedup();
    Ok(items)
}

fn list_path(library: &str) -> PathBuf {
    root()
        .join("docs")
        .join("public-api")
        .join(format!("{library}.txt"))
}

/// Compares each crate's documented items with its committed list (or, with `bless`, writes
/// the lists). Prints the count of each crate.
pub(crate) fn check(bless: bool) -> Result {
    let mut differences = Vec::new();
    for library in LIBRARIES {
        let items = documented(library)?;
        println!("xtask: {library}: {} public items", items.len());
        let path = list_path(library);
        let text = items.join("\n") + "\n";
        if bless {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|error| format!("create {}: {error}", dir.display()))?;
            }
            std::fs::write(&path, text)
                .map_err(|error| format!("write {}: {error}", path.display()))?;
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != text {
            let before: Vec<&str> = committed.lines().collect();
            let added: Vec<&String> = items
                .iter()
                .filter(|item| !before.contains(&item.as_str()))
                .collect();
            let removed: Vec<&&str> = before
                .iter()
                .filter(|item| !items.iter().any(|now| now == *item))
                .collect();
            differences.push(format!("{library}: added {added:?}, removed {removed:?}"));
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the public API changed: {}. If that is deliberate, run `cargo xtask public-api \
             --bless` and commit docs/public-api/",
            differences.join("; ")
        ))
    }
}

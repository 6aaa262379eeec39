//! The documentation cannot drift from the code: the configuration reference names every
//! variable `Authenticator::from_env()` reads, and no page names a variable that does not exist.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The variables the core reads: `pub const NAME: &str = "VARIABLE";` in `config/env.rs` (the
/// authenticator's) and `resource_server/env.rs` (the OAuth resource server's).
fn variables() -> Vec<String> {
    let source = ["config/env.rs", "resource_server/env.rs"]
        .map(|file| {
            std::fs::read_to_string(root().join("crates/better-auth-core/src").join(file)).unwrap()
        })
        .join("\n");
    source
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub const "))
        .filter_map(|rest| rest.split_once(": &str = \""))
        .filter_map(|(_, value)| value.strip_suffix("\";"))
        .map(str::to_owned)
        .collect()
}

/// Every `BETTER_AUTH_…` word of `text`.
fn mentioned(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit()))
        .filter(|word| word.starts_with("BETTER_AUTH_") && word.len() > "BETTER_AUTH_".len())
        .map(|word| word.trim_end_matches('_').to_owned())
        .collect()
}

#[test]
fn the_configuration_reference_names_every_variable() {
    let variables = variables();
    assert!(variables.len() > 20, "{variables:?}");
    let reference = std::fs::read_to_string(root().join("docs/configuration.md")).unwrap();
    for variable in &variables {
        assert!(
            reference.contains(&format!("`{variable}")),
            "docs/configuration.md does not name {variable}"
        );
    }
}

#[test]
fn no_page_names_a_variable_that_does_not_exist() {
    let variables = variables();
    // Variables of the test harness and the benchmarks, not of the library.
    let tooling = ["BETTER_AUTH_RS_BUILD_CACHE"];
    let mut pages = vec![root().join("README.md")];
    for folder in [
        "docs",
        "docs/shapes",
        "crates/better-auth-cli",
        "crates/better-auth-testkit",
    ] {
        for entry in std::fs::read_dir(root().join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "md") {
                pages.push(path);
            }
        }
    }
    for adapter in ["axum", "actix", "rocket", "poem", "core"] {
        pages.push(root().join(format!("crates/better-auth-{adapter}/README.md")));
    }
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        for word in mentioned(&text) {
            assert!(
                variables.contains(&word) || tooling.contains(&word.as_str()),
                "{} names {word}, which the library does not read",
                page.display()
            );
        }
    }
}

/// Every Markdown page of the repository a user reads: the README, `docs/`, the crates' and
/// examples' READMEs.
fn pages() -> Vec<std::path::PathBuf> {
    let mut pages = vec![root().join("README.md")];
    for folder in ["docs", "docs/shapes"] {
        for entry in std::fs::read_dir(root().join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "md") {
                pages.push(path);
            }
        }
    }
    for folder in ["crates", "examples"] {
        for entry in std::fs::read_dir(root().join(folder)).unwrap() {
            let readme = entry.unwrap().path().join("README.md");
            if readme.exists() {
                pages.push(readme);
            }
        }
    }
    pages.sort();
    pages
}

/// The anchors GitHub gives a page's headings: lowercased, punctuation but `-` and `_` dropped,
/// spaces made `-`, a repeated one numbered.
fn anchors(page: &str) -> Vec<String> {
    let mut anchors: Vec<String> = Vec::new();
    let mut in_code = false;
    for line in page.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        if in_code || !line.starts_with('#') {
            continue;
        }
        let heading = line.trim_start_matches('#').trim();
        let slug: String = heading
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || [' ', '-', '_'].contains(c))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let seen = anchors
            .iter()
            .filter(|a| {
                **a == slug
                    || a.strip_prefix(&format!("{slug}-"))
                        .is_some_and(|n| n.parse::<u32>().is_ok())
            })
            .count();
        anchors.push(if seen == 0 {
            slug
        } else {
            format!("{slug}-{seen}")
        });
    }
    anchors
}

/// The targets of a page's Markdown links (`[text](target)`), outside code blocks.
fn links(page: &str) -> Vec<String> {
    let mut links = Vec::new();
    let mut in_code = false;
    for line in page.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            if let Some(end) = rest.find(')') {
                links.push(rest[..end].to_owned());
                rest = &rest[end..];
            }
        }
    }
    links
}

#[test]
fn no_link_between_pages_is_dangling() {
    let mut dangling = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for link in links(&text) {
            // Web addresses, and rustdoc's intra-doc links of a crate's README (`crate::env`,
            // `mod@env`), which `cargo doc` with warnings denied checks.
            let intra_doc = link.contains("::") || link.contains('@');
            if link.contains("://") || link.starts_with("mailto:") || intra_doc {
                continue;
            }
            let (path, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let target = if path.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(path)
            };
            if !target.exists() {
                dangling.push(format!("{}: {link} (no such file)", page.display()));
                continue;
            }
            if !anchor.is_empty() && target.extension().is_some_and(|ext| ext == "md") {
                let target_text = std::fs::read_to_string(&target).unwrap();
                if !anchors(&target_text).iter().any(|a| a == anchor) {
                    dangling.push(format!("{}: {link} (no such heading)", page.display()));
                }
            }
        }
    }
    assert!(
        dangling.is_empty(),
        "dangling links:\n{}",
        dangling.join("\n")
    );
}

#[test]
fn the_error_table_names_every_code() {
    let page = std::fs::read_to_string(root().join("docs/adapters.md")).unwrap();
    let table = page
        .split("## Statuses and codes")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").nth(1))
        .unwrap();
    for code in better_auth_core::AuthError::CODES {
        assert!(
            table.contains(&format!("`{code}`")),
            "docs/adapters.md's table of statuses and codes lacks `{code}`"
        );
    }
}

#[test]
fn the_readme_names_every_feature() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let table = readme
        .split("| feature")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap();
    for entry in std::fs::read_dir(root().join("crates")).unwrap() {
        let manifest = std::fs::read_to_string(entry.unwrap().path().join("Cargo.toml")).unwrap();
        let Some(features) = manifest.split("[features]").nth(1) else {
            continue;
        };
        // A feature documented with `## ` is public; `#` comments mark internal ones.
        let mut documented = false;
        for line in features.lines().take_while(|line| !line.starts_with('[')) {
            if line.starts_with("## ") {
                documented = true;
            } else if let Some((name, _)) = line.split_once(" = ") {
                if documented {
                    assert!(
                        table.contains(&format!("`{}`", name.trim())),
                        "the README's feature table lacks `{}`",
                        name.trim()
                    );
                }
                documented = false;
            } else if !line.starts_with("##") {
                documented = false;
            }
        }
    }
}

#[test]
fn every_file_a_page_names_exists() {
    let mut missing = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for (index, quoted) in text.split('`').enumerate() {
            // Odd pieces are inside backticks; `tests/conformance.rs` alone is each crate's.
            let looks_like_a_path = index % 2 == 1
                && quoted.matches('/').count() >= 2
                && ["crates/", "tests/", "examples/", "xtask/", "docs/"]
                    .iter()
                    .any(|folder| quoted.starts_with(folder))
                && !quoted.contains(['*', '{', '<', ' ']);
            if looks_like_a_path && !root().join(quoted.trim_end_matches('/')).exists() {
                missing.push(format!("{}: `{quoted}`", page.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "pages name files that do not exist:\n{}",
        missing.join("\n")
    );
}

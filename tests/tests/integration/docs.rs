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

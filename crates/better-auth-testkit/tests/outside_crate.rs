//! The kit as a downstream app meets it: a new crate outside this workspace, depending on ours
//! by path, tests its protected axum route with the kit in under 20 lines, with no service
//! running (no Node, no database, no network: `cargo --offline`).

use std::{path::Path, process::Command};

/// The downstream app: one route only admins may call.
const APP: &str = r#"
use axum::{Router, routing::get};
use better_auth_axum::{AuthRejection, AuthUser, Authenticator};

async fn admin(user: AuthUser) -> Result<String, AuthRejection> {
    user.require_role("admin")?;
    Ok(format!("hello {}", user.user.email))
}

pub fn app(auth: Authenticator) -> Router {
    Router::new().route("/admin", get(admin)).with_state(auth)
}
"#;

/// Its test, the way its authors would write it.
const TEST: &str = r#"use axum::{body::Body, http::Request};
use better_auth_testkit::TestAuth;
use tower::ServiceExt;

#[tokio::test]
async fn only_admins_get_in() {
    let auth = TestAuth::new();
    let root = auth.user("root@example.com").role("admin").create();
    let alice = auth.user("alice@example.com").create();
    for (user, status) in [(&root, 200), (&alice, 403)] {
        let cookie = auth.session(user).create().cookie();
        let request = Request::get("/admin").header("cookie", cookie).body(Body::empty()).unwrap();
        let response = downstream::app(auth.authenticator()).oneshot(request).await.unwrap();
        assert_eq!(response.status(), status);
    }
}
"#;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_crate_outside_the_workspace_tests_its_axum_route_with_the_kit() {
    let test_lines = TEST.lines().count();
    assert!(test_lines < 20, "the test is {test_lines} lines");

    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let workspace = workspace.canonicalize().unwrap();
    let dir = std::env::temp_dir().join(format!("better-auth-downstream-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let crates = workspace.join("crates");
    write(
        &dir.join("Cargo.toml"),
        &format!(
            r#"[package]
name = "downstream"
edition = "2024"
publish = false

[workspace]

[dependencies]
axum = {{ version = "0.8", default-features = false, features = ["tokio", "http1"] }}
better-auth-axum = {{ path = "{axum}" }}

[dev-dependencies]
better-auth-testkit = {{ path = "{kit}" }}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}
tower = {{ version = "0.5", features = ["util"] }}
"#,
            axum = crates.join("better-auth-axum").display(),
            kit = crates.join("better-auth-testkit").display(),
        ),
    );
    write(&dir.join("src/lib.rs"), APP);
    write(&dir.join("tests/admin.rs"), TEST);
    // Our lockfile: the same versions as this build, so no network is needed and the
    // compilations of the shared target directory are reused.
    std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| workspace.join("target"));
    let output = Command::new(cargo)
        .current_dir(&dir)
        .args(["test", "--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", target)
        // No Better Auth, no database: the kit needs neither.
        .env_remove("DATABASE_URL")
        .env_remove("BETTER_AUTH_URL")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "cargo test of the downstream crate failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("1 passed"),
        "the downstream test ran: {stdout}"
    );
}

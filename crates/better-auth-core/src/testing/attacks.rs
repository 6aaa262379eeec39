//! The attack corpus: `corpus/attacks.jsonl`, one case a line, each with the request to send and
//! the outcome expected, run against every adapter. Header values may hold placeholders that the
//! fixture fills in, so that a case breaks exactly one thing about an otherwise valid
//! credential:
//!
//! | placeholder | becomes |
//! |---|---|
//! | `{cookie:USER}` | `better-auth.session_token=<signed, encoded token of USER>` |
//! | `{value:USER}`, `{signed:USER}`, `{token:USER}`, `{sig:USER}` | the encoded cookie value, `TOKEN.SIG`, `TOKEN`, `SIG` |
//! | `{sign:TEXT}`, `{sign_enc:TEXT}`, `{foreign:TEXT}` | TEXT signed with the secret (encoded or not), or with another secret |
//! | `{enc:TEXT}`, `{repeat:N:TEXT}` | `encodeURIComponent(TEXT)`, TEXT N times |
//! | `{double:USER}`, `{long_signed:N}` | USER's cookie value encoded twice; a signed token of N characters |
//! | `{jwt:VARIANT:USER}` | a JWT for USER broken as VARIANT says (see `forge.rs`) |
//! | `{cache:VARIANT:USER}` | a cookie-cache (`session_data`) value, likewise |
//!
//! USER is `alice`, `root`, `bob` (banned) or `carol` (expired session). A case expects a status,
//! and an error `code` or the user the body must name (`user`), or a null user (`null_user`).

use serde::Deserialize;

use super::{Fixture, FixtureUser, TestClient, TestRequest};
use crate::{js::encode_uri_component, secret::SecretSet, signing};

/// The corpus, one JSON case a line.
pub const ATTACK_CORPUS: &str = include_str!("../../corpus/attacks.jsonl");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default = "get")]
    method: String,
    #[serde(default = "me")]
    path: String,
    #[serde(default)]
    headers: Vec<(String, String)>,
    status: u16,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    null_user: bool,
}

fn get() -> String {
    "GET".to_owned()
}

fn me() -> String {
    "/me".to_owned()
}

fn user(name: &str) -> FixtureUser {
    match name {
        "alice" => FixtureUser::Alice,
        "root" => FixtureUser::Root,
        "bob" => FixtureUser::Bob,
        "carol" => FixtureUser::Carol,
        other => panic!("unknown fixture user {other}"),
    }
}

/// Fills the placeholders of one header value.
fn expand(template: &str, fixture: &Fixture) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = &rest[start + 1..start + end];
        out.push_str(&fill(inner, fixture));
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

fn fill(placeholder: &str, fixture: &Fixture) -> String {
    let (kind, argument) = placeholder.split_once(':').unwrap_or((placeholder, ""));
    let secret = fixture.secrets.current();
    match kind {
        "cookie" => fixture.cookie(user(argument)),
        "value" => signing::cookie_value(&user(argument).token(), secret),
        "signed" => signing::sign(&user(argument).token(), secret),
        "token" => user(argument).token(),
        "sig" => {
            let signed = signing::sign(&user(argument).token(), secret);
            signed
                .rsplit_once('.')
                .map(|(_, sig)| sig.to_owned())
                .unwrap_or_default()
        }
        "sign" => signing::sign(argument, secret),
        "sign_enc" => encode_uri_component(&signing::sign(argument, secret)),
        "foreign" => {
            let other =
                SecretSet::single("another-secret-of-at-least-32-characters").expect("a secret");
            signing::sign(argument, other.current())
        }
        "enc" => encode_uri_component(argument),
        "double" => encode_uri_component(&signing::cookie_value(&user(argument).token(), secret)),
        "long_signed" => {
            let length: usize = argument.parse().expect("{long_signed:N}");
            encode_uri_component(&signing::sign(&"a".repeat(length), secret))
        }
        "repeat" => {
            let (count, text) = argument.split_once(':').expect("{repeat:N:TEXT}");
            text.repeat(count.parse().expect("a count"))
        }
        "jwt" => {
            let (variant, name) = argument.split_once(':').expect("{jwt:VARIANT:USER}");
            fixture.jwt_variant(variant, user(name))
        }
        "cache" => {
            let (variant, name) = argument.split_once(':').expect("{cache:VARIANT:USER}");
            fixture.cache_variant(variant, user(name))
        }
        other => panic!("unknown placeholder {other}"),
    }
}

/// One case of the corpus, its placeholders filled in by a fixture.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AttackCase {
    /// Its line in `attacks.jsonl` (1-based).
    pub line: usize,
    /// What it tries.
    pub name: String,
    /// The request's method and path (`GET /me` unless the case says otherwise).
    pub method: String,
    /// The path.
    pub path: String,
    /// The headers, placeholders filled in.
    pub headers: Vec<(String, String)>,
    /// The expected status.
    pub status: u16,
    /// The expected error code, for a refusal.
    pub code: Option<String>,
    /// The id of the user the body must name, for a pass.
    pub user_id: Option<&'static str>,
    /// Whether the body must name no user.
    pub null_user: bool,
}

/// Every case of the corpus, with `fixture`'s credentials filled in.
pub fn attack_cases(fixture: &Fixture) -> Vec<AttackCase> {
    let mut cases = Vec::new();
    for (line, text) in ATTACK_CORPUS.lines().enumerate() {
        let text = text.trim();
        if text.is_empty() || text.starts_with("//") {
            continue;
        }
        let case: Case = serde_json::from_str(text)
            .unwrap_or_else(|error| panic!("attacks.jsonl line {}: {error}", line + 1));
        cases.push(AttackCase {
            line: line + 1,
            headers: case
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), expand(value, fixture)))
                .collect(),
            name: case.name,
            method: case.method,
            path: case.path,
            status: case.status,
            code: case.code,
            user_id: case.user.as_deref().map(|name| user(name).id()),
            null_user: case.null_user,
        });
    }
    cases
}

/// Runs every case of the corpus against the contract app built on
/// [`Fixture::authenticator`]. Panics with the list of failed cases. Every answer must be the
/// expected one: no 5xx, no pass, the same in every adapter.
pub async fn run_attacks(client: &impl TestClient, fixture: &Fixture) {
    let mut failures = Vec::new();
    let cases = attack_cases(fixture);
    for case in &cases {
        let request = TestRequest {
            method: case.method.clone(),
            path: case.path.clone(),
            headers: case.headers.clone(),
        };
        let response = client.send(request).await;
        let body = response.json();
        let mut problems = Vec::new();
        if response.status != case.status {
            problems.push(format!(
                "status {} (expected {})",
                response.status, case.status
            ));
        }
        if response.status >= 500 {
            problems.push("a server error".to_owned());
        }
        if let Some(code) = &case.code
            && body["code"] != code.as_str()
        {
            problems.push(format!("code {} (expected {code})", body["code"]));
        }
        if let Some(id) = case.user_id
            && body["user"]["id"] != id
        {
            problems.push(format!("user {} (expected {id})", body["user"]["id"]));
        }
        if case.null_user && !body["user"].is_null() {
            problems.push(format!("user {} (expected null)", body["user"]));
        }
        if case.status >= 400 && !body["code"].is_string() {
            problems.push("no JSON error body".to_owned());
        }
        if !problems.is_empty() {
            failures.push(format!(
                "line {} {}: {}",
                case.line,
                case.name,
                problems.join("; ")
            ));
        }
    }
    assert!(cases.len() >= 100, "the corpus has {} cases", cases.len());
    assert!(
        failures.is_empty(),
        "attack corpus failures:\n  {}",
        failures.join("\n  ")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_parses() {
        for (line, text) in ATTACK_CORPUS.lines().enumerate() {
            let text = text.trim();
            if text.is_empty() || text.starts_with("//") {
                continue;
            }
            serde_json::from_str::<Case>(text)
                .unwrap_or_else(|error| panic!("line {}: {error}", line + 1));
        }
    }
}

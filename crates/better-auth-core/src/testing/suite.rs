//! The cases. Every failure is collected, then reported together.

use serde_json::Value;

use super::{
    Fixture, FixtureApiKey, FixtureUser, TestClient, TestRequest, TestResponse,
    fixture::TRUSTED_ORIGIN,
};

/// A check of a JSON body.
type BodyCheck = fn(&Value) -> Result<(), String>;

/// What a case expects.
struct Expect {
    status: u16,
    /// The error code in the JSON body, for errors.
    code: Option<&'static str>,
    /// A check of the JSON body, for successes.
    body: Option<BodyCheck>,
}

fn error(status: u16, code: &'static str) -> Expect {
    Expect {
        status,
        code: Some(code),
        body: None,
    }
}

fn ok(status: u16, body: BodyCheck) -> Expect {
    Expect {
        status,
        code: None,
        body: Some(body),
    }
}

fn request(method: &str, path: &str, headers: Vec<(&'static str, String)>) -> TestRequest {
    TestRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        headers: headers
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect(),
    }
}

fn check(body: &Value, ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("{what}: body {body}"))
    }
}

fn me_as(
    via: &'static str,
    email: &'static str,
    with_session: bool,
) -> impl Fn(&Value) -> Result<(), String> {
    move |body: &Value| {
        check(body, body["via"] == via, "via")?;
        check(body, body["user"]["email"] == email, "user.email")?;
        check(body, body["session"].is_object() == with_session, "session")?;
        check(
            body,
            body["session"]["token"].is_null(),
            "the session token is never sent",
        )
    }
}

fn verify(name: &str, response: &TestResponse, expect: &Expect, failures: &mut Vec<String>) {
    let body = response.json();
    let mut problems = Vec::new();
    if response.status != expect.status {
        problems.push(format!(
            "status {} (expected {})",
            response.status, expect.status
        ));
    }
    if let Some(code) = expect.code {
        if body["code"] != code {
            problems.push(format!("code {} (expected {code})", body["code"]));
        }
        if !body["message"].is_string() {
            problems.push("no message".to_owned());
        }
        if !response
            .header("content-type")
            .is_some_and(|ct| ct.starts_with("application/json"))
        {
            problems.push(format!(
                "content-type {:?}",
                response.header("content-type")
            ));
        }
        let challenge = response.header("www-authenticate");
        if (expect.status == 401) != challenge.is_some() {
            problems.push(format!(
                "www-authenticate {challenge:?} with status {}",
                expect.status
            ));
        }
    }
    if let Some(check_body) = expect.body
        && let Err(problem) = check_body(&body)
    {
        problems.push(problem);
    }
    if !problems.is_empty() {
        failures.push(format!("{name}: {}", problems.join("; ")));
    }
}

/// Runs every case against the contract app built on [`Fixture::authenticator`]. Panics with the
/// list of failed cases.
pub async fn run(client: &impl TestClient, fixture: &Fixture) {
    use FixtureUser::{Alice, Bob, Carol, Root};
    let cookie = |user| vec![("cookie", fixture.cookie(user))];
    let bearer = |token: String| vec![("authorization", format!("Bearer {token}"))];
    let with = |mut headers: Vec<(&'static str, String)>, extra: (&'static str, &str)| {
        headers.push((extra.0, extra.1.to_owned()));
        headers
    };
    let tampered = {
        let value = fixture.cookie(Alice);
        let at = value.find('=').map_or(0, |i| i + 1);
        let mut tampered = value.clone();
        let replacement = if &value[at..=at] == "x" { "y" } else { "x" };
        tampered.replace_range(at..=at, replacement);
        tampered
    };
    let me_alice_cookie = me_as("cookie", "alice@example.com", true);
    let me_alice_bearer = me_as("bearer", "alice@example.com", true);
    let me_alice_jwt = me_as("jwt", "alice@example.com", false);
    let me_alice_api_key = me_as("api_key", "alice@example.com", false);

    let cases: Vec<(&str, TestRequest, Expect)> = vec![
        // Authentication.
        (
            "no credentials",
            request("GET", "/me", vec![]),
            error(401, "missing_credentials"),
        ),
        (
            "session cookie",
            request("GET", "/me", cookie(Alice)),
            Expect {
                status: 200,
                code: None,
                body: None,
            },
        ),
        (
            "signed bearer session token",
            request("GET", "/me", bearer(fixture.bearer(Alice))),
            Expect {
                status: 200,
                code: None,
                body: None,
            },
        ),
        (
            "JWT",
            request("GET", "/me", bearer(fixture.jwt(Alice, 600))),
            Expect {
                status: 200,
                code: None,
                body: None,
            },
        ),
        (
            "tampered cookie",
            request("GET", "/me", vec![("cookie", tampered.clone())]),
            error(401, "invalid_signature"),
        ),
        (
            "unsigned cookie",
            request(
                "GET",
                "/me",
                vec![("cookie", "better-auth.session_token=abc".to_owned())],
            ),
            error(401, "malformed_credentials"),
        ),
        (
            "expired session",
            request("GET", "/me", cookie(Carol)),
            error(401, "session_expired"),
        ),
        (
            "unknown session",
            request("GET", "/me", bearer("no-such-session-token".to_owned())),
            error(401, "session_not_found"),
        ),
        (
            "expired JWT",
            request("GET", "/me", bearer(fixture.jwt(Alice, -60))),
            error(401, "token_expired"),
        ),
        (
            "garbage JWT",
            request("GET", "/me", bearer("eyJhbGciOiJub25lIn0.e30.".to_owned())),
            error(401, "invalid_token"),
        ),
        (
            "API key",
            request(
                "GET",
                "/me",
                vec![("x-api-key", FixtureApiKey::Valid.key())],
            ),
            Expect {
                status: 200,
                code: None,
                body: None,
            },
        ),
        (
            "API key with no requests left",
            request(
                "GET",
                "/me",
                vec![("x-api-key", FixtureApiKey::Exhausted.key())],
            ),
            error(429, "api_key_exhausted"),
        ),
        (
            "banned user by cookie",
            request("GET", "/me", cookie(Bob)),
            error(403, "user_banned"),
        ),
        (
            "banned user by JWT",
            request("GET", "/me", bearer(fixture.jwt(Bob, 600))),
            error(403, "user_banned"),
        ),
        (
            "oversized cookie",
            request(
                "GET",
                "/me",
                vec![(
                    "cookie",
                    format!("better-auth.session_token={}", "a".repeat(9000)),
                )],
            ),
            error(401, "malformed_credentials"),
        ),
        // Optional.
        (
            "optional, none",
            request("GET", "/optional", vec![]),
            ok(200, |b| check(b, b["user"].is_null(), "user is null")),
        ),
        (
            "optional, tampered",
            request("GET", "/optional", vec![("cookie", tampered.clone())]),
            ok(200, |b| check(b, b["user"].is_null(), "user is null")),
        ),
        (
            "optional, expired",
            request("GET", "/optional", cookie(Carol)),
            ok(200, |b| check(b, b["user"].is_null(), "user is null")),
        ),
        (
            "optional, signed in",
            request("GET", "/optional", cookie(Alice)),
            ok(200, |b| {
                check(b, b["user"]["email"] == "alice@example.com", "user")
            }),
        ),
        // Authorization.
        (
            "admin, unauthenticated",
            request("GET", "/admin", vec![]),
            error(401, "missing_credentials"),
        ),
        (
            "admin, a user",
            request("GET", "/admin", cookie(Alice)),
            error(403, "missing_role"),
        ),
        (
            "admin, an admin among several roles",
            request("GET", "/admin", cookie(Root)),
            ok(200, |b| {
                check(b, b["user"]["email"] == "root@example.com", "user")
            }),
        ),
        (
            "admin, an admin by JWT",
            request("GET", "/admin", bearer(fixture.jwt(Root, 600))),
            ok(200, |b| check(b, b["user"]["id"] == "user-root", "user")),
        ),
        // The Origin check for cookie-authenticated state changes.
        (
            "POST by cookie, no Origin",
            request("POST", "/notes", cookie(Alice)),
            error(403, "missing_origin"),
        ),
        (
            "POST by cookie, untrusted Origin",
            request(
                "POST",
                "/notes",
                with(cookie(Alice), ("origin", "https://evil.example")),
            ),
            error(403, "untrusted_origin"),
        ),
        (
            "POST by cookie, null Origin",
            request("POST", "/notes", with(cookie(Alice), ("origin", "null"))),
            error(403, "missing_origin"),
        ),
        (
            "POST by cookie, base URL Origin",
            request(
                "POST",
                "/notes",
                with(cookie(Alice), ("origin", "http://localhost:3000")),
            ),
            ok(201, |b| check(b, b["by"] == "user-alice", "by")),
        ),
        (
            "POST by cookie, trusted Origin",
            request(
                "POST",
                "/notes",
                with(cookie(Alice), ("origin", TRUSTED_ORIGIN)),
            ),
            ok(201, |b| check(b, b["ok"] == true, "ok")),
        ),
        (
            "POST by cookie, trusted Referer",
            request(
                "POST",
                "/notes",
                with(
                    cookie(Alice),
                    ("referer", "https://app.example.com/notes/new"),
                ),
            ),
            ok(201, |b| check(b, b["ok"] == true, "ok")),
        ),
        (
            "POST by bearer, no Origin",
            request("POST", "/notes", bearer(fixture.bearer(Alice))),
            ok(201, |b| check(b, b["by"] == "user-alice", "by")),
        ),
        (
            "POST by JWT, no Origin",
            request("POST", "/notes", bearer(fixture.jwt(Alice, 600))),
            ok(201, |b| check(b, b["by"] == "user-alice", "by")),
        ),
        (
            "POST, no credentials",
            request("POST", "/notes", vec![]),
            error(401, "missing_credentials"),
        ),
        // Health, the public route, the private one.
        (
            "healthz",
            request("GET", "/healthz", vec![]),
            Expect {
                status: 200,
                code: None,
                body: None,
            },
        ),
        (
            "public, no credentials",
            request("GET", "/public", vec![]),
            Expect {
                status: 200,
                code: None,
                body: None,
            },
        ),
        (
            "public, a tampered cookie",
            request("GET", "/public", vec![("cookie", tampered.clone())]),
            Expect {
                status: 200,
                code: None,
                body: None,
            },
        ),
        (
            "private, no credentials",
            request("GET", "/private", vec![]),
            error(401, "missing_credentials"),
        ),
        (
            "private, signed in",
            request("GET", "/private", cookie(Alice)),
            Expect {
                status: 200,
                code: None,
                body: None,
            },
        ),
    ];

    let mut failures = Vec::new();
    for (name, req, expect) in cases {
        let response = client.send(req).await;
        verify(name, &response, &expect, &mut failures);
    }
    for (name, req, body_check) in [
        (
            "me by cookie",
            request("GET", "/me", cookie(Alice)),
            &me_alice_cookie as &(dyn Fn(&Value) -> Result<(), String> + Sync),
        ),
        (
            "me by bearer",
            request("GET", "/me", bearer(fixture.bearer(Alice))),
            &me_alice_bearer,
        ),
        (
            "me by JWT",
            request("GET", "/me", bearer(fixture.jwt(Alice, 600))),
            &me_alice_jwt,
        ),
        (
            "me by API key",
            request(
                "GET",
                "/me",
                vec![("x-api-key", FixtureApiKey::Valid.key())],
            ),
            &me_alice_api_key,
        ),
    ] {
        let response = client.send(req).await;
        if let Err(problem) = body_check(&response.json()) {
            failures.push(format!("{name}: {problem}"));
        }
    }
    refresh_cases(client, fixture, &mut failures).await;
    assert!(
        failures.is_empty(),
        "conformance failures:\n  {}",
        failures.join("\n  ")
    );
}

/// A due session is refreshed and the response carries what Better Auth sends: the session
/// cookie set again (cookie) and `set-auth-token` (bearer), through the adapter's layer,
/// middleware or fairing, which the contract app must install; also when the handler then
/// answers with an error.
async fn refresh_cases(client: &impl TestClient, fixture: &Fixture, failures: &mut Vec<String>) {
    let by_cookie = client
        .send(request(
            "GET",
            "/me",
            vec![("cookie", fixture.refreshable_cookie())],
        ))
        .await;
    let expected = fixture.refreshed_cookie();
    if by_cookie.status != 200 || by_cookie.header("set-cookie") != Some(expected.as_str()) {
        failures.push(format!(
            "refresh by cookie: status {}, set-cookie {:?} (expected {expected:?})",
            by_cookie.status,
            by_cookie.header("set-cookie")
        ));
    }
    let again = client
        .send(request(
            "GET",
            "/me",
            vec![("cookie", fixture.refreshable_cookie())],
        ))
        .await;
    if again.status != 200 || again.header("set-cookie").is_some() {
        failures.push(format!(
            "refresh by cookie, second request: status {}, set-cookie {:?} (a refreshed session is not due again)",
            again.status,
            again.header("set-cookie")
        ));
    }
    // Through a route whose handler then refuses (Alice is no admin): the refresh happened,
    // and the handler's error response carries its headers too.
    let token = fixture.refreshable_bearer();
    let by_bearer = client
        .send(request(
            "GET",
            "/admin",
            vec![("authorization", format!("Bearer {token}"))],
        ))
        .await;
    if by_bearer.status != 403 || by_bearer.header("set-auth-token") != Some(token.as_str()) {
        failures.push(format!(
            "refresh by bearer, then the handler's refusal: status {} (expected 403), set-auth-token present: {}",
            by_bearer.status,
            by_bearer.header("set-auth-token").is_some()
        ));
    }
}

/// Runs the error-rendering cases against the contract app built on
/// [`Fixture::authenticator_with_custom_errors`]: the adapter must send the configured rendering
/// (status, headers, body), for extractor and guard rejections alike.
pub async fn run_custom_errors(client: &impl TestClient, fixture: &Fixture) {
    let mut failures = Vec::new();
    for (name, req, status, body) in [
        (
            "missing credentials",
            request("GET", "/me", vec![]),
            418,
            "denied: missing_credentials",
        ),
        (
            "guard",
            request(
                "GET",
                "/admin",
                vec![("cookie", fixture.cookie(FixtureUser::Alice))],
            ),
            403,
            "denied: missing_role",
        ),
        (
            "origin",
            request(
                "POST",
                "/notes",
                vec![("cookie", fixture.cookie(FixtureUser::Alice))],
            ),
            403,
            "denied: missing_origin",
        ),
    ] {
        let response = client.send(req).await;
        let text = String::from_utf8_lossy(&response.body);
        if response.status != status
            || text != body
            || response.header("content-type") != Some("text/plain")
        {
            failures.push(format!(
                "{name}: {} {:?} {text:?} (expected {status} text/plain {body:?})",
                response.status,
                response.header("content-type")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "custom error failures:\n  {}",
        failures.join("\n  ")
    );
}

/// Runs the outage cases against the contract app built on [`Fixture::broken_authenticator`]:
/// a session that cannot be checked is a 503, never a pass and never "anonymous".
pub async fn run_backend_down(client: &impl TestClient, fixture: &Fixture) {
    let cookie = vec![("cookie", fixture.cookie(FixtureUser::Alice))];
    let cases: Vec<(&str, TestRequest, Expect)> = vec![
        (
            "me by cookie",
            request("GET", "/me", cookie.clone()),
            error(503, "backend_unavailable"),
        ),
        (
            "optional by cookie",
            request("GET", "/optional", cookie.clone()),
            error(503, "backend_unavailable"),
        ),
        (
            "admin by cookie",
            request("GET", "/admin", cookie),
            error(503, "backend_unavailable"),
        ),
        (
            "healthz",
            request("GET", "/healthz", vec![]),
            error(503, "backend_unavailable"),
        ),
        (
            "me without credentials",
            request("GET", "/me", vec![]),
            error(401, "missing_credentials"),
        ),
    ];
    let mut failures = Vec::new();
    for (name, req, expect) in cases {
        let response = client.send(req).await;
        verify(name, &response, &expect, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "outage failures:\n  {}",
        failures.join("\n  ")
    );
}

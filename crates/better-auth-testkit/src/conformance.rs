//! Internal (feature `conformance`): the scenario every adapter's conformance test runs with
//! the kit's credentials against its example service, through its framework's own test client,
//! so that the kit is exercised on all four frameworks and cannot drift from them.
// Test code: a failed step panics with its reason.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use better_auth_core::testing::{TestClient, TestRequest, TestResponse};
use serde_json::json;

use crate::{TEST_BASE_URL, TestAuth};

async fn send(
    client: &impl TestClient,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> TestResponse {
    client
        .send(TestRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            headers: headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        })
        .await
}

fn expect(what: &str, response: &TestResponse, status: u16, code: Option<&str>) {
    let body = response.json();
    assert_eq!(
        response.status, status,
        "{what}: {status} expected, got {} {body}",
        response.status
    );
    if let Some(code) = code {
        assert_eq!(body["code"], code, "{what}: {body}");
    }
}

/// Runs the scenario against the example service built on `auth.authenticator()`, behind
/// `client`: every kind of credential accepted as its user, the refusals production gives, the
/// organization routes, and a 503 while the store is down.
#[doc(hidden)]
pub async fn run(client: &impl TestClient, auth: &TestAuth) {
    let alice = auth.user("alice@example.com").role("admin").create();
    let session = auth.session(&alice).create();
    for (what, header, value, via) in [
        ("cookie", "cookie", session.cookie(), "cookie"),
        ("bearer", "authorization", session.bearer(), "bearer"),
        ("JWT", "authorization", auth.jwt(&alice).bearer(), "jwt"),
        (
            "API key",
            "x-api-key",
            auth.api_key(&alice).create().key().to_owned(),
            "api_key",
        ),
    ] {
        let response = send(client, "GET", "/me", &[(header, &value)]).await;
        expect(what, &response, 200, None);
        let body = response.json();
        assert_eq!(body["user"]["id"], alice.id.as_str(), "{what}: {body}");
        assert_eq!(body["via"], via, "{what}: {body}");
    }
    expect(
        "admin role",
        &send(client, "GET", "/admin", &[("cookie", &session.cookie())]).await,
        200,
        None,
    );

    let bob = auth.user("bob@example.com").create();
    let bob_jwt = auth.jwt(&bob).bearer();
    expect(
        "no admin role",
        &send(client, "GET", "/admin", &[("authorization", &bob_jwt)]).await,
        403,
        Some("missing_role"),
    );
    let expired = auth.session(&bob).expired().create();
    expect(
        "expired session",
        &send(client, "GET", "/me", &[("cookie", &expired.cookie())]).await,
        401,
        Some("session_expired"),
    );
    let banned = auth
        .user("mallory@example.com")
        .banned("spam", None)
        .create();
    let banned_cookie = auth.session(&banned).create().cookie();
    expect(
        "banned user",
        &send(client, "GET", "/me", &[("cookie", &banned_cookie)]).await,
        403,
        Some("user_banned"),
    );

    // Organizations: the member's role as stored, the guards of the example's routes.
    let acme = auth.organization("Acme").create();
    auth.add_member(&acme, &alice, "admin");
    auth.add_member(&acme, &bob, "owner");
    let alice_org = auth.session(&alice).active_organization(&acme).create();
    let response = send(client, "GET", "/org", &[("cookie", &alice_org.cookie())]).await;
    expect("organization", &response, 200, None);
    assert_eq!(
        response.json(),
        json!({"organizationId": acme.id, "role": "admin", "roles": ["admin"], "teamId": null})
    );
    expect(
        "no active organization",
        &send(client, "GET", "/org", &[("cookie", &session.cookie())]).await,
        403,
        Some("no_active_organization"),
    );
    let bob_org = auth.session(&bob).active_organization(&acme).create();
    for (what, cookie, status, code) in [
        (
            "an admin may not delete it",
            alice_org.cookie(),
            403,
            Some("missing_permission"),
        ),
        ("the owner may", bob_org.cookie(), 200, None),
    ] {
        let headers = [("cookie", cookie.as_str()), ("origin", TEST_BASE_URL)];
        expect(
            what,
            &send(client, "DELETE", "/org", &headers).await,
            status,
            code,
        );
    }

    // The backend down: 503, never a pass; then back.
    auth.store().set_down(true);
    expect(
        "store down",
        &send(client, "GET", "/me", &[("cookie", &session.cookie())]).await,
        503,
        None,
    );
    expect(
        "health, store down",
        &send(client, "GET", "/healthz", &[]).await,
        503,
        None,
    );
    auth.store().set_down(false);
    expect(
        "store back",
        &send(client, "GET", "/me", &[("cookie", &session.cookie())]).await,
        200,
        None,
    );
}

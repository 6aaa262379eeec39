//! Traffic shared by the telemetry tests: every kind of credential, good and bad.

use better_auth_core::{
    CacheOptions,
    access_control::Permissions,
    http::{HeaderMap, HeaderValue},
};
use better_auth_testkit::{TEST_SECRET, TestAuth};
use chrono::Duration;

pub(crate) fn headers(name: &'static str, value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(name, HeaderValue::from_str(value).unwrap());
    headers
}

/// Sends every kind of credential, good and bad, through the kit's authenticator (with the
/// in-process cache); returns every credential it made, in every form a client sends it.
pub(crate) async fn traffic(auth: &TestAuth) -> Vec<String> {
    let authenticator = auth
        .authenticator_builder()
        .cache(CacheOptions::with_ttl(std::time::Duration::from_secs(60)))
        .build()
        .unwrap();
    let mut secrets = Vec::new();
    let alice = auth.user("alice@example.com").role("admin").create();
    let acme = auth.organization("Acme").create();
    auth.add_member(&acme, &alice, "owner");
    let session = auth.session(&alice).active_organization(&acme).create();
    let due = auth
        .session(&alice)
        .created_ago(Duration::days(2))
        .expires_in(Duration::days(5))
        .create();
    let expired = auth.session(&alice).expired().create();
    let jwt = auth.jwt(&alice).sign();
    let old_jwt = auth.jwt(&alice).expires_in(Duration::minutes(-1)).sign();
    let key = auth.api_key(&alice).create();
    let exhausted = auth.api_key(&alice).remaining(0).create();
    // One character of each signature changed (not the last, whose low bits base64 ignores).
    let tamper = |value: &str| {
        let mut bytes = value.as_bytes().to_vec();
        let at = bytes.len() - 10;
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    let tampered_jwt = tamper(&jwt);
    // The cookie's token, not its signature: the signature is percent-encoded, and changing an
    // escape would make it malformed rather than wrong.
    let tampered_cookie = {
        let cookie = session.cookie();
        let (name, value) = cookie.split_once('=').unwrap();
        let first = if value.starts_with('A') { 'B' } else { 'A' };
        format!("{name}={first}{}", &value[1..])
    };
    secrets.push(tampered_cookie.clone());
    for credential in [&session, &due, &expired] {
        secrets.extend([
            credential.token().to_owned(),
            credential.signed_token().to_owned(),
            credential.cookie(),
        ]);
        // The signature alone.
        secrets.push(
            credential
                .signed_token()
                .rsplit('.')
                .next()
                .unwrap()
                .to_owned(),
        );
    }
    for token in [&jwt, &old_jwt, &tampered_jwt] {
        secrets.push(token.clone());
        secrets.push(token.rsplit('.').next().unwrap().to_owned());
    }
    secrets.extend([
        key.key().to_owned(),
        exhausted.key().to_owned(),
        TEST_SECRET.to_owned(),
    ]);

    let requests = [
        headers("cookie", &session.cookie()),
        headers("cookie", &session.cookie()),
        headers("cookie", &due.cookie()),
        headers("cookie", &expired.cookie()),
        headers("cookie", &tampered_cookie),
        headers("authorization", &session.bearer()),
        headers("authorization", &format!("Bearer {jwt}")),
        headers("authorization", &format!("Bearer {old_jwt}")),
        headers("authorization", &format!("Bearer {tampered_jwt}")),
        headers("x-api-key", key.key()),
        headers("x-api-key", exhausted.key()),
        headers("x-api-key", &format!("{}Z", key.key())),
        HeaderMap::new(),
    ];
    for request in &requests {
        let outcome = authenticator.authenticate_request("GET", request).await;
        if let Ok(user) = outcome.required() {
            let _ = user.membership().await;
            let _ = user
                .has_organization_permission(&Permissions::new([("member", ["create"])]))
                .await;
        }
    }
    // The direct entry point, as a handler of one's own would call it.
    authenticator
        .authenticate(&headers("cookie", &session.cookie()))
        .await
        .unwrap();
    // A POST with a cookie from an untrusted origin, and the backend down.
    let mut post = headers("cookie", &session.cookie());
    post.insert("origin", HeaderValue::from_static("https://evil.example"));
    authenticator.authenticate_request("POST", &post).await;
    auth.store().set_down(true);
    let fresh = auth.session(&alice).create();
    secrets.extend([fresh.token().to_owned(), fresh.cookie()]);
    authenticator
        .authenticate_request("GET", &headers("cookie", &fresh.cookie()))
        .await;
    auth.store().set_down(false);
    secrets
}

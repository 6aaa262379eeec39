//! The OAuth resource-server scenario every example service runs against a REAL Better Auth
//! OAuth provider (`@better-auth/oauth-provider`): tokens are issued over its HTTP API
//! (client credentials, authorization code with PKCE), and the service's `/items` and
//! `/.well-known/oauth-protected-resource` must accept and refuse them as RFC 6750 and the
//! service contract say.

use std::time::Duration;

use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};

use crate::{
    SECRET,
    oauth_provider::{Client, OAuthProvider, RES, RES2},
    scenario::ExampleService,
};

/// What a refused request answered: status, `WWW-Authenticate`, JSON body.
struct Answer {
    status: StatusCode,
    challenge: String,
    body: Value,
}

async fn call(service: &ExampleService, method: Method, token: Option<&str>) -> Answer {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut request = client.request(method, format!("{}/items", service.base_url()));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = request.send().await.expect("the example service answers");
    let status = response.status();
    let challenge = challenge_of(response.headers());
    let body = response.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        challenge,
        body,
    }
}

fn challenge_of(headers: &HeaderMap) -> String {
    headers
        .get("www-authenticate")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// A 401 with the RFC 6750 `invalid_token` challenge pointing at the metadata.
fn assert_invalid_token(what: &str, answer: &Answer, metadata_url: &str) {
    assert_eq!(answer.status, 401, "{what}: {}", answer.body);
    assert!(
        answer
            .challenge
            .starts_with(r#"Bearer error="invalid_token""#),
        "{what}: {}",
        answer.challenge
    );
    assert!(
        answer
            .challenge
            .contains(&format!(r#"resource_metadata="{metadata_url}""#)),
        "{what}: {}",
        answer.challenge
    );
    assert_eq!(answer.body["error"], "invalid_token", "{what}");
}

/// The body `/items` answers for a token of `client` (`sub` as given).
fn identity(sub: &str, client: &Client, scopes: &[&str]) -> Value {
    json!({"sub": sub, "clientId": client.id, "scopes": scopes})
}

/// The scenario, against the example binary at `binary`.
pub async fn run(binary: &str) {
    // User tokens live 2 s (the expiry case); client tokens an hour.
    let provider = OAuthProvider::start_with_lifetimes(2, 3600).await;
    // The service's own confidential client: linked to its resource, and it may get
    // client-credentials tokens, so that the opaque ones (issued without a resource, which
    // only the issuing client may introspect) are its own.
    let service_client = provider
        .admin_create_client(json!({
            "client_name": "items service",
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["client_credentials"],
            "client_credentials_scopes": ["read:items"],
        }))
        .await;
    provider.link_resource(&service_client, RES).await;
    let m2m = provider.create_m2m_client().await;
    provider.link_resource(&m2m, RES2).await;
    let url = provider.db().url();
    let service = ExampleService::start(
        binary,
        &[
            ("DATABASE_URL", &url),
            ("BETTER_AUTH_SECRET", SECRET),
            ("BETTER_AUTH_URL", provider.base_url()),
            ("BETTER_AUTH_RESOURCE", RES),
            ("BETTER_AUTH_RESOURCE_SCOPES", "read:items write:items"),
            ("BETTER_AUTH_OAUTH_CLIENT_ID", &service_client.id),
            ("BETTER_AUTH_OAUTH_CLIENT_SECRET", &service_client.secret),
            ("BETTER_AUTH_OAUTH_ALLOW_MISSING_AUDIENCE", "true"),
            // Every opaque use is asked of the provider, so a revocation shows at once.
            ("BETTER_AUTH_OAUTH_INTROSPECTION_TTL", "0"),
        ],
    )
    .await;
    let metadata_url = format!("{RES}/.well-known/oauth-protected-resource");

    // RFC 9728 metadata: the resource and its authorization server.
    let (status, metadata) = service
        .get("/.well-known/oauth-protected-resource", &[])
        .await;
    assert_eq!(status, 200, "{metadata}");
    assert_eq!(metadata["resource"], RES);
    assert_eq!(
        metadata["authorization_servers"],
        json!([provider.issuer()])
    );
    assert_eq!(metadata["bearer_methods_supported"], json!(["header"]));
    assert_eq!(
        metadata["scopes_supported"],
        json!(["read:items", "write:items"])
    );

    // A client-credentials JWT for this resource: accepted, its scopes enforced.
    let read = provider
        .client_credentials_token(&m2m, Some(RES), Some("read:items"))
        .await;
    assert!(read.is_jwt(), "{:?}", read.body);
    let answer = call(&service, Method::GET, Some(&read.access_token)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, identity(&m2m.id, &m2m, &["read:items"]));
    let answer = call(&service, Method::POST, Some(&read.access_token)).await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert_eq!(
        answer.challenge,
        format!(
            r#"Bearer error="insufficient_scope", scope="write:items", resource_metadata="{metadata_url}", error_description="insufficient scope""#
        )
    );
    assert_eq!(answer.body["error"], "insufficient_scope");
    let write = provider
        .client_credentials_token(&m2m, Some(RES), Some("write:items"))
        .await;
    let answer = call(&service, Method::POST, Some(&write.access_token)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.body, identity(&m2m.id, &m2m, &["write:items"]));
    let answer = call(&service, Method::GET, Some(&write.access_token)).await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(
        answer.challenge.contains(r#"scope="read:items""#),
        "{}",
        answer.challenge
    );

    // The session routes do not take an access token for a session (same keys, not the same
    // kind of token).
    let (status, body) = service
        .get(
            "/me",
            &[("authorization", &format!("Bearer {}", read.access_token))],
        )
        .await;
    assert_eq!(status, 401, "an access token on a session route: {body}");

    // Refused with 401 invalid_token: none, tampered, another resource's, a session's.
    assert_invalid_token(
        "no token",
        &call(&service, Method::GET, None).await,
        &metadata_url,
    );
    let mut tampered = read.access_token.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert_invalid_token(
        "tampered signature",
        &call(&service, Method::GET, Some(&tampered)).await,
        &metadata_url,
    );
    let other = provider
        .client_credentials_token(&m2m, Some(RES2), Some("read:items"))
        .await;
    assert_eq!(other.claims()["aud"], RES2);
    assert_invalid_token(
        "a token for another resource",
        &call(&service, Method::GET, Some(&other.access_token)).await,
        &metadata_url,
    );
    let alice = provider.sign_up("alice@example.test").await;
    let session_jwt = provider.server().get_jwt(&alice.cookie_header()).await;
    assert_invalid_token(
        "a session JWT of the same Better Auth (same keys)",
        &call(&service, Method::GET, Some(&session_jwt)).await,
        &metadata_url,
    );
    let session_token = alice.auth_token.clone().expect("set-auth-token");
    assert_invalid_token(
        "a session bearer token",
        &call(&service, Method::GET, Some(&session_token)).await,
        &metadata_url,
    );

    // Another Better Auth's provider (its own keys and issuer), same resource name: refused.
    let foreign = OAuthProvider::start().await;
    let foreign_client = foreign.create_m2m_client().await;
    let foreign_token = foreign
        .client_credentials_token(&foreign_client, Some(RES), Some("read:items"))
        .await;
    assert_invalid_token(
        "another provider's token",
        &call(&service, Method::GET, Some(&foreign_token.access_token)).await,
        &metadata_url,
    );
    drop(foreign);

    // A user's token (authorization code + PKCE): the user is the subject.
    let web = provider.create_web_client().await;
    let user = provider
        .authorization_code_token(&alice.cookie_header(), &web, "openid read:items", Some(RES))
        .await;
    let answer = call(&service, Method::GET, Some(&user.access_token)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.body,
        identity(&alice.user_id(), &web, &["openid", "read:items"])
    );

    // An opaque token (no resource), introspected by the service's client; revoked: refused.
    let opaque = provider
        .client_credentials_token(&service_client, None, Some("read:items"))
        .await;
    assert!(!opaque.is_jwt());
    let answer = call(&service, Method::GET, Some(&opaque.access_token)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.body,
        identity(&service_client.id, &service_client, &["read:items"])
    );
    assert_eq!(
        provider.revoke(&service_client, &opaque.access_token).await,
        200
    );
    assert_invalid_token(
        "a revoked opaque token",
        &call(&service, Method::GET, Some(&opaque.access_token)).await,
        &metadata_url,
    );

    // Better Auth as production runs it: its introspection allows 100 calls a minute per
    // client address. One client sending 120 random opaque-shaped tokens spends its own (its
    // requests end in 429) and another client's opaque token goes on answering 200, each call
    // carrying the address of the client it is made for (no miss budget here: the worst case).
    let unbudgeted = ExampleService::start(
        binary,
        &[
            ("DATABASE_URL", &url),
            ("BETTER_AUTH_SECRET", SECRET),
            ("BETTER_AUTH_URL", provider.base_url()),
            ("BETTER_AUTH_RESOURCE", RES),
            ("BETTER_AUTH_OAUTH_CLIENT_ID", &service_client.id),
            ("BETTER_AUTH_OAUTH_CLIENT_SECRET", &service_client.secret),
            ("BETTER_AUTH_OAUTH_ALLOW_MISSING_AUDIENCE", "true"),
            ("BETTER_AUTH_OAUTH_INTROSPECTION_TTL", "0"),
            ("BETTER_AUTH_MISS_BUDGET", "off"),
        ],
    )
    .await;
    let good = provider
        .client_credentials_token(&service_client, None, Some("read:items"))
        .await;
    let attacker = unbudgeted.client_from([127, 0, 0, 66].into());
    let victim = unbudgeted.client_from([127, 0, 0, 7].into());
    let mut limited = 0;
    for _ in 0..120 {
        let token = crate::random_text(32, crate::LETTERS);
        let (status, body) = attacker
            .get("/items", &[("authorization", &format!("Bearer {token}"))])
            .await;
        match status.as_u16() {
            401 => {}
            429 => {
                assert_eq!(body["code"], "rate_limited", "{body}");
                limited += 1;
            }
            other => panic!("a random opaque token answered {other}: {body}"),
        }
    }
    assert!(
        limited >= 10,
        "the provider's limit for the attacker: {limited} of 120"
    );
    for _ in 0..3 {
        let (status, body) = victim
            .get(
                "/items",
                &[("authorization", &format!("Bearer {}", good.access_token))],
            )
            .await;
        assert_eq!(
            status, 200,
            "another client, after one client's flood: {body}"
        );
    }
    drop(unbudgeted);

    // The user's token expires (2 s, plus the 5 s leeway): refused.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let expired = call(&service, Method::GET, Some(&user.access_token)).await;
    assert_invalid_token("an expired token", &expired, &metadata_url);
    assert_eq!(expired.body["code"], "token_expired");

    // The provider down: an opaque token cannot be asked about (503, no challenge), while a
    // JWT still verifies with the keys at hand.
    let unused = provider
        .client_credentials_token(&service_client, None, Some("read:items"))
        .await;
    drop(provider);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let answer = call(&service, Method::GET, Some(&unused.access_token)).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(answer.challenge, "");
    let answer = call(&service, Method::GET, Some(&read.access_token)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

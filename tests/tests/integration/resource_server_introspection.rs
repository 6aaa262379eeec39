//! `ResourceServer`'s introspection of opaque tokens against a REAL Better Auth OAuth
//! provider: answers cached (and shared by concurrent requests) until the TTL, revocation seen
//! once the cache is off, both client authentication methods, and a provider that refuses the
//! service's client or is down answered with 503, never a pass and never a 401.

use better_auth_core::{
    AuthError,
    resource_server::{ClientAuthMethod, IntrospectionOptions, ResourceServer},
};
use better_auth_tests::oauth_provider::{Client, OAuthProvider, RES};
use serde_json::json;

/// A client of `provider` that gets opaque client-credentials tokens (`read:items`) and
/// introspects them (only the issuing client may, for a token without a resource).
async fn service_client(provider: &OAuthProvider, method: &str) -> Client {
    provider
        .admin_create_client(json!({
            "client_name": "service",
            "token_endpoint_auth_method": method,
            "grant_types": ["client_credentials"],
            "client_credentials_scopes": ["read:items"],
        }))
        .await
}

fn resource_server(
    provider: &OAuthProvider,
    client: &Client,
    options: IntrospectionOptions,
) -> ResourceServer {
    let base = url::Url::parse(provider.base_url()).unwrap();
    ResourceServer::builder(RES, &base)
        .unwrap()
        .introspection(&client.id, &client.secret)
        .introspection_options(options)
        .allow_missing_audience(true)
        .build()
        .unwrap()
}

fn options(method: ClientAuthMethod, max_ttl_secs: u64) -> IntrospectionOptions {
    let mut options = IntrospectionOptions::default();
    options.auth_method = method;
    options.max_ttl = std::time::Duration::from_secs(max_ttl_secs);
    options
}

#[tokio::test]
async fn answers_are_cached_and_shared_then_revocation_shows_without_the_cache() {
    let provider = OAuthProvider::start().await;
    let client = service_client(&provider, "client_secret_basic").await;
    let cached = resource_server(
        &provider,
        &client,
        options(ClientAuthMethod::ClientSecretBasic, 60),
    );
    let token = provider
        .client_credentials_token(&client, None, Some("read:items"))
        .await
        .access_token;

    // 32 concurrent requests with a new token: one call; then hits.
    let answers = futures::future::join_all((0..32).map(|_| cached.verify_token(&token))).await;
    for answer in &answers {
        let token = answer.as_ref().expect("active");
        assert_eq!(token.client_id, client.id);
        assert!(token.has_scope("read:items"));
    }
    cached.verify_token(&token).await.unwrap();
    assert_eq!(cached.introspection_calls(), 1);

    let uncached = resource_server(
        &provider,
        &client,
        options(ClientAuthMethod::ClientSecretBasic, 0),
    );
    uncached.verify_token(&token).await.unwrap();
    uncached.verify_token(&token).await.unwrap();
    assert_eq!(uncached.introspection_calls(), 2);

    assert_eq!(provider.revoke(&client, &token).await, 200);
    assert!(matches!(
        uncached.verify_token(&token).await,
        Err(AuthError::InvalidToken { .. })
    ));
    // The cached answer is reused until its TTL: the price of the cache (documented).
    assert!(cached.verify_token(&token).await.is_ok());
    // An inactive answer is cached briefly too: asking again makes no call.
    let calls = uncached.introspection_calls();
    assert!(uncached.verify_token(&token).await.is_err());
    assert_eq!(uncached.introspection_calls(), calls);
}

#[tokio::test]
async fn the_client_authenticates_as_registered_and_a_refusal_is_a_503() {
    let provider = OAuthProvider::start().await;
    let post = service_client(&provider, "client_secret_post").await;
    // The client's credentials in the body, as it was registered.
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/oauth2/token", provider.issuer()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("grant_type", "client_credentials"),
                    ("scope", "read:items"),
                    ("client_id", post.id.as_str()),
                    ("client_secret", post.secret.as_str()),
                ])
                .finish(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = answer["access_token"].as_str().expect("a token").to_owned();
    let right = resource_server(
        &provider,
        &post,
        options(ClientAuthMethod::ClientSecretPost, 0),
    );
    assert!(right.verify_token(&token).await.is_ok());

    // The provider refuses Basic for a client_secret_post client (400/401 invalid_client):
    // the service is misconfigured, the token is not at fault.
    let wrong_method = resource_server(
        &provider,
        &post,
        options(ClientAuthMethod::ClientSecretBasic, 0),
    );
    let refused = wrong_method.verify_token(&token).await.unwrap_err();
    assert_eq!(refused.status(), 503, "{refused}");

    let wrong_secret = Client {
        id: post.id.clone(),
        secret: "not-the-secret".into(),
    };
    let refused = resource_server(
        &provider,
        &wrong_secret,
        options(ClientAuthMethod::ClientSecretPost, 0),
    )
    .verify_token(&token)
    .await
    .unwrap_err();
    assert_eq!(refused.status(), 503, "{refused}");

    // The provider down: 503 (a refusal must not send the user to sign in again).
    drop(provider);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let refused = right
        .verify_token("AnOpaqueTokenNeverSeenBeforeXxYy")
        .await
        .unwrap_err();
    assert!(matches!(refused, AuthError::Backend(_)), "{refused}");
}

/// What cannot be one of the provider's opaque tokens (32 letters) is refused with no call; a
/// client that sent 20 tokens the provider does not know (the default miss budget) is refused
/// with 429 before any call, while another client's good token is still introspected.
#[tokio::test]
async fn garbage_and_a_spent_budget_make_no_call() {
    let provider = OAuthProvider::start().await;
    let client = service_client(&provider, "client_secret_basic").await;
    let server = resource_server(
        &provider,
        &client,
        options(ClientAuthMethod::ClientSecretBasic, 0),
    );
    for garbage in [
        "short",
        "has-dashes-and-is-thirty-two-ch",
        &"a".repeat(33),
        "0123456789abcdefghijklmnopqrstuv",
    ] {
        let refused = server.verify_token(garbage).await.unwrap_err();
        assert_eq!(refused.status(), 401, "{garbage}: {refused}");
    }
    assert_eq!(
        server.introspection_calls(),
        0,
        "no call for what cannot be a token"
    );

    let attacker: std::net::IpAddr = "198.51.100.66".parse().unwrap();
    let victim: std::net::IpAddr = "198.51.100.7".parse().unwrap();
    let mut codes = std::collections::BTreeMap::<&str, usize>::new();
    for n in 0..40 {
        // 32 letters, a different token each time.
        let unknown = format!(
            "{}{}{}",
            "Q".repeat(30),
            char::from(b'a' + n / 26),
            char::from(b'a' + n % 26)
        );
        let refused = server
            .verify_token_for(&unknown, Some(attacker))
            .await
            .unwrap_err();
        *codes.entry(refused.code()).or_default() += 1;
    }
    assert_eq!(codes, [("invalid_token", 20), ("rate_limited", 20)].into());
    assert_eq!(server.introspection_calls(), 20);
    let good = provider
        .client_credentials_token(&client, None, Some("read:items"))
        .await
        .access_token;
    server.verify_token_for(&good, Some(victim)).await.unwrap();
    assert!(matches!(
        server.verify_token_for(&good, Some(attacker)).await,
        Err(AuthError::RateLimited { .. })
    ));
}

//! Tokens from a REAL `@better-auth/oauth-provider` (1.7.5 on better-auth 1.7.25), got over HTTP
//! by the harness of `better_auth_tests::oauth_provider`: the facts a Rust resource server
//! relies on (the JWT's header and claims, opaque tokens, who may introspect, revocation).

use better_auth_tests::oauth_provider::{OAuthProvider, RES, RES2};
use reqwest::StatusCode;
use serde_json::json;

/// A client-credentials token asked for a resource is an `at+jwt` from the issuer, for that
/// resource only, about the client (no user, no session); its introspection by the resource
/// server's own client is the same claims, active.
#[tokio::test]
async fn client_credentials_with_a_resource_is_an_at_jwt_for_it() {
    let provider = OAuthProvider::start().await;
    let m2m = provider.create_m2m_client().await;
    let token = provider
        .client_credentials_token(&m2m, Some(RES), Some("read:items"))
        .await;

    assert!(token.is_jwt(), "{}", token.access_token);
    let header = token.header();
    assert_eq!(header["typ"], "at+jwt", "{header}");
    assert_eq!(header["alg"], "EdDSA", "{header}");
    let claims = token.claims();
    assert_eq!(claims["iss"], provider.issuer(), "{claims}");
    assert_eq!(claims["aud"], RES, "one audience is a string: {claims}");
    assert_eq!(claims["sub"], m2m.id, "{claims}");
    assert_eq!(claims["client_id"], m2m.id, "{claims}");
    assert_eq!(claims["scope"], "read:items", "{claims}");
    assert!(claims.get("sid").is_none(), "{claims}");
    assert_eq!(token.expires_in, 3600);

    let resource_server = provider.create_resource_server_client(RES).await;
    let mut expected = claims.clone();
    expected["active"] = json!(true);
    expected["token_type"] = json!("Bearer");
    assert_eq!(
        provider
            .introspect(&resource_server, &token.access_token)
            .await,
        expected
    );
}

/// A user's token from the authorization code flow with `openid` and a resource: `aud` is an
/// array (the resource and the userinfo URL), `sub` the user, `sid` the session, `azp` and
/// `client_id` the client. The resource server's client (linked to the resource) may introspect
/// it; a client linked only to another resource may not.
#[tokio::test]
async fn authorization_code_token_names_user_session_client_and_resource() {
    let provider = OAuthProvider::start().await;
    let web = provider.create_web_client().await;
    let alice = provider.sign_up("alice@example.test").await;
    let token = provider
        .authorization_code_token(
            &alice.cookie_header(),
            &web,
            "openid profile email offline_access read:items",
            Some(RES),
        )
        .await;

    assert!(token.is_jwt(), "{}", token.access_token);
    assert_eq!(token.header()["typ"], "at+jwt");
    assert!(token.refresh_token.is_some() && token.id_token.is_some());
    let claims = token.claims();
    assert_eq!(claims["iss"], provider.issuer(), "{claims}");
    let audiences = claims["aud"]
        .as_array()
        .expect("aud is an array with openid");
    assert!(audiences.contains(&json!(RES)), "{claims}");
    assert!(
        audiences.contains(&json!(format!("{}/oauth2/userinfo", provider.issuer()))),
        "{claims}"
    );
    assert_eq!(claims["sub"], alice.user_id(), "{claims}");
    let session = provider.server().get_session(&alice.cookie_header()).await;
    assert_eq!(
        claims["sid"], session["session"]["id"],
        "sid is the Better Auth session: {claims}"
    );
    assert_eq!(claims["azp"], web.id, "{claims}");
    assert_eq!(claims["client_id"], web.id, "{claims}");
    assert_eq!(
        claims["scope"], "openid profile email offline_access read:items",
        "{claims}"
    );

    let resource_server = provider.create_resource_server_client(RES).await;
    let seen = provider
        .introspect(&resource_server, &token.access_token)
        .await;
    assert_eq!(seen["active"], true, "{seen}");
    assert_eq!(seen["sub"], claims["sub"], "{seen}");
    assert_eq!(seen["sid"], claims["sid"], "{seen}");
    let elsewhere = provider.create_resource_server_client(RES2).await;
    assert_eq!(
        provider.introspect(&elsewhere, &token.access_token).await,
        json!({"active": false})
    );
}

/// Without a resource a user's token is opaque: its issuing client may introspect it (active,
/// with its scope and user), a resource server's client may not, and once the issuer revokes
/// it introspection says inactive.
#[tokio::test]
async fn an_opaque_token_is_seen_by_its_issuer_only_until_revoked() {
    let provider = OAuthProvider::start().await;
    let web = provider.create_web_client().await;
    let alice = provider.sign_up("alice@example.test").await;
    let token = provider
        .authorization_code_token(&alice.cookie_header(), &web, "openid read:items", None)
        .await;

    assert!(!token.access_token.contains('.'), "{}", token.access_token);
    let seen = provider.introspect(&web, &token.access_token).await;
    assert_eq!(seen["active"], true, "{seen}");
    assert_eq!(seen["scope"], "openid read:items", "{seen}");
    assert_eq!(seen["sub"], alice.user_id(), "{seen}");
    assert_eq!(seen["client_id"], web.id, "{seen}");
    assert!(
        seen.get("aud").is_none(),
        "no resource, no audience: {seen}"
    );

    let resource_server = provider.create_resource_server_client(RES).await;
    assert_eq!(
        provider
            .introspect(&resource_server, &token.access_token)
            .await,
        json!({"active": false})
    );

    assert_eq!(
        provider.revoke(&web, &token.access_token).await,
        StatusCode::OK
    );
    assert_eq!(
        provider.introspect(&web, &token.access_token).await,
        json!({"active": false})
    );
}

/// `start_with_lifetimes` sets the M2M lifetime: a 2 s token says so in `expires_in` and in
/// `exp - iat`.
#[tokio::test]
async fn access_token_lifetimes_are_configurable() {
    let provider = OAuthProvider::start_with_lifetimes(2, 2).await;
    let m2m = provider.create_m2m_client().await;
    let token = provider
        .client_credentials_token(&m2m, Some(RES), None)
        .await;
    assert_eq!(token.expires_in, 2);
    let claims = token.claims();
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        2
    );
    assert_eq!(claims["scope"], "read:items write:items", "{claims}");
}

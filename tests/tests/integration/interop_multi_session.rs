//! Better Auth's multi-session plugin, for real: two accounts signed in on one device; we list
//! the same device sessions as its `list-device-sessions`, the active one first, and follow a
//! revocation.

use better_auth_core::http::{HeaderMap, HeaderValue};
use better_auth_tests::{better_auth::BetterAuthServer, db::TestDb};
use serde_json::{Value, json};

fn cookie_headers(cookie: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("cookie", HeaderValue::from_str(cookie).unwrap());
    headers
}

async fn list_device_sessions(server: &BetterAuthServer, cookie: &str) -> Vec<String> {
    let response = server
        .get("/multi-session/list-device-sessions", {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert("cookie", cookie.parse().unwrap());
            headers
        })
        .await;
    let list: Value = response.json().await.unwrap();
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["user"]["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn device_sessions_match_better_auth() {
    let db = TestDb::sqlite();
    let server = BetterAuthServer::start(db.server_config(json!({"multiSession": {}}))).await;
    let first = server
        .sign_up("first@example.com", "correct horse battery", "First")
        .await;
    let jar = first.cookie_header();
    assert!(
        jar.contains("_multi-"),
        "the plugin sets a multi-session cookie: {jar}"
    );
    let second = server
        .sign_up_on_device(
            "second@example.com",
            "correct horse battery",
            "Second",
            &jar,
        )
        .await;
    let jar = second.cookie_jar(&jar);

    let mut config = better_auth_tests::test_config();
    config.multi_session = true;
    let auth = db.authenticator(config).await;
    let user = auth
        .authenticate_request("GET", &cookie_headers(&jar))
        .await
        .required()
        .unwrap();
    assert_eq!(
        user.user.id,
        second.user_id(),
        "the session cookie is the active account"
    );
    let devices = user.device_sessions().await.unwrap();
    let ours: Vec<&str> = devices
        .iter()
        .map(|identity| identity.user.id.as_str())
        .collect();
    assert_eq!(
        ours,
        [second.user_id(), first.user_id()],
        "the active account first"
    );
    let mut sorted: Vec<String> = ours.iter().map(|id| (*id).to_owned()).collect();
    sorted.sort();
    assert_eq!(sorted, list_device_sessions(&server, &jar).await);

    // Revoke the first account's session through the plugin.
    let response = server
        .post(
            "/multi-session/revoke",
            json!({"sessionToken": first.token()}),
            Some(&jar),
        )
        .await;
    assert!(
        response.status().is_success(),
        "multi-session/revoke: {}",
        response.status()
    );
    let user = auth
        .authenticate_request("GET", &cookie_headers(&jar))
        .await
        .required()
        .unwrap();
    let devices = user.device_sessions().await.unwrap();
    let ours: Vec<&str> = devices
        .iter()
        .map(|identity| identity.user.id.as_str())
        .collect();
    assert_eq!(ours, [second.user_id()]);
    assert_eq!(
        list_device_sessions(&server, &jar).await,
        [second.user_id()]
    );

    // Off by default.
    let plain = db.authenticator(better_auth_tests::test_config()).await;
    assert!(
        plain
            .authenticate_request("GET", &cookie_headers(&jar))
            .await
            .required()
            .unwrap()
            .device_sessions()
            .await
            .unwrap()
            .is_empty()
    );
}

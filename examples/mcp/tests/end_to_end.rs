//! The example binary, started as a user would, in front of a real Better Auth OAuth provider
//! (`@better-auth/oauth-provider`, see `better_auth_tests::oauth_provider`): spoken to as an MCP
//! client speaks streamable HTTP (`initialize`, `notifications/initialized`, `tools/call`), with
//! access tokens the provider issued for the resource.

use std::time::Duration;

use better_auth_tests::{
    oauth_provider::{OAuthProvider, RES, TokenResponse},
    scenario::ExampleService,
};
use reqwest::{StatusCode, header::HeaderMap};
use serde_json::{Value, json};

/// The protocol version the client asks for: the newest with the `initialize` handshake and
/// sessions.
const PROTOCOL_VERSION: &str = "2025-11-25";

/// An MCP client of the example's `/mcp`, one session.
struct McpClient {
    http: reqwest::Client,
    url: String,
    session: Option<String>,
    next_id: u64,
}

/// One HTTP answer of `/mcp`.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    /// The JSON-RPC response to the request (from a JSON body or the SSE stream's `data:`
    /// lines), `Null` when there is none.
    message: Value,
    /// The body as received, for failure messages.
    body: String,
}

impl McpClient {
    fn new(service: &ExampleService) -> Self {
        Self {
            http: reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            url: format!("{}/mcp", service.base_url()),
            session: None,
            next_id: 1,
        }
    }

    /// POSTs one JSON-RPC message with `token` as the bearer token (none when `None`). A
    /// request's answer is read until its response arrives (an SSE stream may stay open).
    async fn post(&self, token: Option<&str>, message: &Value) -> Answer {
        let mut request = self
            .http
            .post(&self.url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(message.to_string());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(session) = &self.session {
            request = request
                .header("mcp-session-id", session)
                .header("mcp-protocol-version", PROTOCOL_VERSION);
        }
        let mut response = request.send().await.expect("the MCP server answers");
        let status = response.status();
        let headers = response.headers().clone();
        let id = message.get("id").cloned();
        let mut body = String::new();
        let mut reply = Value::Null;
        while let Some(chunk) = tokio::time::timeout(Duration::from_secs(30), response.chunk())
            .await
            .expect("the answer arrives in time")
            .expect("the answer's body")
        {
            body.push_str(&String::from_utf8_lossy(&chunk));
            reply = find_response(&body, id.as_ref());
            if !reply.is_null() {
                break;
            }
        }
        Answer {
            status,
            headers,
            message: reply,
            body,
        }
    }

    /// `initialize` then `notifications/initialized`, with `token`; keeps the session id.
    async fn open(&mut self, token: &str) -> Value {
        let initialize = json!({
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {},
                "clientInfo": {"name": "end-to-end", "version": "0"},
            },
        });
        let answer = self.post(Some(token), &initialize).await;
        assert_eq!(answer.status, 200, "initialize: {}", answer.body);
        let session = answer
            .headers
            .get("mcp-session-id")
            .map(|value| value.to_str().expect("an ASCII session id").to_owned());
        self.session = Some(session.expect("initialize answers with an mcp-session-id"));
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let notified = self.post(Some(token), &initialized).await;
        assert_eq!(
            notified.status, 202,
            "notifications/initialized: {}",
            notified.body
        );
        answer.message["result"].clone()
    }

    /// A JSON-RPC request in the session: its whole HTTP answer.
    async fn request(&mut self, token: Option<&str>, method: &str, params: Value) -> Answer {
        let id = self.next_id;
        self.next_id += 1;
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.post(token, &message).await
    }

    /// `tools/call` of `tool` (no arguments) with `token`: the JSON-RPC `result`.
    async fn call_tool(&mut self, token: &str, tool: &str) -> Value {
        let answer = self
            .request(
                Some(token),
                "tools/call",
                json!({"name": tool, "arguments": {}}),
            )
            .await;
        assert_eq!(answer.status, 200, "tools/call {tool}: {}", answer.body);
        let result = &answer.message["result"];
        assert!(result.is_object(), "tools/call {tool}: {}", answer.body);
        result.clone()
    }
}

/// The JSON-RPC response with `id` in `body`: the body itself when it is JSON, else the
/// `data:` lines of an SSE stream.
fn find_response(body: &str, id: Option<&Value>) -> Value {
    let matches = |message: &Value| {
        id.is_some_and(|id| message.get("id") == Some(id))
            && (message.get("result").is_some() || message.get("error").is_some())
    };
    if let Ok(message) = serde_json::from_str::<Value>(body) {
        return if matches(&message) {
            message
        } else {
            Value::Null
        };
    }
    body.lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
        .find(matches)
        .unwrap_or(Value::Null)
}

/// What `whoami` must answer for `token`: its `sub` (a user's id, or for a client's own token
/// the client id Better Auth writes there), its client, its scopes.
fn identity_of(token: &TokenResponse) -> Value {
    let claims = token.claims();
    json!({
        "sub": claims["sub"],
        "clientId": claims["client_id"],
        "scopes": claims["scope"].as_str().unwrap().split(' ').collect::<Vec<_>>(),
    })
}

#[tokio::test]
async fn tools_answer_for_the_access_token_of_each_request() {
    let provider = OAuthProvider::start().await;
    let service = ExampleService::start(
        env!("CARGO_BIN_EXE_example-mcp"),
        &[
            ("BETTER_AUTH_URL", provider.base_url()),
            ("BETTER_AUTH_RESOURCE", RES),
        ],
    )
    .await;
    let mut client = McpClient::new(&service);

    // No token: 401 with the challenge pointing at the metadata, which names the provider.
    let initialize = json!({
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": PROTOCOL_VERSION, "capabilities": {},
                   "clientInfo": {"name": "end-to-end", "version": "0"}},
    });
    let refused = client.post(None, &initialize).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    let challenge = refused.headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.starts_with("Bearer ") && challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
    let metadata_url = challenge
        .split("resource_metadata=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no resource_metadata in {challenge}"));
    assert_eq!(
        metadata_url,
        format!("{RES}/.well-known/oauth-protected-resource")
    );
    let metadata_path = metadata_url.strip_prefix(RES).unwrap();
    let (status, metadata) = service.get(metadata_path, &[]).await;
    assert_eq!(status, 200, "{metadata}");
    assert_eq!(metadata["resource"], RES, "{metadata}");
    assert_eq!(
        metadata["authorization_servers"],
        json!([format!("{}/api/auth", provider.base_url())]),
        "{metadata}"
    );
    assert_eq!(metadata["scopes_supported"], json!(["read:items"]));

    // Tokens for the resource: a machine's with read:items, a machine's without it, a user's.
    let m2m = provider.create_m2m_client().await;
    let reader = provider
        .client_credentials_token(&m2m, Some(RES), Some("read:items write:items"))
        .await;
    let writer = provider
        .client_credentials_token(&m2m, Some(RES), Some("write:items"))
        .await;
    let web = provider.create_web_client().await;
    let alice = provider.sign_up("alice@example.test").await;
    let user = provider
        .authorization_code_token(&alice.cookie_header(), &web, "openid read:items", Some(RES))
        .await;
    for token in [&reader, &writer, &user] {
        assert!(token.is_jwt(), "{}", token.body);
        let aud = &token.claims()["aud"];
        assert!(
            aud == RES || aud.as_array().is_some_and(|aud| aud.contains(&json!(RES))),
            "{}",
            token.claims()
        );
    }
    assert_ne!(
        user.claims()["sub"],
        json!(web.id),
        "a user's token names the user"
    );

    // A session opened with the reader's token.
    let server = client.open(&reader.access_token).await;
    assert_eq!(server["serverInfo"]["name"], "example-mcp", "{server}");
    let listed = client
        .request(Some(&reader.access_token), "tools/list", json!({}))
        .await;
    let mut names: Vec<&str> = listed.message["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("tools/list: {}", listed.body))
        .iter()
        .filter_map(|tool| tool["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["list_items", "whoami"]);

    // whoami: the identity of the token of the request, whoever opened the session.
    for token in [&reader, &writer, &user] {
        let result = client.call_tool(&token.access_token, "whoami").await;
        assert_eq!(result["isError"], false, "{result}");
        assert_eq!(result["structuredContent"], identity_of(token), "{result}");
    }
    let whoami = client.call_tool(&user.access_token, "whoami").await;
    assert_eq!(whoami["structuredContent"]["sub"], user.claims()["sub"]);

    // list_items: with read:items the list and the caller; without it a tool error naming it.
    for token in [&reader, &user] {
        let result = client.call_tool(&token.access_token, "list_items").await;
        assert_eq!(result["isError"], false, "{result}");
        assert_eq!(
            result["structuredContent"],
            json!({"items": ["apple", "banana", "cherry"], "sub": token.claims()["sub"]}),
            "{result}"
        );
    }
    let refused = client.call_tool(&writer.access_token, "list_items").await;
    assert_eq!(refused["isError"], true, "{refused}");
    let text = refused["content"][0]["text"].as_str().unwrap_or_default();
    assert!(text.contains("requires scope read:items"), "{refused}");
    let error = &refused["structuredContent"];
    assert_eq!(
        (&error["error"], &error["scope"]),
        (&json!("insufficient_scope"), &json!("read:items")),
        "{refused}"
    );
    let step_up = error["wwwAuthenticate"].as_str().unwrap_or_default();
    assert!(
        step_up.contains(r#"error="insufficient_scope""#)
            && step_up.contains(r#"scope="read:items""#),
        "{refused}"
    );

    // The session is no credential: without a token, or with a bad one, the request is refused
    // before it reaches the tools.
    let bare = client
        .request(
            None,
            "tools/call",
            json!({"name": "whoami", "arguments": {}}),
        )
        .await;
    assert_eq!(bare.status, 401, "{}", bare.body);
    assert!(bare.headers.contains_key("www-authenticate"));
    let mut forged = reader.access_token.clone();
    forged.push('A');
    let bad = client
        .request(
            Some(&forged),
            "tools/call",
            json!({"name": "whoami", "arguments": {}}),
        )
        .await;
    assert_eq!(bad.status, 401, "{}", bad.body);
}

//! The MCP server: two tools that answer with the identity of the access token of the request
//! that carried the call.
//!
//! - `whoami`: `{"sub", "clientId", "scopes"}` of the token (any valid token);
//! - `list_items`: scope `read:items`: `{"items", "sub"}`; without it, a tool error (`isError:
//!   true`) naming the missing scope, with the `insufficient_scope` challenge a client can step
//!   up with.
//!
//! Why a tool error rather than HTTP 403: the scope a call needs depends on the tool named in
//! the JSON-RPC body, which `rmcp` reads after the HTTP layer; and once a session is open, the
//! answer to a `tools/call` is an SSE stream whose status (200) is sent before the tool runs.
//! Failing at HTTP would mean parsing every body in the middleware ahead of `rmcp`. The MCP
//! result reaches the model and the user, and carries the same challenge as data.

use std::sync::Arc;

use axum::http::request::Parts;
use better_auth_axum::core::{
    AuthError,
    resource_server::{AccessToken, ResourceServer, ScopeRequirement},
};
use rmcp::{
    ErrorData, ServerHandler,
    handler::server::{
        common::{AsRequestContext, FromContextPart},
        router::tool::ToolRouter,
    },
    model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig},
    tool, tool_handler, tool_router,
};
use serde_json::{Value, json};

/// The scope `list_items` requires.
pub(crate) const READ_ITEMS: &str = "read:items";

/// What `list_items` lists.
const ITEMS: [&str; 3] = ["apple", "banana", "cherry"];

/// The verified access token of the HTTP request that carried the tool call: `rmcp` puts each
/// request's [`Parts`] in the call's context, and the middleware ([`crate::auth`]) put the token
/// in their extensions.
pub(crate) struct Caller(Arc<AccessToken>);

impl<C: AsRequestContext> FromContextPart<C> for Caller {
    fn from_context_part(context: &mut C) -> Result<Self, ErrorData> {
        context
            .as_request_context()
            .extensions
            .get::<Parts>()
            .and_then(|parts| parts.extensions.get::<Arc<AccessToken>>())
            .map(|token| Self(token.clone()))
            // Only when the server is mounted without the middleware: a bug, not the caller's.
            .ok_or_else(|| {
                ErrorData::internal_error("the request carries no verified access token", None)
            })
    }
}

/// The tools, over the resource server that checks scopes.
#[derive(Debug, Clone)]
pub(crate) struct Items {
    server: ResourceServer,
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl Items {
    /// The tools for `server`.
    pub(crate) fn new(server: ResourceServer) -> Self {
        Self {
            server,
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        description = "Who is calling: the access token's subject (`sub`: a user id, or the client id for a machine token), client (`clientId`) and granted scopes."
    )]
    async fn whoami(&self, Caller(token): Caller) -> CallToolResult {
        CallToolResult::structured(json!({
            "sub": token.sub(),
            "clientId": token.client_id,
            "scopes": token.scopes,
        }))
    }

    #[tool(description = "The items, and who asked. Requires scope `read:items`.")]
    async fn list_items(&self, Caller(token): Caller) -> CallToolResult {
        let requirement = ScopeRequirement::all_of([READ_ITEMS]);
        if let Err(error) = self.server.require(&token, &requirement) {
            return self.refusal("list_items", &token, error);
        }
        CallToolResult::structured(json!({"items": ITEMS, "sub": token.sub()}))
    }
}

impl Items {
    /// The tool error for a token without the scopes a tool requires: a sentence for the model
    /// and the user, and the OAuth error as structured content (`error`, `scope`, and the
    /// `WWW-Authenticate` challenge the resource server renders, whose `scope` a client can ask
    /// the authorization server for).
    fn refusal(&self, tool: &str, token: &AccessToken, error: AuthError) -> CallToolResult {
        let scope = match &error {
            AuthError::InsufficientScope { required } => required.clone(),
            _ => String::new(),
        };
        let granted = match token.scopes.is_empty() {
            true => "none".to_owned(),
            false => token.scopes.join(" "),
        };
        let message = format!(
            "{tool} requires scope {scope}; the access token was granted: {granted}. \
             Ask the authorization server for a token with scope {scope}."
        );
        // Logs the refusal as every refusal of the resource server is logged.
        let rejection = self.server.reject(error);
        let challenge = rejection
            .response()
            .headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("www-authenticate"))
            .map_or(Value::Null, |(_, value)| Value::from(value.as_str()));
        let mut result = CallToolResult::error(vec![ContentBlock::text(message)]);
        result.structured_content = Some(json!({
            "error": "insufficient_scope",
            "scope": scope,
            "wwwAuthenticate": challenge,
        }));
        result
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Items {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                env!("CARGO_PKG_NAME"),
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(
                "`whoami` tells who the access token is for; `list_items` lists the items \
                 (scope read:items).",
            )
    }
}

//! RFC 6750 refusals: the status, the `WWW-Authenticate: Bearer` challenge (with RFC 9728's
//! `resource_metadata`, which MCP clients follow to the authorization server) and a JSON body
//! `{"error", "error_description"}` in OAuth's words.
//!
//! | error | status | challenge |
//! |---|---|---|
//! | no token, or a token that is not good (expired, tampered, foreign, inactive, a session token) | 401 | `Bearer error="invalid_token", error_description="...", resource_metadata="..."` |
//! | a good token without the scopes | 403 | `Bearer error="insufficient_scope", scope="<needed>", resource_metadata="...", error_description="..."` |
//! | the provider or its keys cannot be reached | 503 | none |

use crate::{error::AuthError, response::ErrorResponse};

/// `value` as an RFC 7230 quoted-string's content: `\` and `"` escaped, control characters
/// dropped.
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars().filter(|c| !c.is_control()) {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The RFC 6750 error code of `error`, when it has one.
pub(crate) fn oauth_error(error: &AuthError) -> &'static str {
    match error {
        AuthError::InsufficientScope { .. } => "insufficient_scope",
        _ if error.status() == http::StatusCode::UNAUTHORIZED => "invalid_token",
        _ if error.status() == http::StatusCode::SERVICE_UNAVAILABLE => "temporarily_unavailable",
        _ if error.status() == http::StatusCode::FORBIDDEN => "access_denied",
        _ => "server_error",
    }
}

/// The response for `error`, pointing at the metadata published at `metadata_url`.
pub(crate) fn render(error: &AuthError, metadata_url: &str) -> ErrorResponse {
    let code = oauth_error(error);
    let description = error.public_message();
    let metadata = quoted(metadata_url);
    let challenge = match error {
        AuthError::InsufficientScope { required } => Some(format!(
            r#"Bearer error="insufficient_scope", scope="{}", resource_metadata="{metadata}", error_description="{description}""#,
            quoted(required)
        )),
        // RFC 6750 §3.1 would leave the error code out when no token was sent (Better Auth's
        // resource client does); this library names it, as its contract says, so that every
        // refusal of a bearer request reads alike.
        _ if error.status() == http::StatusCode::UNAUTHORIZED => Some(format!(
            r#"Bearer error="invalid_token", error_description="{description}", resource_metadata="{metadata}""#
        )),
        _ => None,
    };
    let mut body = serde_json::json!({
        "error": code,
        "error_description": description,
        "code": error.code(),
    });
    if let AuthError::InsufficientScope { required } = error {
        body["scope"] = serde_json::Value::String(required.clone());
    }
    let mut headers = vec![
        ("content-type", "application/json".to_owned()),
        ("cache-control", "no-store".to_owned()),
    ];
    if let Some(challenge) = challenge {
        headers.push(("www-authenticate", challenge));
    }
    ErrorResponse {
        status: error.status().as_u16(),
        headers,
        body: body.to_string().into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const METADATA: &str = "https://api.example.test/.well-known/oauth-protected-resource";

    fn challenge(response: &ErrorResponse) -> &str {
        response
            .headers
            .iter()
            .find(|(name, _)| *name == "www-authenticate")
            .map(|(_, value)| value.as_str())
            .unwrap_or("")
    }

    #[test]
    fn refusals_carry_rfc_6750_challenges() {
        let expired = render(&AuthError::TokenExpired, METADATA);
        assert_eq!(expired.status, 401);
        assert_eq!(
            challenge(&expired),
            format!(
                r#"Bearer error="invalid_token", error_description="token expired", resource_metadata="{METADATA}""#
            )
        );
        let missing = render(&AuthError::MissingCredentials, METADATA);
        assert!(challenge(&missing).starts_with(r#"Bearer error="invalid_token""#));

        let scope = render(
            &AuthError::InsufficientScope {
                required: "read:items".into(),
            },
            METADATA,
        );
        assert_eq!(scope.status, 403);
        assert!(
            challenge(&scope).starts_with(
                r#"Bearer error="insufficient_scope", scope="read:items", resource_metadata=""#
            ),
            "{}",
            challenge(&scope)
        );
        let body: serde_json::Value = serde_json::from_slice(&scope.body).unwrap();
        assert_eq!(body["error"], "insufficient_scope");
        assert_eq!(body["scope"], "read:items");

        let down = render(
            &AuthError::Backend(crate::error::BackendError::invalid_data(
                "introspection",
                "x",
            )),
            METADATA,
        );
        assert_eq!((down.status, challenge(&down)), (503, ""));
    }

    #[test]
    fn quoted_values_cannot_break_out_of_the_challenge() {
        assert_eq!(quoted(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(quoted("a\r\nb"), "ab");
    }
}

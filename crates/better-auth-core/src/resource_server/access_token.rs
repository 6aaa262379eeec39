//! [`AccessToken`]: what a verified OAuth access token says, whether it was a JWT checked with
//! the JWKS or an opaque token the provider answered for by introspection.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::scopes;
use crate::{error::AuthError, jwt::claims as jwt_claims};

/// Whom an access token was issued for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[non_exhaustive]
pub enum TokenSubject {
    /// A user, through a client (authorization code): `sub` is the user id; `sid` (when
    /// present) is the Better Auth session the user authorized from.
    User {
        /// The user id (`sub`).
        id: String,
        /// The Better Auth session id (`sid`).
        #[serde(rename = "sessionId")]
        session_id: Option<String>,
    },
    /// The client itself (client credentials, machine to machine): Better Auth sets `sub` to
    /// the client id, or leaves it out of an opaque token's introspection.
    Client,
}

/// How the token reached the resource server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TokenFormat {
    /// A JWT (`typ: at+jwt`), verified here with the provider's JWKS.
    Jwt,
    /// An opaque token, answered for by the provider's introspection endpoint.
    Opaque,
}

/// A verified OAuth 2.1 access token issued by Better Auth's OAuth provider for this resource.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AccessToken {
    /// A user or the client itself.
    pub subject: TokenSubject,
    /// The client the token was issued to (`client_id`, or `azp`).
    pub client_id: String,
    /// The granted scopes (`scope`, split on spaces), in the token's order.
    pub scopes: Vec<String>,
    /// `aud`: the resources the token is for (empty for an opaque token issued without one).
    pub audience: Vec<String>,
    /// `iss`.
    pub issuer: Option<String>,
    /// `exp`.
    pub expires_at: DateTime<Utc>,
    /// `iat`.
    pub issued_at: Option<DateTime<Utc>>,
    /// `jti`.
    pub token_id: Option<String>,
    /// JWT or opaque.
    pub format: TokenFormat,
    /// Every claim as the token (or the introspection answer) gave it.
    #[serde(skip)]
    pub claims: Map<String, Value>,
}

impl AccessToken {
    /// The user id, for a token issued for a user; `None` for a client's own token.
    pub fn user_id(&self) -> Option<&str> {
        match &self.subject {
            TokenSubject::User { id, .. } => Some(id),
            TokenSubject::Client => None,
        }
    }

    /// `sub` as Better Auth's resource client gives it: the user id, or the client id for a
    /// client's own token.
    pub fn sub(&self) -> &str {
        self.user_id().unwrap_or(&self.client_id)
    }

    /// Whether the token was granted `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|granted| granted == scope)
    }

    /// The granted scopes as `&str`s.
    pub fn scope_names(&self) -> impl Iterator<Item = &str> + Clone {
        self.scopes.iter().map(String::as_str)
    }

    /// Reads the claims of a JWT payload or an active introspection answer. `exp` and a client
    /// (`client_id` or `azp`) are required; `aud` is a string or strings; `scope` is read
    /// strictly; a token bound to a DPoP key (`cnf.jkt`) is refused, since a bearer request
    /// cannot prove possession of it.
    pub(crate) fn from_claims(
        claims: Map<String, Value>,
        format: TokenFormat,
    ) -> Result<Self, AuthError> {
        let invalid = |reason| AuthError::InvalidToken { reason };
        let string = |name: &str| -> Result<Option<String>, AuthError> {
            match claims.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(value)) if !value.is_empty() => Ok(Some(value.clone())),
                Some(_) => Err(invalid(
                    "a string claim of the access token is not a string",
                )),
            }
        };
        if claims.get("cnf").and_then(|cnf| cnf.get("jkt")).is_some() {
            return Err(invalid(
                "a DPoP-bound access token cannot be used as a bearer token",
            ));
        }
        let expires_at =
            jwt_claims::numeric_date(&claims, "exp")?.ok_or(invalid("`exp` is required"))?;
        let issued_at = jwt_claims::numeric_date(&claims, "iat")?;
        // Better Auth's resource client reads `azp` over `client_id`; it writes both the same.
        let client_id = string("azp")?.or(string("client_id")?).ok_or(invalid(
            "the access token names no client (`client_id`/`azp`)",
        ))?;
        let audience = jwt_claims::audience_of(&claims)?;
        let subject = match (string("sub")?, string("sid")?) {
            // Client credentials: `sub` is the client id (JWT) or absent (opaque).
            (None, None) => TokenSubject::Client,
            (Some(sub), None) if sub == client_id => TokenSubject::Client,
            (Some(id), session_id) => TokenSubject::User { id, session_id },
            (None, Some(_)) => return Err(invalid("the access token has a `sid` but no `sub`")),
        };
        Ok(Self {
            subject,
            client_id,
            scopes: scopes::parse_granted(claims.get("scope"))?,
            audience,
            issuer: string("iss")?,
            expires_at,
            issued_at,
            token_id: string("jti")?,
            format,
            claims,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(claims: Value) -> Result<AccessToken, AuthError> {
        let Value::Object(claims) = claims else {
            panic!("not an object")
        };
        AccessToken::from_claims(claims, TokenFormat::Jwt)
    }

    // The claims Better Auth's provider writes: a user's JWT has `sid` and an `aud` array
    // when `openid` is asked; a client's (M2M) has `sub` = `client_id`, no `sid` and a string
    // `aud`; an opaque M2M token's introspection has neither `sub` nor `aud`.
    #[test]
    fn user_and_client_tokens_are_told_apart() {
        let user = read(
            json!({"sub": "u1", "sid": "s1", "client_id": "c", "azp": "c",
            "aud": ["https://api.example.test", "http://as/api/auth/oauth2/userinfo"],
            "scope": "openid read:items", "exp": 2_000_000_000, "iat": 1_999_999_000}),
        )
        .unwrap();
        assert_eq!(
            user.subject,
            TokenSubject::User {
                id: "u1".into(),
                session_id: Some("s1".into())
            }
        );
        assert_eq!(user.sub(), "u1");
        assert!(user.has_scope("read:items") && !user.has_scope("write:items"));

        let m2m = read(json!({"sub": "c", "client_id": "c", "azp": "c",
            "aud": "https://api.example.test", "scope": "read:items", "exp": 2_000_000_000}))
        .unwrap();
        assert_eq!(m2m.subject, TokenSubject::Client);
        assert_eq!((m2m.sub(), m2m.audience.len()), ("c", 1));

        let opaque_m2m =
            read(json!({"client_id": "c", "scope": "read:items", "exp": 2_000_000_000})).unwrap();
        assert_eq!(opaque_m2m.subject, TokenSubject::Client);
    }

    #[test]
    fn malformed_claims_are_refused() {
        let base = json!({"sub": "u", "client_id": "c", "scope": "a", "exp": 2_000_000_000});
        let with = |key: &str, value: Value| {
            let mut claims = base.clone();
            if value.is_null() {
                claims.as_object_mut().unwrap().remove(key);
            } else {
                claims[key] = value;
            }
            read(claims)
        };
        assert!(with("exp", Value::Null).is_err());
        assert!(with("client_id", Value::Null).is_err());
        assert!(with("scope", json!("a  b")).is_err());
        assert!(with("aud", json!(7)).is_err());
        assert!(with("cnf", json!({"jkt": "thumbprint"})).is_err());
        assert!(with("sub", json!(42)).is_err());
        assert!(with("exp", json!("soon")).is_err());
    }
}

//! OAuth scopes: the `scope` claim (one space-separated string, RFC 6749 §3.3), read strictly as
//! Better Auth's own resource client reads it, and what a route requires of it.

use std::fmt;

use crate::error::AuthError;

/// Whether `scope` is a valid scope token: printable ASCII without space, `"` or `\`
/// (RFC 6749 §3.3 `NQCHAR`).
pub(crate) fn is_scope_token(scope: &str) -> bool {
    !scope.is_empty()
        && scope
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

/// The granted scopes of a `scope` claim: absent is none; present, it must be a non-empty
/// string of valid scope tokens separated by single spaces, or the token is refused (as Better
/// Auth's `verifyAccessToken` refuses it).
pub(crate) fn parse_granted(scope: Option<&serde_json::Value>) -> Result<Vec<String>, AuthError> {
    let invalid = AuthError::InvalidToken {
        reason: "the access token's `scope` claim is invalid",
    };
    match scope {
        None | Some(serde_json::Value::Null) => Ok(Vec::new()),
        Some(serde_json::Value::String(scope)) => {
            let scopes: Vec<String> = scope.split(' ').map(str::to_owned).collect();
            if scopes.iter().all(|scope| is_scope_token(scope)) {
                Ok(scopes)
            } else {
                Err(invalid)
            }
        }
        Some(_) => Err(invalid),
    }
}

/// The scopes a route requires of an access token: all of a list, or any one of it.
///
/// ```
/// use better_auth_core::resource_server::ScopeRequirement;
///
/// let read = ScopeRequirement::all_of(["read:items"]);
/// assert!(read.is_met_by(["read:items", "openid"]));
/// assert!(!read.is_met_by(["write:items"]));
///
/// let either = ScopeRequirement::any_of(["read:items", "admin"]);
/// assert!(either.is_met_by(["admin"]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeRequirement {
    /// Every one of these scopes.
    AllOf(Vec<String>),
    /// At least one of these scopes.
    AnyOf(Vec<String>),
}

impl ScopeRequirement {
    /// Every one of `scopes`.
    pub fn all_of<S: Into<String>>(scopes: impl IntoIterator<Item = S>) -> Self {
        Self::AllOf(scopes.into_iter().map(Into::into).collect())
    }

    /// At least one of `scopes`.
    pub fn any_of<S: Into<String>>(scopes: impl IntoIterator<Item = S>) -> Self {
        Self::AnyOf(scopes.into_iter().map(Into::into).collect())
    }

    /// The scopes named.
    pub fn scopes(&self) -> &[String] {
        match self {
            Self::AllOf(scopes) | Self::AnyOf(scopes) => scopes,
        }
    }

    /// Whether `granted` satisfies it. An empty `AllOf` is met by anything; an empty `AnyOf`
    /// by nothing.
    pub fn is_met_by<'a>(&self, granted: impl IntoIterator<Item = &'a str> + Clone) -> bool {
        let has = |needed: &String| granted.clone().into_iter().any(|scope| scope == needed);
        match self {
            Self::AllOf(scopes) => scopes.iter().all(has),
            Self::AnyOf(scopes) => scopes.iter().any(has),
        }
    }

    /// The `insufficient_scope` refusal for a token granted `granted`: the scopes it lacks
    /// (for `AllOf`), or the whole list (for `AnyOf`, any of which would do), as the
    /// challenge's `scope` (RFC 6750 §3: the scopes needed to access the resource).
    pub(crate) fn refusal<'a>(
        &self,
        granted: impl IntoIterator<Item = &'a str> + Clone,
    ) -> AuthError {
        let needed: Vec<&str> = match self {
            Self::AllOf(scopes) => scopes
                .iter()
                .filter(|needed| !granted.clone().into_iter().any(|scope| scope == *needed))
                .map(String::as_str)
                .collect(),
            Self::AnyOf(scopes) => scopes.iter().map(String::as_str).collect(),
        };
        AuthError::InsufficientScope {
            required: needed.join(" "),
        }
    }
}

impl fmt::Display for ScopeRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (word, scopes) = match self {
            Self::AllOf(scopes) => ("all of", scopes),
            Self::AnyOf(scopes) => ("any of", scopes),
        };
        write!(f, "{word} [{}]", scopes.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn granted_scopes_are_read_strictly() {
        assert_eq!(
            parse_granted(Some(&json!("openid read:items"))).unwrap(),
            ["openid", "read:items"]
        );
        assert!(parse_granted(None).unwrap().is_empty());
        for bad in [
            json!(""),
            json!("a  b"),
            json!("a\"b"),
            json!(["a"]),
            json!(7),
        ] {
            assert!(parse_granted(Some(&bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn all_of_names_what_is_missing_any_of_names_every_choice() {
        let all = ScopeRequirement::all_of(["read:items", "write:items"]);
        assert!(all.is_met_by(["write:items", "read:items"]));
        assert!(!all.is_met_by(["read:items"]));
        let AuthError::InsufficientScope { required } = all.refusal(["read:items"]) else {
            panic!("not insufficient_scope");
        };
        assert_eq!(required, "write:items");

        let any = ScopeRequirement::any_of(["a", "b"]);
        assert!(any.is_met_by(["b"]));
        assert!(!any.is_met_by(["c"]));
        assert!(!ScopeRequirement::any_of(Vec::<String>::new()).is_met_by(["a"]));
        let AuthError::InsufficientScope { required } = any.refusal(["c"]) else {
            panic!("not insufficient_scope");
        };
        assert_eq!(required, "a b");
    }
}

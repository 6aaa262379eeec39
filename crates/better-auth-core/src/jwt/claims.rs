//! The claims of a verified token: checked (`exp`, `nbf`, `iat`, `iss`, `aud`, lifetime) and
//! turned into a [`User`](crate::model::User) the way Better Auth's JWT plugin writes them (the whole user object,
//! `sub` = user id).
#![cfg_attr(not(feature = "jwks"), allow(dead_code))]

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::{error::AuthError, model::JwtClaims};

/// Which claims a token must carry and how they are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JwtValidation {
    /// The required `iss`; `None` accepts any. Better Auth's default: the base URL's origin.
    pub issuer: Option<String>,
    /// The accepted `aud` values (one must match); empty accepts any. Better Auth's default:
    /// the base URL's origin.
    pub audience: Vec<String>,
    /// Clock skew tolerated on `exp`, `nbf` and `iat` (default 5 s).
    pub leeway: Duration,
    /// The oldest a token may be, from its `iat` (which it must then carry); `None`: no limit
    /// beyond `exp`.
    pub max_age: Option<Duration>,
    /// The header `typ` the token must have (compared without case, an `application/` prefix
    /// ignored: RFC 8725 §3.11), e.g. `at+jwt` for OAuth access tokens. `None` (Better Auth's
    /// session JWTs, which carry no `typ`): any `typ` but `at+jwt`, so an OAuth access token
    /// signed by the same keys is never taken for a session token.
    pub token_type: Option<String>,
}

impl Default for JwtValidation {
    fn default() -> Self {
        Self {
            issuer: None,
            audience: Vec::new(),
            leeway: Duration::from_secs(5),
            max_age: None,
            token_type: None,
        }
    }
}

impl JwtValidation {
    /// Better Auth's defaults for a server at `origin` (`https://app.example.com`): `iss` and
    /// `aud` both equal to it.
    pub fn for_origin(origin: impl Into<String>) -> Self {
        let origin = origin.into();
        Self {
            issuer: Some(origin.clone()),
            audience: vec![origin],
            ..Self::default()
        }
    }
}

pub(crate) fn numeric_date(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<DateTime<Utc>>, AuthError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => number
            .as_f64()
            .filter(|seconds| seconds.is_finite())
            .and_then(|seconds| DateTime::from_timestamp_millis((seconds * 1000.0) as i64))
            .map(Some)
            .ok_or(AuthError::InvalidToken {
                reason: "a time claim is out of range",
            }),
        Some(_) => Err(AuthError::InvalidToken {
            reason: "a time claim is not a number",
        }),
    }
}

/// The media type of OAuth 2.0 JWT access tokens (RFC 9068 §2.1).
pub(crate) const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// Checks a token's header `typ` against `validation` (see [`JwtValidation::token_type`]).
pub(crate) fn check_type(typ: Option<&str>, validation: &JwtValidation) -> Result<(), AuthError> {
    let normalized = typ.map(|typ| {
        let lower = typ.to_ascii_lowercase();
        match lower.strip_prefix("application/") {
            Some(rest) => rest.to_owned(),
            None => lower,
        }
    });
    match (&validation.token_type, normalized.as_deref()) {
        (Some(expected), Some(typ)) if expected.eq_ignore_ascii_case(typ) => Ok(()),
        (Some(_), _) => Err(AuthError::InvalidToken {
            reason: "the token's `typ` is not the one required",
        }),
        (None, Some(ACCESS_TOKEN_TYPE)) => Err(AuthError::InvalidToken {
            reason: "an OAuth access token (`typ: at+jwt`) is not a session token",
        }),
        (None, _) => Ok(()),
    }
}

/// Checks decoded claims against `validation` at `now`.
pub(crate) fn validate(
    payload: &[u8],
    validation: &JwtValidation,
    now: DateTime<Utc>,
) -> Result<JwtClaims, AuthError> {
    let claims = parse(payload)?;
    check(&claims, validation, now)?;
    Ok(claims)
}

/// `aud`: a string, or an array of strings (absent: none).
pub(crate) fn audience_of(claims: &Map<String, Value>) -> Result<Vec<String>, AuthError> {
    let invalid = AuthError::InvalidToken {
        reason: "`aud` is not a string or strings",
    };
    match claims.get("aud") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(aud)) => Ok(vec![aud.clone()]),
        Some(Value::Array(values)) => values
            .iter()
            .map(|value| value.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or(invalid),
        Some(_) => Err(invalid),
    }
}

/// Reads the registered claims of a payload (`exp` and `sub` are required) and the user.
fn parse(payload: &[u8]) -> Result<JwtClaims, AuthError> {
    let Ok(Value::Object(raw)) = serde_json::from_slice::<Value>(payload) else {
        return Err(AuthError::InvalidToken {
            reason: "payload is not a JSON object",
        });
    };
    let expires_at = numeric_date(&raw, "exp")?.ok_or(AuthError::InvalidToken {
        reason: "`exp` is required",
    })?;
    let not_before = numeric_date(&raw, "nbf")?;
    let issued_at = numeric_date(&raw, "iat")?;
    let issuer = match raw.get("iss") {
        None => None,
        Some(Value::String(iss)) => Some(iss.clone()),
        Some(_) => {
            return Err(AuthError::InvalidToken {
                reason: "`iss` is not a string",
            });
        }
    };
    let audience = audience_of(&raw)?;
    let subject = match raw.get("sub") {
        Some(Value::String(sub)) if !sub.is_empty() => sub.clone(),
        _ => {
            return Err(AuthError::InvalidToken {
                reason: "`sub` is required",
            });
        }
    };
    Ok(JwtClaims::new(
        subject, issuer, audience, expires_at, issued_at, not_before, raw,
    ))
}

/// Every rule of `validation` at `now`: `exp`, `nbf`, `iat` (with the leeway), the maximum
/// age, `iss` and `aud`. Run on every verification, and again on every verified-token cache
/// hit, so a remembered token is held to the same rules as a fresh one.
pub(crate) fn check(
    claims: &JwtClaims,
    validation: &JwtValidation,
    now: DateTime<Utc>,
) -> Result<(), AuthError> {
    let leeway = chrono::Duration::from_std(validation.leeway).unwrap_or_default();
    if claims.expires_at <= now - leeway {
        return Err(AuthError::TokenExpired);
    }
    if claims.not_before.is_some_and(|nbf| nbf > now + leeway) {
        return Err(AuthError::TokenNotYetValid);
    }
    if claims.issued_at.is_some_and(|iat| iat > now + leeway) {
        return Err(AuthError::InvalidToken {
            reason: "`iat` is in the future",
        });
    }
    if let Some(max_age) = validation.max_age {
        let max_age = chrono::Duration::from_std(max_age).unwrap_or(chrono::Duration::MAX);
        let iat = claims.issued_at.ok_or(AuthError::InvalidToken {
            reason: "`iat` is required with a maximum token age",
        })?;
        if now - iat > max_age + leeway {
            return Err(AuthError::TokenExpired);
        }
    }
    if let Some(expected) = &validation.issuer
        && claims.issuer.as_deref() != Some(expected.as_str())
    {
        return Err(AuthError::InvalidToken {
            reason: "wrong issuer",
        });
    }
    if !validation.audience.is_empty()
        && !claims
            .audience
            .iter()
            .any(|aud| validation.audience.contains(aud))
    {
        return Err(AuthError::InvalidToken {
            reason: "wrong audience",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ORIGIN: &str = "http://127.0.0.1:3000";

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn claims(overrides: Value) -> Vec<u8> {
        let t = now().timestamp();
        let mut base = json!({
            "iat": t, "name": "Zoë", "email": "z@example.com", "emailVerified": true, "image": null,
            "createdAt": "2026-11-25T12:32:02.765Z", "updatedAt": "2026-11-25T12:32:02.765Z",
            "id": "u1", "sub": "u1", "exp": t + 900, "iss": ORIGIN, "aud": ORIGIN, "role": "admin"
        });
        for (key, value) in overrides.as_object().unwrap() {
            if value.is_null() {
                base.as_object_mut().unwrap().remove(key);
            } else {
                base[key] = value.clone();
            }
        }
        serde_json::to_vec(&base).unwrap()
    }

    fn check(overrides: Value) -> Result<JwtClaims, AuthError> {
        validate(
            &claims(overrides),
            &JwtValidation::for_origin(ORIGIN),
            now(),
        )
    }

    #[test]
    fn better_auths_claims_give_the_user() {
        let claims = check(json!({})).unwrap();
        let user = claims.user();
        assert_eq!((user.id.as_str(), user.name.as_str()), ("u1", "Zoë"));
        assert!(user.email_verified);
        assert!(user.has_role("admin"));
        assert!(
            !user.extra.contains_key("exp"),
            "registered claims are not user fields"
        );
    }

    #[test]
    fn time_claims() {
        let t = now().timestamp();
        assert!(matches!(
            check(json!({"exp": t - 6})),
            Err(AuthError::TokenExpired)
        ));
        assert!(check(json!({"exp": t - 4})).is_ok(), "within the leeway");
        assert!(matches!(
            check(json!({"exp": null})),
            Err(AuthError::InvalidToken { .. })
        ));
        assert!(matches!(
            check(json!({"exp": "soon"})),
            Err(AuthError::InvalidToken { .. })
        ));
        assert!(matches!(
            check(json!({"nbf": t + 60})),
            Err(AuthError::TokenNotYetValid)
        ));
        assert!(check(json!({"nbf": t + 3})).is_ok());
        assert!(matches!(
            check(json!({"iat": t + 60})),
            Err(AuthError::InvalidToken { .. })
        ));
        assert!(matches!(
            check(json!({"exp": 1e300})),
            Err(AuthError::InvalidToken { .. })
        ));
    }

    #[test]
    fn issuer_audience_subject() {
        assert!(matches!(
            check(json!({"iss": "https://evil.example"})),
            Err(AuthError::InvalidToken {
                reason: "wrong issuer"
            })
        ));
        assert!(matches!(
            check(json!({"iss": null})),
            Err(AuthError::InvalidToken {
                reason: "wrong issuer"
            })
        ));
        assert!(matches!(
            check(json!({"aud": "https://evil.example"})),
            Err(AuthError::InvalidToken {
                reason: "wrong audience"
            })
        ));
        assert!(check(json!({"aud": ["other", ORIGIN]})).is_ok());
        assert!(matches!(
            check(json!({"aud": [1]})),
            Err(AuthError::InvalidToken { .. })
        ));
        assert!(matches!(
            check(json!({"sub": null})),
            Err(AuthError::InvalidToken { .. })
        ));
        assert!(matches!(
            check(json!({"sub": ""})),
            Err(AuthError::InvalidToken { .. })
        ));
    }

    #[test]
    fn access_tokens_and_session_tokens_never_pass_for_each_other() {
        let session = JwtValidation::for_origin(ORIGIN);
        assert!(check_type(None, &session).is_ok());
        assert!(check_type(Some("JWT"), &session).is_ok());
        assert!(check_type(Some("at+jwt"), &session).is_err());
        assert!(check_type(Some("application/AT+JWT"), &session).is_err());
        let access = JwtValidation {
            token_type: Some(ACCESS_TOKEN_TYPE.to_owned()),
            ..JwtValidation::default()
        };
        assert!(check_type(Some("at+jwt"), &access).is_ok());
        assert!(check_type(Some("application/at+jwt"), &access).is_ok());
        assert!(check_type(None, &access).is_err());
        assert!(check_type(Some("JWT"), &access).is_err());
    }

    #[test]
    fn max_age() {
        let t = now().timestamp();
        let mut validation = JwtValidation::for_origin(ORIGIN);
        validation.max_age = Some(Duration::from_secs(60));
        assert!(validate(&claims(json!({"iat": t - 30})), &validation, now()).is_ok());
        assert!(matches!(
            validate(&claims(json!({"iat": t - 600})), &validation, now()),
            Err(AuthError::TokenExpired)
        ));
        assert!(matches!(
            validate(&claims(json!({"iat": null})), &validation, now()),
            Err(AuthError::InvalidToken { .. })
        ));
    }

    #[test]
    fn custom_payloads_still_give_a_user() {
        let t = now().timestamp();
        let payload =
            serde_json::to_vec(&json!({"sub": "42", "exp": t + 60, "tenant": "acme", "name": 7}))
                .unwrap();
        let claims = validate(&payload, &JwtValidation::default(), now()).unwrap();
        let user = claims.user();
        assert_eq!(user.id, "42");
        assert_eq!(user.extra["tenant"], "acme");
        assert!(validate(b"[1,2]", &JwtValidation::default(), now()).is_err());
        assert!(validate(b"not json", &JwtValidation::default(), now()).is_err());
    }
}

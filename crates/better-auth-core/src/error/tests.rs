//! Codes, statuses and log lines of every rejection.

use super::*;

#[test]
fn statuses_and_codes_are_stable() {
    let cases = [
        (AuthError::MissingCredentials, 401, "missing_credentials"),
        (
            AuthError::MalformedCredentials { reason: "x" },
            401,
            "malformed_credentials",
        ),
        (AuthError::InvalidSignature, 401, "invalid_signature"),
        (AuthError::SessionNotFound, 401, "session_not_found"),
        (AuthError::SessionExpired, 401, "session_expired"),
        (AuthError::UserBanned, 403, "user_banned"),
        (
            AuthError::InvalidToken { reason: "x" },
            401,
            "invalid_token",
        ),
        (AuthError::TokenExpired, 401, "token_expired"),
        (AuthError::TokenNotYetValid, 401, "token_not_yet_valid"),
        (AuthError::UnknownKey, 401, "unknown_key"),
        (AuthError::ApiKeyTooShort, 403, "api_key_too_short"),
        (
            AuthError::JwksUnavailable(BackendError::unavailable("jwks", "down")),
            503,
            "jwks_unavailable",
        ),
        (
            BackendError::timeout("postgres", Duration::from_secs(2)).into(),
            503,
            "backend_timeout",
        ),
        (
            BackendError::unavailable("postgres", "connection refused").into(),
            503,
            "backend_unavailable",
        ),
    ];
    for (error, status, code) in cases {
        assert_eq!(error.status().as_u16(), status, "{error}");
        assert_eq!(error.code(), code);
    }
}

#[test]
fn log_lines_escape_what_a_client_sent() {
    let forged = "x'\n2026-12-07T00:00:00Z ERROR forged line\u{1b}[31m";
    let logged = LogSafe(forged).to_string();
    assert!(
        !logged.contains('\n') && !logged.contains('\u{1b}'),
        "{logged}"
    );
    assert!(
        logged.contains("\\n2026") && logged.contains("\\u{1b}"),
        "{logged}"
    );
    let backend = BackendError::unavailable("postgres", forged.to_owned()).to_string();
    assert!(!backend.contains('\n'), "{backend}");
    let body = AuthError::InvalidPermissionCheck {
        reason: forged.to_owned(),
    };
    assert!(!LogSafe(&body).to_string().contains('\n'));
}

#[test]
fn a_rate_limited_backend_answer_is_the_clients_429_not_a_503() {
    let error: AuthError = BackendError::rate_limited("better-auth", Duration::from_secs(7)).into();
    assert_eq!(error.status().as_u16(), 429);
    assert_eq!(error.code(), "rate_limited");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
    let shared: AuthError = BackendError::rate_limited("better-auth", Duration::from_secs(7))
        .detached_copy()
        .into();
    assert_eq!(
        shared.status().as_u16(),
        429,
        "a shared copy keeps the kind"
    );
}

/// One of each variant. The match below has no wildcard: a new variant does not compile
/// until it is listed here, so the status test cannot miss it.
fn one_of_each() -> Vec<AuthError> {
    let backend = || BackendError::unavailable("postgres", "down");
    let all = vec![
        AuthError::MissingCredentials,
        AuthError::MalformedCredentials { reason: "x" },
        AuthError::InvalidSignature,
        AuthError::SessionNotFound,
        AuthError::SessionExpired,
        AuthError::UserBanned,
        AuthError::InvalidToken { reason: "x" },
        AuthError::TokenExpired,
        AuthError::TokenNotYetValid,
        AuthError::UnknownKey,
        AuthError::InvalidApiKey { reason: "x" },
        AuthError::ApiKeyTooShort,
        AuthError::ApiKeyExpired,
        AuthError::ApiKeyExhausted,
        AuthError::ApiKeyDisabled,
        AuthError::ApiKeyRateLimited {
            try_again_in: Duration::from_millis(1500),
        },
        AuthError::ApiKeyNotUserOwned,
        AuthError::MissingOrigin,
        AuthError::UntrustedOrigin,
        AuthError::MissingRole,
        AuthError::EmailNotVerified,
        AuthError::SessionNotFresh,
        AuthError::NoActiveOrganization,
        AuthError::NotAMember,
        AuthError::MissingPermission,
        AuthError::InvalidPermissionCheck { reason: "x".into() },
        AuthError::AccessControl(
            crate::access_control::AccessControlError::ObjectPrototypeRole {
                role: "constructor".into(),
            },
        ),
        AuthError::Forbidden { code: "x" },
        AuthError::InsufficientScope {
            required: "read:items".into(),
        },
        AuthError::RateLimited {
            retry_after: Duration::from_secs(3),
        },
        AuthError::JwksUnavailable(backend()),
        AuthError::Backend(backend()),
        AuthError::Misconfigured { fix: "x" },
        AuthError::FieldsMismatch {
            model: "user",
            type_name: "x",
            reason: "x".into(),
        },
    ];
    let listed: std::collections::HashSet<u8> = all
        .iter()
        .map(|error| match error {
            AuthError::MissingCredentials => 0,
            AuthError::MalformedCredentials { .. } => 1,
            AuthError::InvalidSignature => 2,
            AuthError::SessionNotFound => 3,
            AuthError::SessionExpired => 4,
            AuthError::UserBanned => 5,
            AuthError::InvalidToken { .. } => 6,
            AuthError::TokenExpired => 7,
            AuthError::TokenNotYetValid => 8,
            AuthError::UnknownKey => 9,
            AuthError::InvalidApiKey { .. } => 10,
            AuthError::ApiKeyExpired => 11,
            AuthError::ApiKeyExhausted => 12,
            AuthError::MissingOrigin => 13,
            AuthError::UntrustedOrigin => 14,
            AuthError::MissingRole => 15,
            AuthError::EmailNotVerified => 16,
            AuthError::SessionNotFresh => 17,
            AuthError::Forbidden { .. } => 18,
            AuthError::JwksUnavailable(_) => 19,
            AuthError::Backend(_) => 20,
            AuthError::Misconfigured { .. } => 21,
            AuthError::ApiKeyDisabled => 22,
            AuthError::ApiKeyRateLimited { .. } => 23,
            AuthError::ApiKeyNotUserOwned => 24,
            AuthError::NoActiveOrganization => 25,
            AuthError::NotAMember => 26,
            AuthError::MissingPermission => 27,
            AuthError::AccessControl(_) => 28,
            AuthError::InvalidPermissionCheck { .. } => 29,
            AuthError::FieldsMismatch { .. } => 30,
            AuthError::InsufficientScope { .. } => 31,
            AuthError::RateLimited { .. } => 32,
            AuthError::ApiKeyTooShort => 33,
        })
        .collect();
    assert_eq!(listed.len(), 34, "every variant listed once");
    all
}

#[test]
fn codes_lists_every_code_once() {
    use crate::access_control::AccessControlError;
    let mut codes: std::collections::BTreeSet<&str> = one_of_each()
        .iter()
        .map(AuthError::code)
        .filter(|code| *code != "x")
        .collect();
    let timeout = BackendError::timeout("postgres", Duration::from_secs(1));
    codes.insert(AuthError::Backend(timeout.clone()).code());
    codes.insert(AuthError::JwksUnavailable(timeout).code());
    for error in [
        AccessControlError::InvalidRoleDefinition {
            role: "r".into(),
            reason: "x".into(),
        },
        AccessControlError::ObjectPrototypeResource {
            resource: "constructor".into(),
        },
        AccessControlError::NoPermissionsPassed,
    ] {
        codes.insert(AuthError::AccessControl(error).code());
    }
    let listed: std::collections::BTreeSet<&str> = AuthError::CODES.iter().copied().collect();
    assert_eq!(listed.len(), AuthError::CODES.len(), "no code listed twice");
    assert_eq!(codes, listed);
}

#[test]
fn every_status_is_listed_in_statuses() {
    let mut seen = std::collections::BTreeSet::new();
    for error in one_of_each() {
        assert!(
            AuthError::STATUSES.contains(&error.status()),
            "{error:?} answers {} which STATUSES lacks",
            error.status()
        );
        seen.insert(error.status());
    }
    assert_eq!(
        seen.len(),
        AuthError::STATUSES.len(),
        "no status listed in vain"
    );
}

#[test]
fn a_rate_limited_api_key_says_when_to_retry() {
    let error = AuthError::ApiKeyRateLimited {
        try_again_in: Duration::from_millis(9751),
    };
    assert_eq!(error.status().as_u16(), 429);
    assert_eq!(error.better_auth_code(), Some("RATE_LIMITED"));
    let body: serde_json::Value = serde_json::from_slice(&error.body().to_json()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "code": "api_key_rate_limited",
            "message": "API key rate limit exceeded",
            "details": {"tryAgainIn": 9751},
        })
    );
    let plain: serde_json::Value =
        serde_json::from_slice(&AuthError::ApiKeyExhausted.body().to_json()).unwrap();
    assert!(plain.get("details").is_none(), "{plain}");
}

#[test]
fn a_jwks_timeout_says_so() {
    let timeout = AuthError::JwksUnavailable(BackendError::timeout("jwks", Duration::from_secs(2)));
    assert_eq!(timeout.code(), "jwks_timeout");
    assert_eq!(timeout.status().as_u16(), 503);
}

#[test]
fn public_message_hides_backend_details() {
    let error: AuthError =
        BackendError::unavailable("postgres", "password authentication failed for x").into();
    assert_eq!(error.public_message(), "authentication backend unavailable");
    assert!(error.to_string().contains("password authentication failed"));
}

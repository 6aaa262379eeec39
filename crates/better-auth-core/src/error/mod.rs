//! The one error type of request authentication, with a stable code and HTTP status for each case.

use std::time::Duration;

use http::StatusCode;

mod access_control;
mod backend;
mod config;
#[cfg(test)]
mod tests;

pub use access_control::{AccessControlError, DefinitionsError};
pub(crate) use backend::LogSafe;
pub use backend::{BackendError, BackendErrorKind, BoxError};
pub use config::ConfigError;

/// Why a request could not be authenticated.
///
/// Every variant has a stable machine-readable [`code`](Self::code) and an HTTP
/// [`status`](Self::status): 401 for credentials that are absent or not good, 403 for a known
/// user who may not pass, 429 for an API key with no requests left, 503 when a backend could
/// not give an answer (500 for an app that is not set up). A backend failure is never turned
/// into a pass: the request fails closed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The request carries no session cookie and no `Authorization: Bearer` header.
    #[error("no credentials: send the session cookie or an `Authorization: Bearer` header")]
    MissingCredentials,
    /// Credentials are present but not in a form Better Auth issues.
    #[error("malformed credentials: {reason}")]
    MalformedCredentials {
        /// What is wrong with them (never contains the credential itself).
        reason: &'static str,
    },
    /// The signed session token's HMAC does not verify with the configured secret.
    #[error("the session token's signature does not verify")]
    InvalidSignature,
    /// No session has this token: signed out, revoked, or never issued here.
    #[error("no session matches this token")]
    SessionNotFound,
    /// The session exists but its `expiresAt` has passed.
    #[error("the session has expired")]
    SessionExpired,
    /// The user is banned (admin plugin `banned`, while `banExpires` is unset or ahead).
    #[error("the user is banned")]
    UserBanned,
    /// A bearer JWT that is not good: malformed, an algorithm that is not accepted or not its
    /// key's, a bad signature, a wrong issuer or audience, a missing claim.
    #[error("invalid token: {reason}")]
    InvalidToken {
        /// What is wrong (never contains the token).
        reason: &'static str,
    },
    /// A bearer JWT whose `exp` (or maximum age) has passed.
    #[error("the token has expired")]
    TokenExpired,
    /// A bearer JWT whose `nbf` is still ahead.
    #[error("the token is not valid yet")]
    TokenNotYetValid,
    /// A bearer JWT signed with a key (`kid`) the key set does not have, even after a refetch.
    #[error("the token's signing key is unknown")]
    UnknownKey,
    /// An API key that is unknown, disabled, or whose owner is gone.
    #[error("invalid API key: {reason}")]
    InvalidApiKey {
        /// What is wrong.
        reason: &'static str,
    },
    /// An API key shorter than its configuration's `defaultKeyLength` (64 by default, the
    /// prefix included): refused before any lookup, with 403, as Better Auth refuses it
    /// (`INVALID_API_KEY`).
    #[error("the API key is shorter than its configuration's defaultKeyLength")]
    ApiKeyTooShort,
    /// An API key past its `expiresAt`.
    #[error("the API key has expired")]
    ApiKeyExpired,
    /// An API key with no requests left (`remaining` is 0 and no refill is due). Better Auth's
    /// `USAGE_EXCEEDED`.
    #[error("the API key has no requests left")]
    ApiKeyExhausted,
    /// An API key whose `enabled` is false. Better Auth's `KEY_DISABLED`.
    #[error("the API key is disabled")]
    ApiKeyDisabled,
    /// An API key over its rate limit (`rateLimitMax` requests per `rateLimitTimeWindow`).
    /// Better Auth's `RATE_LIMITED`; answered with 429, `Retry-After` and
    /// `details.tryAgainIn`.
    #[error("the API key is rate limited; try again in {} ms", try_again_in.as_millis())]
    ApiKeyRateLimited {
        /// How long until the window lets a request through (Better Auth's `tryAgainIn`).
        try_again_in: Duration,
    },
    /// An API key whose `referenceId` is no user: an organization's key (plugin option
    /// `references: "organization"`), or its user was deleted. Better Auth's
    /// `INVALID_REFERENCE_ID_FROM_API_KEY`: it refuses such a key as a session too.
    #[error("the API key's referenceId is not a user")]
    ApiKeyNotUserOwned,
    /// A cookie-authenticated, state-changing request without `Origin` or `Referer`.
    #[error("missing or null Origin on a cookie-authenticated state-changing request")]
    MissingOrigin,
    /// A cookie-authenticated, state-changing request from an origin that is not trusted.
    #[error("untrusted Origin on a cookie-authenticated state-changing request")]
    UntrustedOrigin,
    /// The user lacks the required role (admin plugin `role`).
    #[error("the user lacks the required role")]
    MissingRole,
    /// The user's email is not verified.
    #[error("the user's email is not verified")]
    EmailNotVerified,
    /// The session is older than the required freshness (or there is no session).
    #[error("the session is not fresh enough")]
    SessionNotFresh,
    /// The session has no active organization (organization plugin), or the request has no
    /// session (a JWT or an API key).
    #[error("the session has no active organization")]
    NoActiveOrganization,
    /// The user is not (or no longer) a member of the session's active organization.
    #[error("the user is not a member of the active organization")]
    NotAMember,
    /// The member's (or the user's admin) roles do not grant the permissions asked for.
    #[error("the roles do not grant the permission")]
    MissingPermission,
    /// A `has-permission` request body Better Auth refuses (`400 VALIDATION_ERROR`), or the
    /// admin plugin's deprecated `permission` key alone (`400`).
    #[error("invalid permission check: {reason}")]
    InvalidPermissionCheck {
        /// What is wrong.
        reason: String,
    },
    /// A permission check Better Auth answers with an error, not a verdict (a malformed
    /// dynamic role of the organization, a name JavaScript objects inherit): 500, never a pass.
    #[error("permission check failed: {0}")]
    AccessControl(AccessControlError),
    /// The stored fields of the user or the session do not match the type a handler reads them
    /// as ([`Authenticated::user_fields`](crate::Authenticated::user_fields)): Better Auth's
    /// `additionalFields` and the service's type disagree. 500, logged with serde's reason.
    #[error("the {model}'s fields do not match {type_name}: {reason}")]
    FieldsMismatch {
        /// `user` or `session`.
        model: &'static str,
        /// The Rust type asked for.
        type_name: &'static str,
        /// What serde says is wrong.
        reason: String,
    },
    /// An OAuth access token that is good but lacks the scopes the route requires (RFC 6750
    /// `insufficient_scope`): 403, and the resource server's challenge names the scopes.
    #[error("the access token lacks the required scope `{required}`")]
    InsufficientScope {
        /// The scopes needed, space-separated (the challenge's `scope`).
        required: String,
    },
    /// A custom guard refused the request.
    #[error("forbidden ({code})")]
    Forbidden {
        /// The guard's machine-readable code.
        code: &'static str,
    },
    /// This client asked too much of Better Auth: its rate limit for the client's address
    /// answered 429 (remote mode's `get-session`, the OAuth provider's introspection), or
    /// the client spent its budget of lookups that found nothing
    /// ([`MissBudget`](crate::client::MissBudget)). 429 with `Retry-After`, for this client
    /// only; never a 503 for everyone.
    #[error("too many requests from this client; try again in {} ms", retry_after.as_millis())]
    RateLimited {
        /// How long until the client may try again.
        retry_after: Duration,
    },
    /// The key set could not be fetched and no usable key is at hand for this token.
    #[error("token keys unavailable: {0}")]
    JwksUnavailable(BackendError),
    /// A backend (database, Redis, ...) could not answer.
    #[error(transparent)]
    Backend(BackendError),
    /// The app is not set up to authenticate (e.g. no authenticator in the framework's state):
    /// a programming mistake, answered with 500 and logged with the fix.
    #[error("authentication is not configured: {fix}")]
    Misconfigured {
        /// What to do about it.
        fix: &'static str,
    },
}

impl AuthError {
    /// The stable machine-readable code, e.g. `"invalid_signature"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingCredentials => "missing_credentials",
            Self::MalformedCredentials { .. } => "malformed_credentials",
            Self::InvalidSignature => "invalid_signature",
            Self::SessionNotFound => "session_not_found",
            Self::SessionExpired => "session_expired",
            Self::UserBanned => "user_banned",
            Self::InvalidToken { .. } => "invalid_token",
            Self::TokenExpired => "token_expired",
            Self::TokenNotYetValid => "token_not_yet_valid",
            Self::UnknownKey => "unknown_key",
            Self::JwksUnavailable(error) => match error.kind {
                BackendErrorKind::Timeout => "jwks_timeout",
                BackendErrorKind::Unavailable
                | BackendErrorKind::InvalidData
                | BackendErrorKind::RateLimited => "jwks_unavailable",
            },
            Self::InvalidApiKey { .. } => "invalid_api_key",
            Self::ApiKeyTooShort => "api_key_too_short",
            Self::ApiKeyExpired => "api_key_expired",
            Self::ApiKeyExhausted => "api_key_exhausted",
            Self::ApiKeyDisabled => "api_key_disabled",
            Self::ApiKeyRateLimited { .. } => "api_key_rate_limited",
            Self::ApiKeyNotUserOwned => "api_key_not_user_owned",
            Self::MissingOrigin => "missing_origin",
            Self::UntrustedOrigin => "untrusted_origin",
            Self::MissingRole => "missing_role",
            Self::EmailNotVerified => "email_not_verified",
            Self::SessionNotFresh => "session_not_fresh",
            Self::NoActiveOrganization => "no_active_organization",
            Self::NotAMember => "not_a_member",
            Self::MissingPermission => "missing_permission",
            Self::InvalidPermissionCheck { .. } => "invalid_permission_check",
            Self::AccessControl(error) => error.code(),
            Self::InsufficientScope { .. } => "insufficient_scope",
            Self::RateLimited { .. } => "rate_limited",
            Self::Forbidden { code } => code,
            Self::Backend(error) => error.code(),
            Self::Misconfigured { .. } => "misconfigured",
            Self::FieldsMismatch { .. } => "fields_mismatch",
        }
    }

    /// Every code [`code`](Self::code) can give but a custom guard's
    /// ([`Forbidden`](Self::Forbidden)): for tools that explain each (the doctor's `explain`)
    /// and tests that cover each.
    pub const CODES: &'static [&'static str] = &[
        "missing_credentials",
        "malformed_credentials",
        "invalid_signature",
        "session_not_found",
        "session_expired",
        "user_banned",
        "invalid_token",
        "token_expired",
        "token_not_yet_valid",
        "unknown_key",
        "jwks_timeout",
        "jwks_unavailable",
        "invalid_api_key",
        "api_key_too_short",
        "api_key_expired",
        "api_key_exhausted",
        "api_key_disabled",
        "api_key_rate_limited",
        "api_key_not_user_owned",
        "missing_origin",
        "untrusted_origin",
        "missing_role",
        "email_not_verified",
        "session_not_fresh",
        "no_active_organization",
        "not_a_member",
        "missing_permission",
        "insufficient_scope",
        "rate_limited",
        "invalid_permission_check",
        "invalid_role_definition",
        "unsupported_resource",
        "unsupported_role",
        "no_permissions_passed",
        "backend_timeout",
        "backend_unavailable",
        "misconfigured",
        "fields_mismatch",
    ];

    /// Every status [`status`](Self::status) can give: 400, 401, 403, 429 (an exhausted API
    /// key, a client over its rate limit), 500 (a misconfigured app) and 503. Adapters that route errors by status (Rocket's
    /// catchers) cover these.
    pub const STATUSES: [StatusCode; 6] = [
        StatusCode::BAD_REQUEST,
        StatusCode::UNAUTHORIZED,
        StatusCode::FORBIDDEN,
        StatusCode::TOO_MANY_REQUESTS,
        StatusCode::INTERNAL_SERVER_ERROR,
        StatusCode::SERVICE_UNAVAILABLE,
    ];

    /// The HTTP status this error maps to: one of [`STATUSES`](Self::STATUSES).
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidPermissionCheck { .. } => StatusCode::BAD_REQUEST,
            Self::MissingCredentials
            | Self::MalformedCredentials { .. }
            | Self::InvalidSignature
            | Self::SessionNotFound
            | Self::SessionExpired
            | Self::InvalidToken { .. }
            | Self::TokenExpired
            | Self::TokenNotYetValid
            | Self::UnknownKey
            | Self::InvalidApiKey { .. }
            | Self::ApiKeyExpired
            | Self::ApiKeyDisabled
            | Self::ApiKeyNotUserOwned => StatusCode::UNAUTHORIZED,
            Self::ApiKeyExhausted | Self::ApiKeyRateLimited { .. } | Self::RateLimited { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::UserBanned
            | Self::ApiKeyTooShort
            | Self::MissingOrigin
            | Self::UntrustedOrigin
            | Self::MissingRole
            | Self::EmailNotVerified
            | Self::SessionNotFresh
            | Self::NoActiveOrganization
            | Self::NotAMember
            | Self::MissingPermission
            | Self::InsufficientScope { .. }
            | Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::JwksUnavailable(_) | Self::Backend(_) => StatusCode::SERVICE_UNAVAILABLE,
            // A guard checks parsed permissions: only Better Auth's 500 cases reach it (a body's
            // 400 is the endpoint's, before any guard).
            Self::Misconfigured { .. } | Self::AccessControl(_) | Self::FieldsMismatch { .. } => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// A message that is safe to show to the client: it names the problem, never a secret,
    /// a token or a backend's internals (those go to the log line).
    pub fn public_message(&self) -> &'static str {
        match self {
            Self::MissingCredentials => "authentication required",
            Self::MalformedCredentials { .. } => "malformed credentials",
            Self::InvalidSignature => "invalid session token signature",
            Self::SessionNotFound => "session not found",
            Self::SessionExpired => "session expired",
            Self::UserBanned => "user is banned",
            Self::InvalidToken { .. } => "invalid token",
            Self::TokenExpired => "token expired",
            Self::TokenNotYetValid => "token not valid yet",
            Self::UnknownKey => "unknown token signing key",
            Self::JwksUnavailable(error) => match error.kind {
                BackendErrorKind::Timeout => "token signing keys timed out",
                BackendErrorKind::Unavailable
                | BackendErrorKind::InvalidData
                | BackendErrorKind::RateLimited => "token signing keys unavailable",
            },
            Self::InvalidApiKey { .. } | Self::ApiKeyTooShort => "invalid API key",
            Self::ApiKeyExpired => "API key expired",
            Self::ApiKeyExhausted => "API key usage exceeded",
            Self::ApiKeyDisabled => "API key disabled",
            Self::ApiKeyRateLimited { .. } => "API key rate limit exceeded",
            Self::ApiKeyNotUserOwned => "API key is not owned by a user",
            Self::MissingOrigin => "missing or null Origin",
            Self::UntrustedOrigin => "untrusted Origin",
            Self::MissingRole => "missing required role",
            Self::EmailNotVerified => "email not verified",
            Self::SessionNotFresh => "session not fresh",
            Self::NoActiveOrganization => "no active organization",
            Self::NotAMember => "not a member of the active organization",
            Self::MissingPermission => "missing permission",
            Self::InsufficientScope { .. } => "insufficient scope",
            Self::RateLimited { .. } => "too many requests; try again later",
            Self::InvalidPermissionCheck { .. } => "invalid permission check",
            Self::AccessControl(_) => "the permission check failed",
            Self::Forbidden { .. } => "forbidden",
            Self::Misconfigured { .. } => "authentication is not configured",
            Self::FieldsMismatch { .. } => "the stored fields do not match the service",
            Self::Backend(error) => match error.kind {
                BackendErrorKind::Timeout => "authentication backend timed out",
                BackendErrorKind::Unavailable
                | BackendErrorKind::InvalidData
                | BackendErrorKind::RateLimited => "authentication backend unavailable",
            },
        }
    }

    /// The JSON body every adapter sends for this error: `{"code": ..., "message": ...}`, and
    /// `"details": {"tryAgainIn": <ms>}` for a rate-limited API key (as Better Auth sends it).
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code(),
            message: self.public_message(),
            details: match self {
                Self::ApiKeyRateLimited { try_again_in } => Some(ErrorDetails {
                    try_again_in: u64::try_from(try_again_in.as_millis()).unwrap_or(u64::MAX),
                }),
                _ => None,
            },
        }
    }

    /// How long the client should wait before trying again: the `Retry-After` header of a
    /// rate-limited API key or client (in whole seconds, rounded up, when sent).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::ApiKeyRateLimited { try_again_in } => Some(*try_again_in),
            Self::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// The code Better Auth's API key plugin gives for the same refusal (`USAGE_EXCEEDED`,
    /// `RATE_LIMITED`, `KEY_EXPIRED`, `KEY_DISABLED`, `INVALID_API_KEY`,
    /// `INVALID_REFERENCE_ID_FROM_API_KEY`); `None` for errors that are not about an API key.
    pub fn better_auth_code(&self) -> Option<&'static str> {
        Some(match self {
            Self::InvalidApiKey { .. } | Self::ApiKeyTooShort => "INVALID_API_KEY",
            Self::ApiKeyExpired => "KEY_EXPIRED",
            Self::ApiKeyExhausted => "USAGE_EXCEEDED",
            Self::ApiKeyDisabled => "KEY_DISABLED",
            Self::ApiKeyRateLimited { .. } => "RATE_LIMITED",
            Self::ApiKeyNotUserOwned => "INVALID_REFERENCE_ID_FROM_API_KEY",
            _ => return None,
        })
    }

    /// The `WWW-Authenticate` header value for a 401 (RFC 6750 style), `None` otherwise.
    pub fn www_authenticate(&self) -> Option<&'static str> {
        match self {
            Self::MissingCredentials => Some(r#"Bearer realm="better-auth""#),
            _ if self.status() == StatusCode::UNAUTHORIZED => {
                Some(r#"Bearer realm="better-auth", error="invalid_token""#)
            }
            _ => None,
        }
    }

    /// Whether this is a client-side problem (401/403) rather than a backend one (503).
    pub fn is_client_error(&self) -> bool {
        self.status().is_client_error()
    }
}

/// The JSON error body: `{"code": "session_expired", "message": "session expired"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ErrorBody {
    /// The stable machine-readable code.
    pub code: &'static str,
    /// A message safe to show to the client.
    pub message: &'static str,
    /// More about the refusal, when there is more (a rate-limited API key's `tryAgainIn`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<ErrorDetails>,
}

/// The `details` of an [`ErrorBody`]: Better Auth's shape, `{"tryAgainIn": 9751}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetails {
    /// Milliseconds until a rate-limited API key may be used again.
    pub try_again_in: u64,
}

impl ErrorBody {
    /// The body as JSON bytes.
    pub fn to_json(&self) -> Vec<u8> {
        // Static strings and a number: serialization cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

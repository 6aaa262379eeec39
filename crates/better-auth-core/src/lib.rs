#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// A panic in an authentication path is an outage: no unwrap/expect/print in library code.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The modules, from the ground up: a module uses only modules of its own layer or of the layers
// listed before it, never the crate root (the rule is in `docs/architecture.md`, "The layers of
// the core").
//
// 1. Primitives: text and headers as Better Auth's JavaScript reads them, secrets, errors.
mod cache_keys;
pub mod client;
mod cookies;
mod error;
mod headers;
mod js;
mod multi_session;
mod secret;
mod typed_fields;
// 2. Shared types: what a request is about, and the rules Better Auth applies to it.
pub mod access_control;
mod api_key_usage;
mod guard;
mod model;
mod origin;
mod response;
mod signing;
pub mod telemetry;
// 3. Settings: the configuration, as data.
mod config;
mod session_refresh;
// 4. The traits and their backends.
pub mod jwt;
pub mod store;
// 5. Lookup machinery: the in-process caches, Better Auth's cookie cache, credential discovery.
#[cfg(feature = "cookie-cache")]
pub mod cookie_cache;
mod credentials;
mod membership_cache;
mod session_lookup;
// 6. The engine: the authenticator, authorization, the resource server.
mod authenticator;
mod authorization;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "utoipa")]
pub mod openapi;
#[cfg(feature = "resource-server")]
pub mod resource_server;
#[cfg(feature = "test-utils")]
pub mod testing;
// 7. For the adapters: the macros that declare their extractor types (`#[macro_export]`).
mod adapter_support;

pub use api_key_usage::ApiKeyUsage;
pub use authenticator::{AuthOutcome, Authenticated, Authenticator, AuthenticatorBuilder};
pub use config::{
    ApiKeyConfig, ApiKeyOwner, AuthConfig, BearerPolicy, ColumnNaming, CookieAttributes,
    CookieDomain, CredentialOrder, DEFAULT_API_KEY_HEADER, EnvSettings, Model, ModelNames,
    SameSite, Schema, SessionLifetime, env,
};
pub use error::{
    AuthError, BackendError, BackendErrorKind, BoxError, ConfigError, ErrorBody, ErrorDetails,
};
pub use headers::RequestHeaders;
pub use model::{
    ApiKey, ApiKeyRecord, Identity, JwtClaims, Member, Membership, Organization, OrganizationRole,
    Session, SessionRecord, TeamMember, User, Via,
};
pub use origin::TrustedOrigins;
pub use response::{ErrorRenderer, ErrorResponse, Rejection};
pub use secret::{Secret, SecretSet};
pub use session_lookup::{BatchOptions, CacheOptions, CachedStore};
pub use session_refresh::RefreshHeaders;

/// Re-exported so that users name the same `http` types as this crate.
pub use http;

/// What this workspace's own test kit, CLI and fuzz targets use of the core's insides. Not part
/// of the public API: no semver promise, and it may change in any release.
#[doc(hidden)]
pub mod internals {
    pub use crate::credentials::Credential;
    pub use crate::jwt::compact::looks_like_jwt;
    pub use crate::signing::{SignatureError, cookie_value, sign, verify};
}

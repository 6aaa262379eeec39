#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// A panic in an authentication path is an outage: no unwrap/expect/print in library code.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod access_control;
mod adapter_support;
pub mod api_key_usage;
pub mod authenticated;
pub mod authenticator;
mod authorization;
pub mod cache;
pub mod client;
pub mod config;
#[cfg(feature = "cookie-cache")]
pub mod cookie_cache;
mod cookies;
pub mod credentials;
pub mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod guard;
pub mod headers;
mod js;
pub mod jwt;
mod membership_cache;
pub mod model;
pub mod multi_session;
#[cfg(feature = "utoipa")]
pub mod openapi;
pub mod origin;
#[cfg(feature = "resource-server")]
pub mod resource_server;
pub mod response;
pub mod secret;
mod session_lookup;
pub mod session_refresh;
pub mod signing;
pub mod store;
pub mod telemetry;
#[cfg(feature = "test-utils")]
pub mod testing;
mod typed_fields;

pub use api_key_usage::ApiKeyUsage;
pub use authenticated::Authenticated;
pub use authenticator::{AuthOutcome, Authenticator, AuthenticatorBuilder};
pub use cache::{BatchOptions, CacheOptions, CachedStore};
pub use config::{AuthConfig, BearerPolicy, ConfigError, CredentialOrder, EnvSettings};
pub use credentials::{Credential, Via};
pub use error::{AuthError, BackendError, BackendErrorKind, ErrorBody, ErrorDetails};
pub use headers::RequestHeaders;
pub use jwt::{JwtClaims, TokenVerifier};
pub use model::{Identity, Session, SessionRecord, User};
pub use origin::TrustedOrigins;
pub use response::{ErrorRenderer, ErrorResponse, Rejection};
pub use secret::{Secret, SecretSet};
pub use session_refresh::{RefreshHeaders, SessionLifetime};
pub use store::{Schema, SessionStore};

/// Re-exported so that users name the same `http` types as this crate.
pub use http;

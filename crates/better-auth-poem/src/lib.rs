#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// A panic in an authentication path is an outage: no unwrap/expect/print in library code.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)
)]

mod extract;
mod middleware;
#[cfg(feature = "resource-server")]
mod oauth;
#[cfg(feature = "openapi")]
pub mod openapi;
mod response;

pub use better_auth_core as core;
pub use better_auth_core::{
    AuthConfig, AuthError, Authenticated, Authenticator, ErrorResponse, Identity, Session, User,
    Via,
};
pub use extract::{AuthUser, OptionalAuthUser};
pub use middleware::{BetterAuth, BetterAuthEndpoint};
#[cfg(feature = "resource-server")]
pub use oauth::{OAuthToken, protected_resource_metadata};
pub use response::AuthRejection;

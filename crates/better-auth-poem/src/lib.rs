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
pub use response::AuthRejection;

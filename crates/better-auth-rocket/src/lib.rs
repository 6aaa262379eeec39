#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// A panic in an authentication path is an outage: no unwrap/expect/print in library code.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)
)]

mod catchers;
mod fairing;
mod guard;
#[cfg(feature = "resource-server")]
mod oauth;
mod response;

pub use better_auth_core as core;
pub use better_auth_core::{
    AuthConfig, AuthError, Authenticated, Authenticator, ErrorResponse, Identity, Session, User,
    Via,
};
pub use catchers::catchers;
pub use fairing::SessionRefresh;
pub use guard::{AuthUser, OptionalAuthUser};
#[cfg(feature = "resource-server")]
pub use oauth::{OAuthToken, protected_resource_metadata};
pub use response::AuthRejection;

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod extract;
mod response;

pub use better_auth_core as core;
pub use better_auth_core::{AuthConfig, AuthError, Authenticator, Identity, Session, User, Via};
pub use extract::AuthUser;
pub use response::AuthRejection;

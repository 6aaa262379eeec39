#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)
)]

#[cfg(feature = "conformance")]
#[doc(hidden)]
pub mod conformance;
#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
mod database;
mod kit;
mod memory_store;
mod records;

pub use better_auth_core as core;
#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
pub use database::WriteError;
pub use kit::{TEST_BASE_URL, TEST_KEY_ID, TEST_SECRET, TestAuth};
pub use memory_store::MemoryStore;
pub use records::{
    ApiKeyBuilder, JwtBuilder, OrganizationBuilder, SessionBuilder, TestApiKey, TestSession,
    UserBuilder,
};

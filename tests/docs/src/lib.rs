//! The Rust examples of the README and of the docs pages, compiled (and, unless marked
//! `no_run`, run) as doc tests: `cargo test -p better-auth-docs-tests --doc`, part of
//! `cargo xtask test`. Each page is included under `cfg(doctest)`, so nothing here is built
//! otherwise.
#![forbid(unsafe_code)]

/// The README.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct Readme;

/// `docs/testing.md`.
#[doc = include_str!("../../../docs/testing.md")]
#[cfg(doctest)]
pub struct Testing;

/// `docs/authorization.md`.
#[doc = include_str!("../../../docs/authorization.md")]
#[cfg(doctest)]
pub struct Authorization;

/// `docs/observability.md`.
#[doc = include_str!("../../../docs/observability.md")]
#[cfg(doctest)]
pub struct Observability;

/// `docs/resource-server.md`.
#[doc = include_str!("../../../docs/resource-server.md")]
#[cfg(doctest)]
pub struct ResourceServer;

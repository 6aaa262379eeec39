//! Cross-crate and real-service tests of better-auth-rs.

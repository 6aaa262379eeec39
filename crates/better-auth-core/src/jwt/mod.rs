//! Better Auth JWT plugin tokens: the [`TokenVerifier`] trait, the claim checks, and the JWKS
//! backend (feature `jwks`).
//!
//! The path of a token: [`looks_like_jwt`] tells it from a session token by its shape; the
//! compact form is split and size-checked; the header's `alg` must be one of Better Auth's five
//! [`Algorithm`]s; the key comes from the [`KeySet`] by `kid` and must be published for that
//! algorithm; the signature is verified by aws-lc-rs; the claims are checked
//! ([`JwtValidation`]) and returned as [`JwtClaims`].
//!
//! Crypto is aws-lc-rs's, which has all five algorithms (ES512 included). The JWS framing and
//! the claim checks are here: a few hundred lines, tested against tokens a real Better Auth
//! signed with each algorithm and against an attack corpus.

use async_trait::async_trait;

use crate::{error::AuthError, model::JwtClaims};

pub(crate) mod claims;
pub(crate) mod compact;
pub use claims::JwtValidation;
pub(crate) use compact::looks_like_jwt;

#[cfg(feature = "jwks")]
mod algorithm;
#[cfg(feature = "jwks")]
mod key;
#[cfg(feature = "jwks")]
pub(crate) mod key_cache;
#[cfg(feature = "jwks")]
mod key_set;
#[cfg(feature = "jwks")]
mod source;
#[cfg(all(
    feature = "jwks",
    any(feature = "postgres", feature = "sqlite", feature = "mysql")
))]
mod table_source;
#[cfg(feature = "jwks")]
mod verified_cache;
#[cfg(feature = "jwks")]
mod verifier;

#[cfg(feature = "jwks")]
pub use algorithm::Algorithm;
#[cfg(feature = "jwks")]
pub use key::{Jwk, KeyError, VerifyingKey};
#[cfg(feature = "jwks")]
pub use key_cache::KeyCacheOptions;
#[cfg(feature = "jwks")]
pub use key_set::KeySet;
#[cfg(feature = "jwks")]
pub use source::{HttpJwks, KeySource, StaticKeys};
#[cfg(all(
    feature = "jwks",
    any(feature = "postgres", feature = "sqlite", feature = "mysql")
))]
pub use table_source::{JwksTable, JwksTableOptions};
#[cfg(feature = "jwks")]
pub use verified_cache::VerifiedTokenCacheOptions;
#[cfg(feature = "jwks")]
pub use verifier::{FetchOptions, JwksVerifier};

/// Verifies a bearer JWT: token in, verified claims out.
///
/// Object-safe, so an [`Authenticator`](crate::Authenticator) holds `Arc<dyn TokenVerifier>`.
#[async_trait]
pub trait TokenVerifier: std::fmt::Debug + Send + Sync + 'static {
    /// The token's verified claims, or why it is refused.
    async fn verify_token(&self, token: &str) -> Result<std::sync::Arc<JwtClaims>, AuthError>;

    /// The answer for a token already verified, when it can be given at once (no I/O, no
    /// signature): a verified-token cache hit whose key is still current. `None`: ask
    /// [`verify_token`](Self::verify_token). The default has no such cache.
    fn verify_cached(&self, token: &str) -> Option<Result<std::sync::Arc<JwtClaims>, AuthError>> {
        let _ = token;
        None
    }

    /// Whether the verifier can work (its keys can be had): `Ok` or a 503 error.
    async fn check_health(&self) -> Result<(), AuthError>;
}

//! The signature algorithms Better Auth's JWT plugin signs with, and nothing else.

use std::fmt;

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P521_SHA512_FIXED, ED25519, RSA_PKCS1_2048_8192_SHA256,
    RSA_PSS_2048_8192_SHA256, VerificationAlgorithm,
};

/// A JWS algorithm Better Auth's JWT plugin can sign with (`jwks.keyPairConfig.alg`).
///
/// `none`, the HMAC family (`HS256`, ...) and every other name are not algorithms here at all:
/// a token that asks for them cannot even be parsed into a verification attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// Ed25519 (Better Auth's default).
    EdDSA,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-521 with SHA-512.
    ES512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
}

impl Algorithm {
    /// Every supported algorithm.
    pub const ALL: [Self; 5] = [
        Self::EdDSA,
        Self::ES256,
        Self::ES512,
        Self::PS256,
        Self::RS256,
    ];

    /// The JWS name (`"EdDSA"`, `"ES256"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::EdDSA => "EdDSA",
            Self::ES256 => "ES256",
            Self::ES512 => "ES512",
            Self::PS256 => "PS256",
            Self::RS256 => "RS256",
        }
    }

    /// The algorithm with this JWS name; `None` for anything unsupported, `none` and `HS*`
    /// included. Names are case-sensitive, as RFC 7515 says.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.name() == name)
    }

    /// The JWK key type (`kty`) a key for this algorithm has.
    pub fn key_type(self) -> &'static str {
        match self {
            Self::EdDSA => "OKP",
            Self::ES256 | Self::ES512 => "EC",
            Self::PS256 | Self::RS256 => "RSA",
        }
    }

    /// The JWK curve (`crv`) a key for this algorithm has, for curve-based algorithms.
    pub fn curve(self) -> Option<&'static str> {
        match self {
            Self::EdDSA => Some("Ed25519"),
            Self::ES256 => Some("P-256"),
            Self::ES512 => Some("P-521"),
            Self::PS256 | Self::RS256 => None,
        }
    }

    /// The length in bytes of one coordinate of an EC key (and half an ECDSA signature).
    pub(crate) fn coordinate_len(self) -> Option<usize> {
        match self {
            Self::ES256 => Some(32),
            Self::ES512 => Some(66),
            _ => None,
        }
    }

    /// The aws-lc-rs verification algorithm: fixed-length (`r || s`) ECDSA signatures, as JWS
    /// uses; RSA keys of 2048 to 8192 bits.
    pub(crate) fn verification(self) -> &'static dyn VerificationAlgorithm {
        match self {
            Self::EdDSA => &ED25519,
            Self::ES256 => &ECDSA_P256_SHA256_FIXED,
            Self::ES512 => &ECDSA_P521_SHA512_FIXED,
            Self::PS256 => &RSA_PSS_2048_8192_SHA256,
            Self::RS256 => &RSA_PKCS1_2048_8192_SHA256,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_better_auths_algorithms_exist() {
        for alg in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(alg.name()), Some(alg));
        }
        for refused in [
            "none", "None", "HS256", "HS512", "eddsa", "ES384", "RS512", "",
        ] {
            assert_eq!(Algorithm::from_name(refused), None, "{refused}");
        }
    }
}

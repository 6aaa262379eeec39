//! Public keys from JWKs, each bound to the one algorithm it was published for.

use std::fmt;

use aws_lc_rs::signature::{
    ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PSS_2048_8192_SHA256, RsaParameters,
    RsaPublicKeyComponents,
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Deserialize;

use super::Algorithm;

/// A JSON Web Key as Better Auth publishes it (`GET /api/auth/jwks`, or the `jwks` table's
/// `publicKey` column). Only the public members are read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Jwk {
    /// Key type: `OKP`, `EC` or `RSA`.
    pub kty: String,
    /// Key id (Better Auth: the `jwks` row id).
    #[serde(default)]
    pub kid: Option<String>,
    /// The algorithm the key is for.
    #[serde(default)]
    pub alg: Option<String>,
    /// Intended use: only `sig` (or absent) keys verify.
    #[serde(default, rename = "use")]
    pub key_use: Option<String>,
    /// Permitted operations: when present, must include `verify`.
    #[serde(default)]
    pub key_ops: Option<Vec<String>>,
    /// Curve (`Ed25519`, `P-256`, `P-521`).
    #[serde(default)]
    pub crv: Option<String>,
    /// OKP public key, or EC x coordinate (base64url).
    #[serde(default)]
    pub x: Option<String>,
    /// EC y coordinate (base64url).
    #[serde(default)]
    pub y: Option<String>,
    /// RSA modulus (base64url).
    #[serde(default)]
    pub n: Option<String>,
    /// RSA public exponent (base64url).
    #[serde(default)]
    pub e: Option<String>,
}

/// Why a JWK cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unusable JWK{}: {reason}", kid.as_deref().map(|kid| format!(" `{kid}`")).unwrap_or_default())]
pub struct KeyError {
    kid: Option<String>,
    reason: String,
}

impl KeyError {
    fn new(jwk: &Jwk, reason: impl Into<String>) -> Self {
        Self {
            kid: jwk.kid.clone(),
            reason: reason.into(),
        }
    }
}

/// A parsed public key, usable with exactly one [`Algorithm`].
#[derive(Clone)]
pub struct VerifyingKey {
    kid: Option<String>,
    alg: Algorithm,
    key: ParsedPublicKey,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish()
    }
}

impl VerifyingKey {
    /// Parses a JWK. Its algorithm is its `alg`; without one, the curve decides for OKP and EC
    /// keys, and `default_alg` (if any) for RSA keys, which could be RS256 or PS256.
    ///
    /// The key type and curve must fit the algorithm (an `RS256` key with `kty: EC` is
    /// refused), the key must be for signatures, and RSA moduli must have 2048 to 8192 bits.
    pub fn from_jwk(jwk: &Jwk, default_alg: Option<Algorithm>) -> Result<Self, KeyError> {
        if jwk
            .key_use
            .as_deref()
            .is_some_and(|key_use| key_use != "sig")
        {
            return Err(KeyError::new(jwk, "its `use` is not `sig`"));
        }
        if jwk
            .key_ops
            .as_ref()
            .is_some_and(|ops| !ops.iter().any(|op| op == "verify"))
        {
            return Err(KeyError::new(jwk, "its `key_ops` do not include `verify`"));
        }
        let alg = match jwk.alg.as_deref() {
            Some(name) => Algorithm::from_name(name).ok_or_else(|| {
                KeyError::new(jwk, format!("algorithm `{name}` is not supported"))
            })?,
            None => infer_algorithm(jwk, default_alg)?,
        };
        if jwk.kty != alg.key_type() {
            return Err(KeyError::new(
                jwk,
                format!(
                    "`kty` {} does not fit {alg} (needs {})",
                    jwk.kty,
                    alg.key_type()
                ),
            ));
        }
        if let Some(curve) = alg.curve()
            && jwk.crv.as_deref() != Some(curve)
        {
            return Err(KeyError::new(jwk, format!("{alg} needs curve {curve}")));
        }
        let key = match alg {
            Algorithm::EdDSA => {
                let x = decode_member(jwk, "x", jwk.x.as_deref())?;
                ParsedPublicKey::new(alg.verification(), x)
            }
            Algorithm::ES256 | Algorithm::ES512 => {
                let x = decode_member(jwk, "x", jwk.x.as_deref())?;
                let y = decode_member(jwk, "y", jwk.y.as_deref())?;
                let len = alg.coordinate_len().unwrap_or_default();
                if x.len() != len || y.len() != len {
                    return Err(KeyError::new(
                        jwk,
                        format!("{alg} coordinates must be {len} bytes"),
                    ));
                }
                let mut point = Vec::with_capacity(1 + 2 * len);
                point.push(0x04);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                ParsedPublicKey::new(alg.verification(), point)
            }
            Algorithm::PS256 | Algorithm::RS256 => {
                let n = decode_member(jwk, "n", jwk.n.as_deref())?;
                let e = decode_member(jwk, "e", jwk.e.as_deref())?;
                let bits = n.iter().skip_while(|b| **b == 0).count() * 8;
                if !(2048..=8192).contains(&bits) {
                    return Err(KeyError::new(
                        jwk,
                        format!("RSA modulus of {bits} bits (2048-8192)"),
                    ));
                }
                let params: &'static RsaParameters = match alg {
                    Algorithm::PS256 => &RSA_PSS_2048_8192_SHA256,
                    _ => &RSA_PKCS1_2048_8192_SHA256,
                };
                RsaPublicKeyComponents { n: &n, e: &e }.to_parsed_public_key(params)
            }
        }
        .map_err(|rejected| KeyError::new(jwk, format!("invalid public key ({rejected})")))?;
        Ok(Self {
            kid: jwk.kid.clone(),
            alg,
            key,
        })
    }

    /// The key id.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The one algorithm this key verifies.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// Whether `signature` is this key's signature of `message` (constant-time inside
    /// aws-lc-rs).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.key.verify_sig(message, signature).is_ok()
    }
}

fn infer_algorithm(jwk: &Jwk, default_alg: Option<Algorithm>) -> Result<Algorithm, KeyError> {
    match (jwk.kty.as_str(), jwk.crv.as_deref()) {
        ("OKP", Some("Ed25519")) => Ok(Algorithm::EdDSA),
        ("EC", Some("P-256")) => Ok(Algorithm::ES256),
        ("EC", Some("P-521")) => Ok(Algorithm::ES512),
        ("RSA", _) => default_alg
            .filter(|alg| alg.key_type() == "RSA")
            .ok_or_else(|| KeyError::new(jwk, "an RSA key without `alg` (RS256 or PS256?)")),
        (kty, crv) => Err(KeyError::new(
            jwk,
            format!("key type {kty} / curve {crv:?} is not supported"),
        )),
    }
}

fn decode_member(jwk: &Jwk, name: &str, value: Option<&str>) -> Result<Vec<u8>, KeyError> {
    let value = value.ok_or_else(|| KeyError::new(jwk, format!("member `{name}` is missing")))?;
    URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|_| KeyError::new(jwk, format!("member `{name}` is not base64url")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from a real Better Auth 1.7.25 `GET /api/auth/jwks`.
    const CAPTURED: &str = r#"{"alg":"EdDSA","crv":"Ed25519","x":"DMWoWiOCBXwIazDWl4adJI96ldswnyT-u1GH6ZROYIo","kty":"OKP","kid":"76MPK3abfGkrqD6O6rs3YoncIggk01vE"}"#;

    fn jwk(json: &str) -> Jwk {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn parses_the_captured_key() {
        let key = VerifyingKey::from_jwk(&jwk(CAPTURED), None).unwrap();
        assert_eq!(key.algorithm(), Algorithm::EdDSA);
        assert_eq!(key.kid(), Some("76MPK3abfGkrqD6O6rs3YoncIggk01vE"));
    }

    #[test]
    fn refuses_keys_that_do_not_fit_their_algorithm() {
        let cases = [
            CAPTURED.replace("\"EdDSA\"", "\"ES256\""),
            CAPTURED.replace("\"EdDSA\"", "\"HS256\""),
            CAPTURED.replace("\"EdDSA\"", "\"none\""),
            CAPTURED.replace("Ed25519", "X25519"),
            CAPTURED.replace("\"kty\":\"OKP\"", "\"kty\":\"oct\""),
            CAPTURED.replace("\"kty\":\"OKP\"", "\"kty\":\"OKP\",\"use\":\"enc\""),
            CAPTURED.replace("\"kty\":\"OKP\"", "\"kty\":\"OKP\",\"key_ops\":[\"sign\"]"),
            CAPTURED.replace("DMWoWiOCBXwIazDWl4adJI96ldswnyT-u1GH6ZROYIo", "DMWo"),
            CAPTURED.replace("DMWoWiOCBXwIazDWl4adJI96ldswnyT-u1GH6ZROYIo", "!!!"),
            r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#.to_owned(),
            r#"{"kty":"RSA","alg":"RS256","n":"AQAB","e":"AQAB"}"#.to_owned(),
            r#"{"kty":"EC","alg":"ES256","crv":"P-256","x":"AAAA","y":"AAAA"}"#.to_owned(),
            r#"{"kty":"oct","alg":"HS256","k":"c2VjcmV0"}"#.to_owned(),
        ];
        for case in cases {
            assert!(VerifyingKey::from_jwk(&jwk(&case), None).is_err(), "{case}");
        }
    }

    #[test]
    fn infers_algorithms_from_curves_only() {
        let without_alg = CAPTURED.replace("\"alg\":\"EdDSA\",", "");
        let key = VerifyingKey::from_jwk(&jwk(&without_alg), None).unwrap();
        assert_eq!(key.algorithm(), Algorithm::EdDSA);
    }
}

//! Signed values exactly as better-call signs them: `VALUE.SIGNATURE` where SIGNATURE is the
//! standard, padded base64 of HMAC-SHA256(key = utf8(secret), message = utf8(VALUE)).
//!
//! Verification follows better-call's `getSignedCookie`: split at the LAST `.`, require a value
//! of at least one character and a signature of exactly 44 characters ending in `=`, decode it,
//! and compare MACs in constant time (`hmac`'s `verify_slice`).

use base64::{Engine as _, engine::general_purpose::STANDARD};
use hmac::Mac;

use crate::secret::{Secret, SecretSet};

/// The length of a base64-encoded HMAC-SHA256 (32 bytes, padded).
const SIGNATURE_LEN: usize = 44;

/// Why a signed value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// Not of the `VALUE.SIGNATURE` shape (no `.`, empty value, or a signature that is not 44
    /// base64 characters ending in `=`).
    #[error("not a signed value of the form VALUE.SIGNATURE")]
    Malformed,
    /// The shape is right but the MAC does not verify with any accepted secret.
    #[error("signature does not verify")]
    Mismatch,
}

/// Verifies a signed value (already percent-decoded) and returns the value without its
/// signature. The check runs against [`SecretSet::verifying`].
///
/// ```
/// use better_auth_core::{SecretSet, internals as signing};
///
/// let secrets = SecretSet::single("a-32+char-test-secret-for-ba-probe-0123456789")?;
/// // Captured from a real Better Auth 1.7.25 `set-auth-token` header.
/// let signed = "MDrWaU1xxyq7RBvYdIPdO3CyhI7mSGPE.wSY8/qriJgKiJ9gyqyD82bP6TJhhiQ/9JwSO2xOrgJc=";
/// assert_eq!(signing::verify(signed, &secrets)?, "MDrWaU1xxyq7RBvYdIPdO3CyhI7mSGPE");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify<'a>(signed: &'a str, secrets: &SecretSet) -> Result<&'a str, SignatureError> {
    let (value, signature) = split(signed)?;
    let mut decoded = [0u8; 32];
    match STANDARD.decode_slice(signature, &mut decoded) {
        Ok(32) => {}
        _ => return Err(SignatureError::Malformed),
    }
    for secret in secrets.verifying() {
        let mut mac = secret.hmac();
        mac.update(value.as_bytes());
        if mac.verify_slice(&decoded).is_ok() {
            return Ok(value);
        }
    }
    Err(SignatureError::Mismatch)
}

/// Splits `VALUE.SIGNATURE` at the last `.` and applies better-call's shape rules.
fn split(signed: &str) -> Result<(&str, &str), SignatureError> {
    let dot = signed.rfind('.').ok_or(SignatureError::Malformed)?;
    if dot < 1 {
        return Err(SignatureError::Malformed);
    }
    let (value, signature) = (&signed[..dot], &signed[dot + 1..]);
    if signature.len() != SIGNATURE_LEN || !signature.ends_with('=') {
        return Err(SignatureError::Malformed);
    }
    Ok((value, signature))
}

/// Signs `value` with `secret` the way better-call does, returning `VALUE.SIGNATURE` (not
/// percent-encoded; see [`cookie_value`] for the cookie form).
///
/// Useful to mint cookies in tests and demos; a service that only verifies never needs it.
pub fn sign(value: &str, secret: &Secret) -> String {
    let mut mac = secret.hmac();
    mac.update(value.as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());
    format!("{value}.{signature}")
}

/// The value of a signed cookie as Better Auth sends it: `encodeURIComponent(VALUE.SIGNATURE)`.
pub fn cookie_value(value: &str, secret: &Secret) -> String {
    crate::js::encode_uri_component(&sign(value, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "a-32+char-test-secret-for-ba-probe-0123456789";
    const TOKEN: &str = "MDrWaU1xxyq7RBvYdIPdO3CyhI7mSGPE";
    const SIGNED: &str =
        "MDrWaU1xxyq7RBvYdIPdO3CyhI7mSGPE.wSY8/qriJgKiJ9gyqyD82bP6TJhhiQ/9JwSO2xOrgJc=";
    const COOKIE: &str =
        "MDrWaU1xxyq7RBvYdIPdO3CyhI7mSGPE.wSY8%2FqriJgKiJ9gyqyD82bP6TJhhiQ%2F9JwSO2xOrgJc%3D";

    fn secrets() -> SecretSet {
        SecretSet::single(SECRET).unwrap()
    }

    #[test]
    fn verifies_the_captured_vector() {
        assert_eq!(verify(SIGNED, &secrets()), Ok(TOKEN));
    }

    #[test]
    fn signs_byte_for_byte_like_better_call() {
        let secrets = secrets();
        assert_eq!(sign(TOKEN, secrets.current()), SIGNED);
        assert_eq!(cookie_value(TOKEN, secrets.current()), COOKIE);
    }

    #[test]
    fn refuses_another_secret() {
        let other = SecretSet::single("another-secret-of-at-least-32-characters").unwrap();
        assert_eq!(verify(SIGNED, &other), Err(SignatureError::Mismatch));
    }

    #[test]
    fn previous_secrets_verify_only_when_accepted() {
        let list = format!("2:another-secret-of-at-least-32-characters,1:{SECRET}");
        let rotated = SecretSet::parse_versioned(&list).unwrap();
        assert_eq!(verify(SIGNED, &rotated), Err(SignatureError::Mismatch));
        assert_eq!(verify(SIGNED, &rotated.accept_previous(true)), Ok(TOKEN));
    }

    #[test]
    fn refuses_tampering_and_bad_shapes() {
        let s = secrets();
        let mut tampered_token = SIGNED.to_owned();
        tampered_token.replace_range(0..1, "N");
        assert_eq!(verify(&tampered_token, &s), Err(SignatureError::Mismatch));

        let tampered_sig = SIGNED.replace("wSY8", "wSY9");
        assert_eq!(verify(&tampered_sig, &s), Err(SignatureError::Mismatch));

        for bad in [
            "",
            ".",
            TOKEN,
            &format!(".{}", &SIGNED[TOKEN.len() + 1..]), // empty value
            &SIGNED[..SIGNED.len() - 1],                 // 43 chars
            &format!("{SIGNED}A"),                       // 45 chars
            &SIGNED.replace('=', "A"),                   // 44 chars, no '='
            &SIGNED.replace("wSY8", "w!Y8"),             // not base64
            &format!("{TOKEN}.{}", "A".repeat(42) + "=="), // decodes to 31 bytes
            COOKIE,                                      // still percent-encoded
        ] {
            assert_eq!(verify(bad, &s), Err(SignatureError::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn splits_at_the_last_dot() {
        let s = secrets();
        let value = "a.b.c";
        let signed = sign(value, s.current());
        assert_eq!(verify(&signed, &s), Ok(value));
    }
}

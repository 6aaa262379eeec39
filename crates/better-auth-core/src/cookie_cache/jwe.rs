//! The `jwe` strategy: `alg: dir`, `enc: A256CBC-HS512`, the 64-byte key derived with
//! HKDF-SHA256 (salt `better-auth-session`, info `BetterAuth.js Generated Encryption Key`) from
//! a secret. The header's `kid` (the RFC 7638 thumbprint of that key) picks the secret among
//! `BETTER_AUTH_SECRETS`; Better Auth decrypts with any of them.
//!
//! A256CBC-HS512 is RFC 7518 §5.2.5, composed here from aws-lc-rs primitives: the first 32
//! bytes of the key are the MAC key, the last 32 the AES-256-CBC key; the tag is the first 32
//! bytes of HMAC-SHA512 over `AAD || IV || ciphertext || AL` (AAD: the ASCII of the protected
//! header segment, AL: its length in bits, 64-bit big-endian). The tag is checked, in constant
//! time, before anything is decrypted.

use aws_lc_rs::{
    cipher::{AES_256, DecryptionContext, PaddedBlockDecryptingKey, UnboundCipherKey},
    constant_time, hmac,
    iv::FixedLength,
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use hkdf::Hkdf;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{Entry, parse_payload};
use crate::secret::{Secret, SecretSet};

const SALT: &[u8] = b"better-auth-session";
const INFO: &[u8] = b"BetterAuth.js Generated Encryption Key";
/// Better Auth's `clockTolerance` when decrypting.
const CLOCK_TOLERANCE: Duration = Duration::seconds(15);
/// The largest value looked at (Better Auth's entries are a few KB).
const MAX_LEN: usize = 64 * 1024;
/// A256CBC-HS512: the MAC key then the encryption key, 32 bytes each.
const KEY_LEN: usize = 64;
const HALF_KEY_LEN: usize = KEY_LEN / 2;
/// The AES-CBC initialization vector.
const IV_LEN: usize = 16;
/// The authentication tag: HMAC-SHA512 truncated to its first 32 bytes.
const TAG_LEN: usize = 32;

fn derive_key(secret: &Secret) -> Option<[u8; KEY_LEN]> {
    let mut key = [0u8; KEY_LEN];
    Hkdf::<Sha256>::new(Some(SALT), secret.expose_bytes())
        .expand(INFO, &mut key)
        .ok()?;
    Some(key)
}

/// The RFC 7638 thumbprint of `{"kty":"oct","k":...}`: Better Auth's `kid` for the key.
fn thumbprint(key: &[u8]) -> String {
    let canonical = format!(r#"{{"k":"{}","kty":"oct"}}"#, URL_SAFE_NO_PAD.encode(key));
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    enc: String,
    #[serde(default)]
    kid: Option<String>,
}

#[derive(Deserialize)]
struct Expiry {
    exp: i64,
}

/// A compact JWE split and decoded: `header.encrypted_key.iv.ciphertext.tag`.
struct Compact<'a> {
    /// The protected header segment as sent: the AAD.
    aad: &'a [u8],
    header: Header,
    iv: [u8; IV_LEN],
    ciphertext: Vec<u8>,
    tag: [u8; TAG_LEN],
}

impl<'a> Compact<'a> {
    fn parse(value: &'a str) -> Option<Self> {
        let mut segments = value.split('.');
        let (Some(header), Some(encrypted_key), Some(iv), Some(ciphertext), Some(tag), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return None;
        };
        // `dir`: the key is the shared one, none is carried.
        if !encrypted_key.is_empty() {
            return None;
        }
        let ciphertext = URL_SAFE_NO_PAD.decode(ciphertext).ok()?;
        if ciphertext.is_empty() || ciphertext.len() % IV_LEN != 0 {
            return None;
        }
        Some(Self {
            aad: header.as_bytes(),
            header: serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?,
            iv: URL_SAFE_NO_PAD.decode(iv).ok()?.try_into().ok()?,
            ciphertext,
            tag: URL_SAFE_NO_PAD.decode(tag).ok()?.try_into().ok()?,
        })
    }

    /// Checks the tag with `key`, then decrypts: the plaintext, or `None` (wrong key, altered
    /// token, bad padding).
    fn decrypt(&self, key: &[u8; KEY_LEN]) -> Option<Vec<u8>> {
        let (mac_key, enc_key) = key.split_at(HALF_KEY_LEN);
        let aad_bits = u64::try_from(self.aad.len()).ok()?.checked_mul(8)?;
        let mut mac = hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA512, mac_key));
        mac.update(self.aad);
        mac.update(&self.iv);
        mac.update(&self.ciphertext);
        mac.update(&aad_bits.to_be_bytes());
        let full = mac.sign();
        let expected = full.as_ref().get(..TAG_LEN)?;
        constant_time::verify_slices_are_equal(expected, &self.tag).ok()?;

        let key =
            PaddedBlockDecryptingKey::cbc_pkcs7(UnboundCipherKey::new(&AES_256, enc_key).ok()?)
                .ok()?;
        let mut in_out = self.ciphertext.clone();
        let context = DecryptionContext::Iv128(FixedLength::from(self.iv));
        let plaintext = key.decrypt(&mut in_out, context).ok()?;
        Some(plaintext.to_vec())
    }
}

pub(super) fn decode(value: &str, secrets: &SecretSet) -> Option<Entry> {
    if value.len() > MAX_LEN {
        return None;
    }
    let token = Compact::parse(value)?;
    if token.header.alg != "dir" || token.header.enc != "A256CBC-HS512" {
        return None;
    }
    let all = std::iter::once(secrets.current()).chain(secrets.previous());
    let keys: Vec<[u8; KEY_LEN]> = all.filter_map(derive_key).collect();
    let candidates: Vec<&[u8; KEY_LEN]> = match &token.header.kid {
        Some(kid) => keys
            .iter()
            .filter(|key| &thumbprint(key.as_slice()) == kid)
            .collect(),
        None => keys.iter().collect(),
    };
    let claims = candidates.into_iter().find_map(|key| token.decrypt(key))?;
    let Expiry { exp } = serde_json::from_slice(&claims).ok()?;
    let expires_at = DateTime::from_timestamp(exp, 0)?;
    if expires_at + CLOCK_TOLERANCE < Utc::now() {
        return None;
    }
    Some(Entry {
        payload: parse_payload(&claims)?,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::cipher::{EncryptionContext, PaddedBlockEncryptingKey};

    use super::*;

    /// The secret [`BETTER_AUTH_ENTRY`] was encrypted with.
    const SECRET: &str = "jwe-fixture-secret-of-at-least-32-characters";
    /// A cookie cache entry written by Better Auth 1.7.29 itself: a real server
    /// (`tests/better-auth-server`, `session.cookieCache: {enabled: true, strategy: "jwe"}`,
    /// the secret above) set it on a sign-up; `symmetricDecodeJWT` of `better-auth/crypto`
    /// decrypted it and `symmetricEncodeJWT` encrypted its claims again with a 100-year expiry
    /// (a cookie's Max-Age cannot exceed 400 days), so `exp` is 4950265267 (year 2126).
    const BETTER_AUTH_ENTRY: &str = concat!(
        "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2Q0JDLUhTNTEyIiwia2lkIjoieHhNQnBseTJpYzREMUdGRnpPcWw2",
        "d1FGcDk5TklsQklURjFsQVJUUWxUWSJ9..Fi6EHN-k56bjLXTDiDjM-Q.jDlZ1LhN8os6JSQI9YCLos4rf1Y",
        "G2csGMMrA0i2zPYYLR2ptjjpaemx7txzoAOS9itTNcz4cIrsBrt6OOaUEJg-34gn1y2ej9JmMMHRF2vVzL1e",
        "VQip0n48HD4kVQBib6Tk0ft3HMDb8Swj1pme_JpwFKmOui8e3Muejbz3NKmC-GSYxNSaxxgivZimYVH6Tlzn",
        "bKojodtA_sVEc_dSGOOEz3fBggnJrmWqGsIVEcpH7Ge65p1OoD6Fd10ur2N6km4KUVnv6scEMoU06s0-QoME",
        "TkvyIeilLrPy1EHhVX0CzY7wPz9uJfXFbd5X1RR1v_IM4-SXnNxuxcxMw9GtSwtRHCXf_mR9ivYkjlCphKEq",
        "-qS289MkR1WWuQPtffFoM6pZO01AIZUF2xHPJXbhU8Ow5yK6p9dZsxfsTgzixLPtIaRiReVum6Ny9pg6VECm",
        "FsbH_H6gtraIuOgALJtWVzk3sjhLetdYba7RtTeCI6_ExMcdMD1DHuHjgRFvmtK_zU-Xz6I-ogZjsz7qkzqY",
        "B0TOgqgxTV7F9HTDtflSA3Vy9sD8g8sIIivz89RToaEy4TSJHPmwKTJRUFeHFlrnM9uBaQeod5mgsoUVY7i5",
        "hlM5iKPZWDCqTzTqYCG_7k9hkkagxDqH5SaNbmiW-6rYG0SzMj9X2-ltP7FQNsHcZlYoukUzlgJhrt6fDKg5",
        "36hxut9gRQq94CXgNLGfg-DYzR48Lf68gg-m_-JaMnlRaAh_LraAxa8uw_KKREUq5OH7ntgupb-9jW1VfzIh",
        "Fp2bB4o6JmCmSr6Uehgq_oqQFoN7RqD150tROMkvSY8_gbHuWQF9hd5Dvckbv4CeqcTRXOQ.oL8HJ7e_zYt0",
        "MwM6U33Qx1L7FMRfr4vRjNPLQT6nHoA",
    );
    const EXP: i64 = 4_950_265_267;
    const TOKEN: &str = "v2vRrwQJ7ssAzlLxDkAGijCHrgnanOIA";

    fn secrets() -> SecretSet {
        SecretSet::single(SECRET).unwrap()
    }

    fn key() -> [u8; KEY_LEN] {
        derive_key(secrets().current()).unwrap()
    }

    fn segments(value: &str) -> Vec<String> {
        value.split('.').map(str::to_owned).collect()
    }

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Flips the lowest bit of byte `index` of a base64url segment.
    fn flip(segment: &str, index: usize) -> String {
        let mut bytes = URL_SAFE_NO_PAD.decode(segment).unwrap();
        bytes[index] ^= 1;
        b64(&bytes)
    }

    /// The claims of [`BETTER_AUTH_ENTRY`] and its IV.
    fn better_auths_claims() -> (Vec<u8>, [u8; IV_LEN]) {
        let token = Compact::parse(BETTER_AUTH_ENTRY).unwrap();
        (token.decrypt(&key()).unwrap(), token.iv)
    }

    /// Encrypts `claims` as A256CBC-HS512 under this protected header (and encrypted key
    /// segment): checked against Better Auth's own entry by
    /// `the_test_encrypter_rebuilds_better_auths_entry`, it makes entries with a valid tag that
    /// differ from Better Auth's in one way.
    fn seal(header: &str, encrypted_key: &str, claims: &[u8], iv: [u8; IV_LEN]) -> String {
        let key = key();
        let (mac_key, enc_key) = key.split_at(HALF_KEY_LEN);
        let aad = b64(header.as_bytes());
        let cipher =
            PaddedBlockEncryptingKey::cbc_pkcs7(UnboundCipherKey::new(&AES_256, enc_key).unwrap())
                .unwrap();
        let mut ciphertext = claims.to_vec();
        cipher
            .less_safe_encrypt(
                &mut ciphertext,
                EncryptionContext::Iv128(FixedLength::from(iv)),
            )
            .unwrap();
        let al = (aad.len() as u64 * 8).to_be_bytes();
        let input = [aad.as_bytes(), &iv, &ciphertext, &al].concat();
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA512, mac_key), &input);
        format!(
            "{aad}.{encrypted_key}.{}.{}.{}",
            b64(&iv),
            b64(&ciphertext),
            b64(&tag.as_ref()[..TAG_LEN])
        )
    }

    fn header_of(value: &str) -> String {
        String::from_utf8(
            URL_SAFE_NO_PAD
                .decode(value.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn decrypts_better_auths_entry() {
        let entry = decode(BETTER_AUTH_ENTRY, &secrets()).unwrap();
        assert_eq!(entry.payload.session.token, TOKEN);
        assert_eq!(entry.payload.user.email, "fixture@example.com");
        assert_eq!(entry.payload.version.as_deref(), Some("1"));
        assert_eq!(entry.expires_at.timestamp(), EXP);
    }

    #[test]
    fn the_test_encrypter_rebuilds_better_auths_entry() {
        let (claims, iv) = better_auths_claims();
        let header = header_of(BETTER_AUTH_ENTRY);
        assert_eq!(seal(&header, "", &claims, iv), BETTER_AUTH_ENTRY);
    }

    #[test]
    fn a_previous_secret_still_decrypts_its_entries() {
        let rotated = SecretSet::parse_versioned(&format!(
            "2:another-secret-of-at-least-32-characters,1:{SECRET}"
        ))
        .unwrap();
        assert!(decode(BETTER_AUTH_ENTRY, &rotated).is_some());
        // Without a `kid`, every secret is tried.
        let (claims, iv) = better_auths_claims();
        let without_kid = seal(r#"{"alg":"dir","enc":"A256CBC-HS512"}"#, "", &claims, iv);
        assert!(decode(&without_kid, &secrets()).is_some());
        assert!(decode(&without_kid, &rotated).is_some());
    }

    #[test]
    fn a_wrong_secret_decrypts_nothing() {
        let other = SecretSet::single("another-secret-of-at-least-32-characters").unwrap();
        assert!(decode(BETTER_AUTH_ENTRY, &other).is_none());
        // Without a `kid` to rule it out, the wrong key meets the tag.
        let (claims, iv) = better_auths_claims();
        let without_kid = seal(r#"{"alg":"dir","enc":"A256CBC-HS512"}"#, "", &claims, iv);
        assert!(decode(&without_kid, &other).is_none());
    }

    #[test]
    fn a_kid_naming_no_configured_secret_is_refused() {
        // The right key, but a `kid` of no configured secret: Better Auth refuses it ("no
        // matching decryption secret") without trying its keys.
        let other = SecretSet::single("another-secret-of-at-least-32-characters").unwrap();
        let kid = thumbprint(&derive_key(other.current()).unwrap());
        let header = format!(r#"{{"alg":"dir","enc":"A256CBC-HS512","kid":"{kid}"}}"#);
        let (claims, iv) = better_auths_claims();
        assert!(decode(&seal(&header, "", &claims, iv), &secrets()).is_none());
    }

    #[test]
    fn a_tampered_tag_is_refused() {
        let mut parts = segments(BETTER_AUTH_ENTRY);
        for index in [0, TAG_LEN - 1] {
            let tag = flip(&parts[4], index);
            let original = std::mem::replace(&mut parts[4], tag);
            assert!(
                decode(&parts.join("."), &secrets()).is_none(),
                "byte {index}"
            );
            parts[4] = original;
        }
    }

    #[test]
    fn a_tampered_ciphertext_is_refused() {
        let mut parts = segments(BETTER_AUTH_ENTRY);
        parts[3] = flip(&parts[3], 0);
        assert!(decode(&parts.join("."), &secrets()).is_none());
        // CBC lets the first block be dropped (it becomes the IV): here the rest is valid
        // JSON, so only the tag refuses it.
        let (claims, iv) = better_auths_claims();
        let padded = [b" ".repeat(IV_LEN), claims].concat();
        let entry = seal(&header_of(BETTER_AUTH_ENTRY), "", &padded, iv);
        assert!(decode(&entry, &secrets()).is_some());
        let mut parts = segments(&entry);
        let ciphertext = URL_SAFE_NO_PAD.decode(&parts[3]).unwrap();
        parts[2] = b64(&ciphertext[..IV_LEN]);
        parts[3] = b64(&ciphertext[IV_LEN..]);
        assert!(decode(&parts.join("."), &secrets()).is_none());
    }

    #[test]
    fn a_tampered_iv_is_refused() {
        // Claims after a space: flipping the IV's bits turns it into a tab, still valid JSON.
        let (claims, iv) = better_auths_claims();
        let spaced = [b" ".to_vec(), claims].concat();
        let entry = seal(&header_of(BETTER_AUTH_ENTRY), "", &spaced, iv);
        assert!(decode(&entry, &secrets()).is_some());
        let mut parts = segments(&entry);
        let mut iv = URL_SAFE_NO_PAD.decode(&parts[2]).unwrap();
        iv[0] ^= b' ' ^ b'\t';
        parts[2] = b64(&iv);
        assert!(decode(&parts.join("."), &secrets()).is_none());
    }

    #[test]
    fn a_tampered_header_is_refused() {
        // The same header (and `kid`) written otherwise: only the AAD differs.
        let header: serde_json::Value =
            serde_json::from_str(&header_of(BETTER_AUTH_ENTRY)).unwrap();
        let rewritten = format!(
            r#"{{"enc":"A256CBC-HS512","alg":"dir","kid":{}}}"#,
            header["kid"]
        );
        let mut parts = segments(BETTER_AUTH_ENTRY);
        parts[0] = b64(rewritten.as_bytes());
        assert!(decode(&parts.join("."), &secrets()).is_none());
    }

    #[test]
    fn only_dir_and_a256cbc_hs512_are_accepted() {
        let (claims, iv) = better_auths_claims();
        for header in [
            r#"{"alg":"A256KW","enc":"A256CBC-HS512"}"#,
            r#"{"alg":"dir","enc":"A128CBC-HS256"}"#,
            r#"{"alg":"dir","enc":"A256GCM"}"#,
            r#"{"alg":"none","enc":"A256CBC-HS512"}"#,
            r#"{"enc":"A256CBC-HS512"}"#,
            r#"{"alg":"dir"}"#,
        ] {
            // Each with a valid tag: only the header check refuses it.
            assert!(
                decode(&seal(header, "", &claims, iv), &secrets()).is_none(),
                "{header}"
            );
        }
    }

    #[test]
    fn an_encrypted_key_is_refused_with_dir() {
        // The tag does not cover the encrypted key segment: only its check refuses it.
        let mut parts = segments(BETTER_AUTH_ENTRY);
        parts[1] = b64(&[0u8; 40]);
        assert!(decode(&parts.join("."), &secrets()).is_none());
    }

    #[test]
    fn an_expired_entry_is_refused() {
        let (claims, iv) = better_auths_claims();
        let mut claims: serde_json::Value = serde_json::from_slice(&claims).unwrap();
        claims["exp"] = (Utc::now().timestamp() - 60).into();
        let entry = seal(
            &header_of(BETTER_AUTH_ENTRY),
            "",
            claims.to_string().as_bytes(),
            iv,
        );
        assert!(decode(&entry, &secrets()).is_none());
        claims["exp"] = (Utc::now().timestamp() + 60).into();
        let entry = seal(
            &header_of(BETTER_AUTH_ENTRY),
            "",
            claims.to_string().as_bytes(),
            iv,
        );
        assert!(decode(&entry, &secrets()).is_some());
    }

    #[test]
    fn malformed_entries_are_refused_without_a_panic() {
        let parts = segments(BETTER_AUTH_ENTRY);
        let with = |index: usize, segment: &str| {
            let mut parts = parts.clone();
            parts[index] = segment.to_owned();
            parts.join(".")
        };
        let iv = URL_SAFE_NO_PAD.decode(&parts[2]).unwrap();
        let ciphertext = URL_SAFE_NO_PAD.decode(&parts[3]).unwrap();
        let tag = URL_SAFE_NO_PAD.decode(&parts[4]).unwrap();
        let cases = [
            String::new(),
            ".".repeat(4),
            BETTER_AUTH_ENTRY[..BETTER_AUTH_ENTRY.len() / 2].to_owned(),
            BETTER_AUTH_ENTRY[..BETTER_AUTH_ENTRY.len() - 1].to_owned(),
            parts[..4].join("."),
            format!("{BETTER_AUTH_ENTRY}."),
            format!("{BETTER_AUTH_ENTRY}.{}", parts[4]),
            with(0, "not base64!"),
            with(0, &b64(b"not json")),
            with(2, "not base64!"),
            with(2, &b64(&iv[..IV_LEN - 1])),
            with(2, &b64(&[iv.as_slice(), &[0]].concat())),
            with(3, ""),
            with(3, "not base64!"),
            with(3, &b64(&ciphertext[..ciphertext.len() - 1])),
            with(3, &b64(&ciphertext[..ciphertext.len() - IV_LEN])),
            with(4, ""),
            with(4, "not base64!"),
            with(4, &b64(&tag[..TAG_LEN - 1])),
            with(4, &b64(&[tag.as_slice(), &[0]].concat())),
            format!("{}{}", BETTER_AUTH_ENTRY, "A".repeat(MAX_LEN)),
        ];
        for (index, case) in cases.iter().enumerate() {
            assert!(decode(case, &secrets()).is_none(), "case {index}");
        }
    }
}

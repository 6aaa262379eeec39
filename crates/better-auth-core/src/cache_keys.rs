//! The keys the in-process caches (sessions, verified tokens, introspection answers) are
//! indexed by: a keyed 128-bit hash (SipHash-1-3, a pseudorandom function under a secret key
//! drawn at startup) of a token, and of the signed value that proved it.
//!
//! Why a keyed hash and not SHA-256: the key never leaves the process, so nobody outside can
//! compute a key, let alone steer two inputs onto one (an attacker who does not know the key
//! finds a collision with a given entry with probability about 2^-128 per try); the cache holds
//! no token in clear as a key; and it costs a tenth of SHA-256 on a 77-byte value.

use siphasher::sip128::SipHasher13;

/// A cache key: the keyed hash of a token or of a signed value.
pub(crate) type Key = u128;

/// The two keyed hashes, each with its own random key.
#[derive(Clone)]
pub(crate) struct Keys {
    token: SipHasher13,
    signed: SipHasher13,
}

impl Keys {
    /// Keys drawn from the operating system's random source.
    pub(crate) fn random() -> Self {
        let mut seed = [0u8; 64];
        if getrandom::fill(&mut seed).is_err() {
            // The OS refused (it does not on Linux): derive the keys from std's own
            // OS-seeded hasher state instead.
            use std::hash::BuildHasher;
            let state = std::collections::hash_map::RandomState::new();
            for (n, chunk) in seed.chunks_mut(8).enumerate() {
                chunk.copy_from_slice(&state.hash_one(n).to_le_bytes());
            }
        }
        let mut words = seed
            .chunks_exact(8)
            .map(|chunk| u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        let mut next = || words.next().unwrap_or_default();
        Self {
            token: SipHasher13::new_with_keys(next(), next()),
            signed: SipHasher13::new_with_keys(next(), next()),
        }
    }

    /// The key of a session token (the unsigned token, what `session.token` stores).
    pub(crate) fn token(&self, token: &str) -> Key {
        self.token.hash(token.as_bytes()).as_u128()
    }

    /// The key of a signed value (`TOKEN.SIGNATURE`) whose signature verified.
    pub(crate) fn signed(&self, value: &str) -> Key {
        self.signed.hash(value.as_bytes()).as_u128()
    }
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(<random>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_per_process_and_per_kind() {
        let (a, b) = (Keys::random(), Keys::random());
        assert_ne!(
            a.token("t"),
            b.token("t"),
            "each instance draws its own key"
        );
        assert_ne!(
            a.token("t.s"),
            a.signed("t.s"),
            "tokens and signed values apart"
        );
        assert_ne!(a.signed("t.s"), b.signed("t.s"), "for signed values too");
        assert_eq!(a.token("t"), a.token("t"));
        assert_ne!(a.token("t"), a.token("u"));
    }
}

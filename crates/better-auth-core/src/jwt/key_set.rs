//! A set of verifying keys, looked up by `kid`.

use std::{collections::HashMap, sync::Arc};

use super::{Algorithm, Jwk, VerifyingKey};

/// The usable keys of one JWKS document.
#[derive(Debug, Default, Clone)]
pub struct KeySet {
    by_kid: HashMap<String, Arc<VerifyingKey>>,
    without_kid: Vec<Arc<VerifyingKey>>,
}

/// The outcome of looking a key up.
#[derive(Debug)]
pub(crate) enum Lookup {
    Found(Arc<VerifyingKey>),
    /// A key with this `kid` exists but is for another algorithm.
    WrongAlgorithm,
    NotFound,
    /// The token has no `kid` and several keys could verify it.
    Ambiguous,
}

impl KeySet {
    /// Builds the set from JWKs; keys that cannot be used are skipped and logged.
    pub fn from_jwks(jwks: &[Jwk], default_alg: Option<Algorithm>) -> Self {
        let mut set = Self::default();
        for jwk in jwks {
            match VerifyingKey::from_jwk(jwk, default_alg) {
                Ok(key) => set.insert(key),
                Err(error) => {
                    tracing::warn!(target: "better_auth", error = %crate::error::LogSafe(&error), "JWKS key skipped")
                }
            }
        }
        set
    }

    fn insert(&mut self, key: VerifyingKey) {
        let key = Arc::new(key);
        match key.kid() {
            Some(kid) => {
                self.by_kid.insert(kid.to_owned(), key);
            }
            None => self.without_kid.push(key),
        }
    }

    /// How many keys it holds.
    pub fn len(&self) -> usize {
        self.by_kid.len() + self.without_kid.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The key for a token with this `kid` (if any) and `alg`.
    pub(crate) fn lookup(&self, kid: Option<&str>, alg: Algorithm) -> Lookup {
        match kid {
            Some(kid) => match self.by_kid.get(kid) {
                Some(key) if key.algorithm() == alg => Lookup::Found(key.clone()),
                Some(_) => Lookup::WrongAlgorithm,
                None => Lookup::NotFound,
            },
            None => {
                let mut candidates = self
                    .by_kid
                    .values()
                    .chain(&self.without_kid)
                    .filter(|key| key.algorithm() == alg);
                match (candidates.next(), candidates.next()) {
                    (Some(key), None) => Lookup::Found(key.clone()),
                    (Some(_), Some(_)) => Lookup::Ambiguous,
                    (None, _) => Lookup::NotFound,
                }
            }
        }
    }
}

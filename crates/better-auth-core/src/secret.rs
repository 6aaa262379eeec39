//! The Better Auth secret(s): `BETTER_AUTH_SECRET`, `AUTH_SECRET` or the versioned
//! `BETTER_AUTH_SECRETS="2:new,1:old"` list, kept out of logs.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::ConfigError;

/// HMAC-SHA256, the MAC Better Auth (through better-call) signs cookies with.
pub(crate) type HmacSha256 = Hmac<Sha256>;

/// The minimum secret length this library accepts by default (Better Auth warns below it).
pub(crate) const MIN_SECRET_LEN: usize = 32;

/// One secret, usable as an HMAC key. Its `Debug` output never shows the value.
#[derive(Clone)]
pub struct Secret {
    version: Option<u32>,
    value: String,
    mac: HmacSha256,
}

impl Secret {
    /// Wraps a secret; `version` is its number in `BETTER_AUTH_SECRETS`, if it came from there.
    pub fn new(value: impl Into<String>, version: Option<u32>) -> Result<Self, ConfigError> {
        let value = value.into();
        if value.is_empty() {
            return Err(ConfigError::MissingSecret);
        }
        let mac =
            HmacSha256::new_from_slice(value.as_bytes()).map_err(|_| ConfigError::MissingSecret)?;
        Ok(Self {
            version,
            value,
            mac,
        })
    }

    /// Its version in `BETTER_AUTH_SECRETS`, if any.
    pub fn version(&self) -> Option<u32> {
        self.version
    }

    /// The secret's bytes (UTF-8, as Better Auth uses them).
    pub fn expose_bytes(&self) -> &[u8] {
        self.value.as_bytes()
    }

    /// An HMAC-SHA256 state keyed with this secret, ready for `update`.
    pub(crate) fn hmac(&self) -> HmacSha256 {
        self.mac.clone()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("version", &self.version)
            .field("value", &"<redacted>")
            .finish()
    }
}

/// The configured secrets: the current one (which Better Auth signs with) and older ones.
///
/// Better Auth 1.7 signs **and verifies** session cookies with the current secret only: after a
/// rotation with `BETTER_AUTH_SECRETS`, cookies signed with an older secret are refused (checked
/// against a real server). [`verifying`](Self::verifying) follows that unless
/// [`accept_previous`](Self::accept_previous) is set, which helps during a staged rollout.
#[derive(Clone, Debug)]
pub struct SecretSet {
    current: Secret,
    previous: Vec<Secret>,
    accept_previous: bool,
}

impl SecretSet {
    /// One secret, as with `BETTER_AUTH_SECRET`.
    pub fn single(secret: impl Into<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            current: Secret::new(secret, None)?,
            previous: Vec::new(),
            accept_previous: false,
        })
    }

    /// Parses `BETTER_AUTH_SECRETS`: comma-separated `version:secret` entries, current first.
    pub fn parse_versioned(list: &str) -> Result<Self, ConfigError> {
        let mut secrets = Vec::new();
        for (index, entry) in list.split(',').enumerate() {
            let entry = entry.trim();
            let position = index + 1;
            let (version, value) = entry.split_once(':').ok_or(ConfigError::InvalidSecrets {
                position,
                reason: "expected `<version>:<secret>`",
            })?;
            let version: u32 = version
                .trim()
                .parse()
                .map_err(|_| ConfigError::InvalidSecrets {
                    position,
                    reason: "the version must be a non-negative integer",
                })?;
            let value = value.trim();
            if value.is_empty() {
                return Err(ConfigError::InvalidSecrets {
                    position,
                    reason: "the secret is empty",
                });
            }
            if secrets.iter().any(|s: &Secret| s.version == Some(version)) {
                return Err(ConfigError::InvalidSecrets {
                    position,
                    reason: "the version appears twice",
                });
            }
            secrets.push(Secret::new(value, Some(version))?);
        }
        let mut secrets = secrets.into_iter();
        let current = secrets.next().ok_or(ConfigError::MissingSecret)?;
        Ok(Self {
            current,
            previous: secrets.collect(),
            accept_previous: false,
        })
    }

    /// Also verify session cookies signed with the previous secrets (Better Auth does not).
    pub fn accept_previous(mut self, accept: bool) -> Self {
        self.accept_previous = accept;
        self
    }

    /// The current secret: the one Better Auth signs with.
    pub fn current(&self) -> &Secret {
        &self.current
    }

    /// Older secrets from `BETTER_AUTH_SECRETS`, newest first.
    pub fn previous(&self) -> &[Secret] {
        &self.previous
    }

    /// The secrets a signature is checked against: the current one, then the previous ones if
    /// [`accept_previous`](Self::accept_previous) is set.
    pub fn verifying(&self) -> impl Iterator<Item = &Secret> {
        let previous: &[Secret] = if self.accept_previous {
            &self.previous
        } else {
            &[]
        };
        std::iter::once(&self.current).chain(previous)
    }

    /// Fails unless the current secret has at least `min_len` characters.
    pub(crate) fn check_length(&self, min_len: usize) -> Result<(), ConfigError> {
        let len = self.current.value.chars().count();
        if len < min_len {
            return Err(ConfigError::ShortSecret { len, min_len });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versioned_list_current_first() {
        let set = SecretSet::parse_versioned(" 2:new-secret , 1:old-secret").unwrap();
        assert_eq!(set.current().version(), Some(2));
        assert_eq!(set.current().expose_bytes(), b"new-secret");
        assert_eq!(set.previous().len(), 1);
        assert_eq!(
            set.verifying().count(),
            1,
            "Better Auth verifies with the current only"
        );
        assert_eq!(set.accept_previous(true).verifying().count(), 2);
    }

    #[test]
    fn rejects_bad_versioned_lists() {
        for bad in ["nocolon", "x:secret", "-1:secret", "1:", "1:a,1:b", ""] {
            assert!(
                SecretSet::parse_versioned(bad).is_err(),
                "{bad:?} must be refused"
            );
        }
    }

    #[test]
    fn debug_never_shows_the_value() {
        let set = SecretSet::single("super-secret-value").unwrap();
        assert!(!format!("{set:?}").contains("super-secret-value"));
    }

    #[test]
    fn short_secrets_are_refused() {
        let set = SecretSet::single("short").unwrap();
        assert!(matches!(
            set.check_length(32),
            Err(ConfigError::ShortSecret {
                len: 5,
                min_len: 32
            })
        ));
    }
}

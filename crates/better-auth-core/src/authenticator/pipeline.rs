//! Verifying the credential a request carries: the signature before any I/O, then the cookie
//! cache, the session store (through the in-process cache), the token verifier or the API-key
//! store; expiry and bans.

use std::{net::IpAddr, sync::Arc};

use chrono::Utc;

use super::Authenticator;
use crate::{
    api_key_usage::{self, ApiKeyVerdict},
    config::{ApiKeyConfig, ApiKeyOwner, BearerPolicy},
    credentials::{Credential, Found},
    error::AuthError,
    model::{ApiKeyRecord, Identity, SessionRecord, User, Via},
    signing::{self, SignatureError},
};

/// A verified credential's identity, and whether its session was read from the session store
/// (by a session token): only such a session can be refreshed.
#[derive(Debug)]
pub(super) struct Verified {
    pub(super) identity: Identity,
    pub(super) from_store: bool,
}

impl Authenticator {
    /// The identity the request's credential proves (looked up for `client`); `None` without
    /// a credential.
    pub(super) async fn identify(
        &self,
        found: &Found,
        client: Option<IpAddr>,
    ) -> Result<Option<Verified>, AuthError> {
        let Some(credential) = &found.credential else {
            return Ok(None);
        };
        #[cfg(feature = "cookie-cache")]
        if let Some(identity) = self.answer_from_cookie_cache(credential, found).await? {
            crate::telemetry::session_source("cookie_cache");
            // Better Auth answers from its cookie cache without reading or refreshing the
            // session (with a valid `session_data` cookie, `get-session` neither reads nor
            // writes the database and sets no cookie, even when a refresh is due).
            return Ok(Some(Verified {
                identity,
                from_store: false,
            }));
        }
        let from_store = matches!(
            credential,
            Credential::SessionCookie(_) | Credential::Bearer(_)
        );
        let identity = match credential {
            Credential::ApiKey(key) => {
                let config = found
                    .api_key_config
                    .and_then(|index| self.inner.discovery.api_keys.get(index))
                    .ok_or(AuthError::InvalidApiKey {
                        reason: "API keys are not accepted here",
                    })?;
                self.verify_api_key(key, config).await?
            }
            Credential::Jwt(token) => {
                let verifier = self.inner.tokens.as_ref().ok_or(AuthError::InvalidToken {
                    reason: "JWT bearer tokens are not accepted here (no token verifier)",
                })?;
                let claims = match verifier.verify_cached(token) {
                    Some(answer) => answer?,
                    None => verifier.verify_token(token).await?,
                };
                Identity::from_claims(claims)
            }
            Credential::SessionCookie(_) | Credential::Bearer(_) => {
                self.verify_session(credential, client).await?
            }
        };
        self.check_user(&identity.user)?;
        Ok(Some(Verified {
            identity,
            from_store,
        }))
    }

    /// A session cookie answered from Better Auth's cookie cache, when the request carries a
    /// usable entry for it (authentic, for this token, right version, unexpired): no store
    /// access. `None`: ask the store. Nothing is awaited but the `jwks` strategy's keys.
    #[cfg(feature = "cookie-cache")]
    async fn answer_from_cookie_cache(
        &self,
        credential: &Credential,
        found: &Found,
    ) -> Result<Option<Identity>, AuthError> {
        let (Credential::SessionCookie(_), Some(options), Some(value)) = (
            credential,
            &self.inner.cookie_cache,
            found.cookie_cache.as_deref(),
        ) else {
            return Ok(None);
        };
        let token = self.session_token(credential)?;
        let entry =
            crate::cookie_cache::decode_entry(value, options, &self.inner.config.secrets).await;
        let Some(record) =
            entry.and_then(|entry| crate::cookie_cache::usable(entry, token, options, Utc::now()))
        else {
            return Ok(None);
        };
        let identity = Identity::from_session(record, credential.via());
        self.check_user(&identity.user)?;
        Ok(Some(identity))
    }

    /// Better Auth's session hook for an API key sent in `config`'s header: shorter than the
    /// configuration's `defaultKeyLength`, refused (403) before any I/O; then a plain read of
    /// the key (an unknown key, or one of another configuration, is refused there, having
    /// taken no lock); then its use, counted under the row's lock when counting writes
    /// anything, and, for a configuration of user keys, its user (any other configuration's
    /// key is refused once counted, as Better Auth refuses it).
    async fn verify_api_key(
        &self,
        key: &str,
        config: &ApiKeyConfig,
    ) -> Result<Identity, AuthError> {
        let store = self
            .inner
            .api_keys
            .as_ref()
            .ok_or(AuthError::InvalidApiKey {
                reason: "API keys are not accepted here",
            })?;
        if !config.long_enough(key) {
            return Err(AuthError::ApiKeyTooShort);
        }
        let stored = config.stored_key(key);
        let Some(row) = store
            .find_api_key(&stored)
            .await?
            .filter(|row| config.owns(row.config_id.as_deref()))
        else {
            return Err(AuthError::InvalidApiKey {
                reason: "no key of this configuration has this value",
            });
        };
        // A use that writes nothing (a disabled key; none left and no refill due) is refused
        // from this read, without the lock.
        let counted = match self.inner.config.api_key_usage {
            crate::api_key_usage::ApiKeyUsage::Count => {
                match api_key_usage::verdict_without_writes(&row) {
                    Some(refusal) => return Err(refusal),
                    None => None,
                }
            }
            crate::api_key_usage::ApiKeyUsage::ReadOnly => {
                Some(ApiKeyVerdict::read_only(Some(row.clone())))
            }
        };
        if let Some(ApiKeyVerdict::Refused(error)) = counted {
            return Err(error);
        }
        // A user key's owner is looked up while its use is counted (`referenceId` never
        // changes): one round trip less than one after the other. Any other configuration's
        // key is counted, then refused, and no user is looked up.
        let count = async {
            match counted {
                Some(verdict) => Ok(verdict),
                None => store.use_api_key(&stored, config).await,
            }
        };
        let (verdict, user) = match config.references {
            ApiKeyOwner::User => {
                futures_util::future::try_join(count, store.find_user(&row.reference_id)).await?
            }
            _ => (count.await?, None),
        };
        let key = match verdict {
            ApiKeyVerdict::Accepted { key } => key,
            ApiKeyVerdict::Refused(error) => return Err(error),
            ApiKeyVerdict::Unknown => {
                return Err(AuthError::InvalidApiKey {
                    reason: "no key of this configuration has this value",
                });
            }
        };
        // Compared again here: a database that converts types when comparing (MySQL: the
        // text `12abc` equals the number 12) answers only the user whose id is this one.
        let user = user
            .filter(|user| config.references == ApiKeyOwner::User && user.id == key.reference_id)
            .ok_or(AuthError::ApiKeyNotUserOwned)?;
        Ok(Identity::from_api_key(ApiKeyRecord {
            key,
            user: Arc::new(user),
        }))
    }

    async fn verify_session(
        &self,
        credential: &Credential,
        client: Option<IpAddr>,
    ) -> Result<Identity, AuthError> {
        // The exact signed value seen before, answered from the cache: its signature was
        // verified when the answer was cached (see `SessionLookup::answer_signed`).
        let value = credential.expose();
        let cached = self
            .inner
            .lookup
            .as_ref()
            .and_then(|lookup| lookup.answer_signed(value));
        let (token, record) = match cached {
            Some(answer) => (
                value.rsplit_once('.').map_or(value, |(token, _)| token),
                answer,
            ),
            None => {
                let token = self.session_token(credential)?;
                (token, self.find_session(token, Some(value), client).await?)
            }
        };
        let record = record.ok_or(AuthError::SessionNotFound)?;
        if record.session.token != token {
            // A store must only return the session it was asked for.
            return Err(AuthError::SessionNotFound);
        }
        if record.session.is_expired_at(Utc::now()) {
            return Err(AuthError::SessionExpired);
        }
        Ok(Identity::from_session(record, credential.via()))
    }

    /// Looks a token up (`signed`: the signed value it came in, its signature verified) for
    /// `client`: through the cache and the batcher.
    pub(super) async fn find_session(
        &self,
        token: &str,
        signed: Option<&str>,
        client: Option<IpAddr>,
    ) -> Result<Option<SessionRecord>, AuthError> {
        let lookup = self
            .inner
            .lookup
            .as_ref()
            .ok_or(AuthError::MalformedCredentials {
                reason: "session tokens are not accepted here (no session store)",
            })?;
        let signed = signed.filter(|value| *value != token);
        Ok(lookup.find(token, signed, client).await?)
    }

    pub(super) fn check_user(&self, user: &User) -> Result<(), AuthError> {
        if self.inner.config.reject_banned && user.is_banned_at(Utc::now()) {
            return Err(AuthError::UserBanned);
        }
        Ok(())
    }

    /// The unsigned session token a credential carries, its signature checked, and free of
    /// control characters (a NUL would reach the database as an error, a 503, rather than the
    /// 401 it deserves; Better Auth's tokens are alphanumeric).
    fn session_token<'c>(&self, credential: &'c Credential) -> Result<&'c str, AuthError> {
        let token = self.signed_session_token(credential)?;
        usable_token(token).ok_or(AuthError::MalformedCredentials {
            reason: "session token contains control characters",
        })
    }

    fn signed_session_token<'c>(&self, credential: &'c Credential) -> Result<&'c str, AuthError> {
        let value = credential.expose();
        let signed = credential.via() != Via::Bearer || value.contains('.');
        if !signed {
            return match self.inner.config.bearer {
                BearerPolicy::SignedOrRaw if is_session_token(value) => Ok(value),
                // Not a token Better Auth issues: no store is asked (a raw value naming
                // another key, `active-sessions-<userId>` in Redis, or random garbage sent to
                // spend a rate limit others share).
                BearerPolicy::SignedOrRaw => Err(AuthError::SessionNotFound),
                _ => Err(AuthError::MalformedCredentials {
                    reason: "unsigned bearer token refused (signatures are required)",
                }),
            };
        }
        signing::verify(value, &self.inner.config.secrets).map_err(|error| match error {
            SignatureError::Malformed => AuthError::MalformedCredentials {
                reason: "session token is not of the form TOKEN.SIGNATURE",
            },
            SignatureError::Mismatch => AuthError::InvalidSignature,
        })
    }

    /// The sessions of the multi-session cookies `signed` (see
    /// [`Authenticated::device_sessions`](crate::Authenticated::device_sessions)): each
    /// signature checked, each session looked up, expired and banned ones dropped, one per user
    /// (the first). Bad cookies are skipped; a backend failure is an error.
    pub(crate) async fn device_sessions(
        &self,
        signed: &[String],
    ) -> Result<Vec<Identity>, AuthError> {
        if self.inner.sessions.is_none() {
            return Ok(Vec::new());
        }
        let now = Utc::now();
        let mut sessions: Vec<Identity> = Vec::new();
        for value in signed {
            let Some(token) = signing::verify(value, &self.inner.config.secrets)
                .ok()
                .and_then(usable_token)
            else {
                continue;
            };
            let Some(record) = self.find_session(token, Some(value.as_str()), None).await? else {
                continue;
            };
            if record.session.token != token
                || record.session.is_expired_at(now)
                || (self.inner.config.reject_banned && record.user.is_banned_at(now))
                || sessions.iter().any(|known| known.user.id == record.user.id)
            {
                continue;
            }
            sessions.push(Identity::from_session(record, Via::Cookie));
        }
        Ok(sessions)
    }
}

/// Whether `token` has the shape of the session tokens Better Auth issues: 32 characters of
/// `[A-Za-z0-9]` (its `createSession` draws `generateId(32)` over that alphabet, whatever
/// `advanced.database.generateId` says, which only changes ids). Only unsigned bearer tokens
/// are held to it: a signed value is proven by its signature.
pub(crate) fn is_session_token(token: &str) -> bool {
    token.len() == 32 && token.bytes().all(|byte| byte.is_ascii_alphanumeric())
}

/// `token` unless it is empty or holds control characters.
fn usable_token(token: &str) -> Option<&str> {
    (!token.is_empty() && !token.chars().any(char::is_control)).then_some(token)
}

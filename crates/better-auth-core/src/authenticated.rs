//! [`Authenticated`]: an identity together with the authenticator that proved it, what every
//! adapter's extractor wraps. Its guards answer with a ready [`Rejection`], so a handler writes
//! `user.require_role("admin")?` whatever the framework.

use std::ops::Deref;

use chrono::Duration;

use crate::{Authenticator, error::AuthError, model::Identity, response::Rejection};

/// An authenticated request's identity, with the guards of [`Identity`] answering
/// [`Rejection`]s rendered by the authenticator.
#[derive(Debug, Clone)]
pub struct Authenticated {
    identity: Identity,
    authenticator: Authenticator,
    device_sessions: std::sync::Arc<[Identity]>,
}

impl Authenticated {
    /// Pairs an identity with its authenticator.
    pub fn new(identity: Identity, authenticator: Authenticator) -> Self {
        Self {
            identity,
            authenticator,
            device_sessions: std::sync::Arc::new([]),
        }
    }

    /// The same, with the request's other signed-in accounts (multi-session plugin).
    pub fn with_device_sessions(mut self, sessions: std::sync::Arc<[Identity]>) -> Self {
        self.device_sessions = sessions;
        self
    }

    /// Every account signed in on this device (multi-session plugin, when
    /// [`AuthConfig::multi_session`](crate::AuthConfig::multi_session) is on): one valid session
    /// per user, as the plugin's `list-device-sessions` lists them. The active one is
    /// [`identity`](Self::identity). Empty when multi-session is off.
    pub fn device_sessions(&self) -> &[Identity] {
        &self.device_sessions
    }

    /// The identity.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The identity, by value.
    pub fn into_identity(self) -> Identity {
        self.identity
    }

    /// The authenticator that proved it.
    pub fn authenticator(&self) -> &Authenticator {
        &self.authenticator
    }

    fn guard(&self, check: Result<&Identity, AuthError>) -> Result<&Self, Rejection> {
        match check {
            Ok(_) => Ok(self),
            Err(error) => Err(self.authenticator.reject(error)),
        }
    }

    /// See [`Identity::require_role`].
    pub fn require_role(&self, role: &str) -> Result<&Self, Rejection> {
        self.guard(self.identity.require_role(role))
    }

    /// See [`Identity::require_any_role`].
    pub fn require_any_role(&self, roles: &[&str]) -> Result<&Self, Rejection> {
        self.guard(self.identity.require_any_role(roles))
    }

    /// See [`Identity::require_not_banned`].
    pub fn require_not_banned(&self) -> Result<&Self, Rejection> {
        self.guard(self.identity.require_not_banned())
    }

    /// See [`Identity::require_email_verified`].
    pub fn require_email_verified(&self) -> Result<&Self, Rejection> {
        self.guard(self.identity.require_email_verified())
    }

    /// See [`Identity::require_fresh_session`]; `None` uses the configured `fresh_age`
    /// (Better Auth's default: one day).
    pub fn require_fresh_session(&self, fresh_age: Option<Duration>) -> Result<&Self, Rejection> {
        let fresh_age = fresh_age.unwrap_or(self.authenticator.config().fresh_age);
        self.guard(self.identity.require_fresh_session(fresh_age))
    }

    /// See [`Identity::require`].
    pub fn require(
        &self,
        code: &'static str,
        allowed: impl FnOnce(&Identity) -> bool,
    ) -> Result<&Self, Rejection> {
        self.guard(self.identity.require(code, allowed))
    }
}

impl Deref for Authenticated {
    type Target = Identity;

    fn deref(&self) -> &Identity {
        &self.identity
    }
}

//! Authorization on an authenticated [`Identity`]: roles (admin plugin), bans, fresh sessions,
//! verified emails, or any predicate. A failed guard is a 403 with its own code; being
//! unauthenticated stays a 401 (authentication runs first).

use chrono::{Duration, Utc};

use crate::{error::AuthError, model::Identity};

/// Better Auth's default `session.freshAge`: one day.
pub(crate) const DEFAULT_FRESH_AGE: Duration = Duration::days(1);

impl Identity {
    /// The user has `role` among the admin plugin's roles (`role` split at commas, untrimmed; a
    /// null `role` is `user`, the plugin's default). Otherwise
    /// [`AuthError::MissingRole`] (403). [`Authenticated::require_role`](crate::Authenticated::require_role)
    /// uses the configured [`AuthConfig::default_role`](crate::AuthConfig::default_role).
    pub fn require_role(&self, role: &str) -> Result<&Self, AuthError> {
        self.require_any_role_or(&[role], crate::model::DEFAULT_ROLE)
    }

    /// The user has at least one of `roles`. Otherwise [`AuthError::MissingRole`] (403).
    pub fn require_any_role(&self, roles: &[&str]) -> Result<&Self, AuthError> {
        self.require_any_role_or(roles, crate::model::DEFAULT_ROLE)
    }

    /// The user has at least one of `roles`, a null `role` counting as `default_role`.
    pub(crate) fn require_any_role_or(
        &self,
        roles: &[&str],
        default_role: &str,
    ) -> Result<&Self, AuthError> {
        if self
            .user
            .roles_or(default_role)
            .any(|role| roles.contains(&role))
        {
            Ok(self)
        } else {
            Err(AuthError::MissingRole)
        }
    }

    /// The user is not banned now (`banned`, honouring `banExpires`). The
    /// [`Authenticator`](crate::Authenticator) already refuses banned users unless
    /// `reject_banned` is off. Otherwise [`AuthError::UserBanned`] (403).
    pub fn require_not_banned(&self) -> Result<&Self, AuthError> {
        if self.user.is_banned_at(Utc::now()) {
            Err(AuthError::UserBanned)
        } else {
            Ok(self)
        }
    }

    /// The user's email is verified. Otherwise [`AuthError::EmailNotVerified`] (403).
    pub fn require_email_verified(&self) -> Result<&Self, AuthError> {
        if self.user.email_verified {
            Ok(self)
        } else {
            Err(AuthError::EmailNotVerified)
        }
    }

    /// The session was created less than `fresh_age` ago (Better Auth's `freshAge`, see
    /// one day by default; zero means every session is fresh, as in Better Auth), as Better
    /// Auth demands for sensitive actions. A JWT has no
    /// session, so it is never fresh. Otherwise [`AuthError::SessionNotFresh`] (403).
    pub fn require_fresh_session(&self, fresh_age: Duration) -> Result<&Self, AuthError> {
        match &self.session {
            Some(session) if session.is_fresh_at(Utc::now(), fresh_age) => Ok(self),
            _ => Err(AuthError::SessionNotFresh),
        }
    }

    /// Any other rule: `allowed` decides; a refusal is [`AuthError::Forbidden`] (403) with
    /// `code` as its machine-readable code.
    pub fn require(
        &self,
        code: &'static str,
        allowed: impl FnOnce(&Identity) -> bool,
    ) -> Result<&Self, AuthError> {
        if allowed(self) {
            Ok(self)
        } else {
            Err(AuthError::Forbidden { code })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::{Session, SessionRecord, User, Via};

    fn identity(role: Option<&str>, verified: bool, created_ago: Duration) -> Identity {
        let mut user = User::new("u1", "U", "u@example.com");
        user.role = role.map(str::to_owned);
        user.email_verified = verified;
        let mut session = Session::new("s1", "t", "u1", Utc::now() + Duration::days(1));
        session.created_at = Utc::now() - created_ago;
        Identity::from_session(SessionRecord::new(session, user), Via::Cookie)
    }

    #[test]
    fn roles_as_the_admin_plugin_reads_them() {
        let id = identity(Some("editor,admin"), true, Duration::zero());
        assert!(id.require_role("admin").is_ok());
        assert!(id.require_any_role(&["owner", "editor"]).is_ok());
        // Not trimmed: `" admin"` is not `admin` (Better Auth 1.7 answers the same).
        let spaced = identity(Some("editor, admin"), true, Duration::zero());
        assert!(matches!(
            spaced.require_role("admin"),
            Err(AuthError::MissingRole)
        ));
        // A null or empty role is the default role.
        assert!(
            identity(None, true, Duration::zero())
                .require_role("user")
                .is_ok()
        );
        assert!(
            identity(Some(""), true, Duration::zero())
                .require_role("user")
                .is_ok()
        );
        assert!(
            identity(None, true, Duration::zero())
                .require_any_role_or(&["member"], "member")
                .is_ok()
        );
        assert!(matches!(
            id.require_role("owner"),
            Err(AuthError::MissingRole)
        ));
        let none = identity(None, true, Duration::zero());
        assert!(matches!(
            none.require_role("admin"),
            Err(AuthError::MissingRole)
        ));
        assert_eq!(AuthError::MissingRole.status().as_u16(), 403);
    }

    #[test]
    fn fresh_verified_custom() {
        let old = identity(None, false, Duration::days(2));
        assert!(matches!(
            old.require_fresh_session(DEFAULT_FRESH_AGE),
            Err(AuthError::SessionNotFresh)
        ));
        assert!(
            identity(None, false, Duration::hours(1))
                .require_fresh_session(DEFAULT_FRESH_AGE)
                .is_ok()
        );
        assert!(matches!(
            old.require_email_verified(),
            Err(AuthError::EmailNotVerified)
        ));
        // freshAge 0: every session is fresh, as in Better Auth.
        assert!(old.require_fresh_session(Duration::zero()).is_ok());
        let error = old.require("not_on_weekends", |_| false).unwrap_err();
        assert_eq!(
            (error.status().as_u16(), error.code()),
            (403, "not_on_weekends")
        );
        let mut jwt = identity(None, true, Duration::zero());
        jwt.session = None;
        jwt.user = Arc::new(User::new("u1", "U", "u@example.com"));
        assert!(matches!(
            jwt.require_fresh_session(DEFAULT_FRESH_AGE),
            Err(AuthError::SessionNotFresh)
        ));
    }
}

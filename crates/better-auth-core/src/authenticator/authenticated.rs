//! [`Authenticated`]: an identity together with the authenticator that proved it, what every
//! adapter's extractor wraps. Its guards answer with a ready [`Rejection`], so a handler writes
//! `user.require_role("admin")?` whatever the framework.

use std::{ops::Deref, sync::Arc};

use chrono::Duration;

use tokio::sync::OnceCell;

use super::{Authenticator, DeviceSessions};
use crate::{
    error::AuthError,
    model::{Identity, Membership},
    response::Rejection,
};

/// What one request looks up or reads lazily, once (shared by the clones of its
/// [`Authenticated`]): the membership, the typed views of its fields.
#[derive(Debug, Default)]
pub(crate) struct RequestLookups {
    /// The client's address, when known (see [`Authenticated::client`]).
    client: Option<std::net::IpAddr>,
    membership: OnceCell<Result<Membership, AuthError>>,
    fields: crate::typed_fields::TypedFields,
}

impl RequestLookups {
    /// The lookups of a request from `client`.
    pub(crate) fn for_client(client: Option<std::net::IpAddr>) -> Self {
        Self {
            client,
            ..Self::default()
        }
    }
}

/// An authenticated request's identity, with the guards of [`Identity`] answering
/// [`Rejection`]s rendered by the authenticator.
#[derive(Debug, Clone)]
pub struct Authenticated {
    identity: Identity,
    authenticator: Authenticator,
    device_sessions: Option<Arc<DeviceSessions>>,
    lookups: Arc<RequestLookups>,
}

impl Authenticated {
    /// Pairs an identity with its authenticator.
    pub fn new(identity: Identity, authenticator: Authenticator) -> Self {
        Self {
            identity,
            authenticator,
            device_sessions: None,
            lookups: Arc::default(),
        }
    }

    /// One request's view, sharing that request's lazy lookups (adapters' outcomes).
    pub(crate) fn of_request(
        identity: Identity,
        authenticator: Authenticator,
        device_sessions: Option<Arc<DeviceSessions>>,
        lookups: Arc<RequestLookups>,
    ) -> Self {
        Self {
            identity,
            authenticator,
            device_sessions,
            lookups,
        }
    }

    /// The address of the client that sent the request, when the adapter knows it: the peer
    /// of the connection, or, behind a trusted proxy (`BETTER_AUTH_TRUSTED_PROXIES`), the
    /// address it forwarded. Calls to Better Auth made for this request carry it (see
    /// [`client`](crate::client)).
    pub fn client(&self) -> Option<std::net::IpAddr> {
        self.lookups.client
    }

    /// The user's membership of the session's active organization (organization plugin): the
    /// `member` row and its `organization`, looked up the first time a handler asks (once per
    /// request). Refused with 403 `no_active_organization` (no session, or no active
    /// organization), 403 `not_a_member` (not, or no longer, a member), 503 when the store
    /// cannot answer.
    ///
    /// ```no_run
    /// # async fn handler(user: better_auth_core::Authenticated) -> Result<String, better_auth_core::Rejection> {
    /// let membership = user.membership().await?;
    /// Ok(format!("{} is {} of {}", user.user.email, membership.member.role, membership.organization.name))
    /// # }
    /// ```
    pub async fn membership(&self) -> Result<Membership, Rejection> {
        self.lookups
            .membership
            .get_or_init(|| async {
                self.authenticator
                    .membership(&self.identity, self.client())
                    .await
                    .inspect_err(AuthError::log)
            })
            .await
            .clone()
            .map_err(|error| self.authenticator.render(error))
    }

    /// The user's fields read as your type `T`: Better Auth's `user.additionalFields` (and any
    /// other column: `T` may name `email`, `role`, ...), with Better Auth's field names, so
    /// `#[serde(rename_all = "camelCase")]` on `T`. Read once per request and type, then shared.
    /// A user whose fields do not fit `T` is a 500 `fields_mismatch` (logged with serde's
    /// reason), never a panic.
    ///
    /// ```no_run
    /// # fn handler(user: better_auth_core::Authenticated) -> Result<(), better_auth_core::Rejection> {
    /// #[derive(serde::Deserialize)]
    /// #[serde(rename_all = "camelCase")]
    /// struct Billing {
    ///     plan: String,           // additionalFields: { plan: { type: "string" } }
    ///     seats: Option<u32>,     // { seats: { type: "number", required: false } }
    /// }
    /// let billing = user.user_fields::<Billing>()?;
    /// if billing.plan == "pro" { /* ... */ }
    /// # Ok(()) }
    /// ```
    pub fn user_fields<T>(&self) -> Result<Arc<T>, Rejection>
    where
        T: serde::de::DeserializeOwned + Send + Sync + 'static,
    {
        self.lookups
            .fields
            .view("user", &*self.identity.user)
            .map_err(|error| self.authenticator.reject(error))
    }

    /// The session's fields read as your type `T` (`session.additionalFields`, plugin columns
    /// such as `activeOrganizationId`), like [`user_fields`](Self::user_fields); `None` for a
    /// request without a session (a JWT or an API key).
    pub fn session_fields<T>(&self) -> Result<Option<Arc<T>>, Rejection>
    where
        T: serde::de::DeserializeOwned + Send + Sync + 'static,
    {
        let Some(session) = &self.identity.session else {
            return Ok(None);
        };
        self.lookups
            .fields
            .view("session", session)
            .map(Some)
            .map_err(|error| self.authenticator.reject(error))
    }

    /// The membership, refused (403 `missing_role`) unless one of the member's roles (the
    /// organization plugin's reading: split on `,` and trimmed, case-sensitive) is `role`.
    pub async fn require_organization_role(&self, role: &str) -> Result<Membership, Rejection> {
        let membership = self.membership().await?;
        if membership.member.has_role(role) {
            Ok(membership)
        } else {
            Err(self.authenticator.reject(AuthError::MissingRole))
        }
    }

    /// Every account signed in on this device (multi-session plugin, when
    /// [`AuthConfig::multi_session`](crate::AuthConfig::multi_session) is on): one valid session
    /// per user, as the plugin's `list-device-sessions` lists them, the active user's first.
    /// Looked up on the first call only (at most
    /// 16 cookies, as Better Auth reads them), then shared
    /// by every extractor of the request; a request that never asks costs nothing. Empty when
    /// multi-session is off. A backend failure is a 503 [`Rejection`] for the handler to return;
    /// the request stays authenticated.
    pub async fn device_sessions(&self) -> Result<Arc<[Identity]>, Rejection> {
        let Some(sessions) = &self.device_sessions else {
            return Ok(Arc::new([]));
        };
        sessions
            .resolve(&self.authenticator, &self.identity)
            .await
            .map_err(|error| self.authenticator.render(error))
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

    /// See [`Identity::require_role`]; a null `role` counts as the configured
    /// [`default_role`](crate::AuthConfig::default_role).
    pub fn require_role(&self, role: &str) -> Result<&Self, Rejection> {
        self.require_any_role(&[role])
    }

    /// See [`Identity::require_any_role`]; a null `role` counts as the configured
    /// [`default_role`](crate::AuthConfig::default_role).
    pub fn require_any_role(&self, roles: &[&str]) -> Result<&Self, Rejection> {
        let default_role = &self.authenticator.config().default_role;
        self.guard(self.identity.require_any_role_or(roles, default_role))
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

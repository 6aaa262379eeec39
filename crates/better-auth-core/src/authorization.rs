//! Permission checks on an [`Authenticated`] request, as Better Auth's access control decides
//! them (see [`access_control`](crate::access_control)): booleans for handlers that show or
//! hide things, guards that refuse with 403 `missing_permission`, and the answers of Better
//! Auth's two `has-permission` endpoints for a service that serves the same requests.

use crate::{
    access_control::{self, HasPermissionBody, PermissionQuery, Permissions},
    authenticator::Authenticated,
    error::AuthError,
    model::Membership,
    response::Rejection,
};

impl Authenticated {
    /// Whether the member's roles in the active organization grant `permissions`, exactly as
    /// Better Auth's `POST /organization/has-permission` answers (default or custom roles,
    /// several roles each checked on its own, the organization's dynamic roles merged in): a
    /// boolean for handlers that show or hide things. Refused like
    /// [`membership`](Self::membership), and with 500 where Better Auth answers 500 (a
    /// malformed dynamic role of the organization).
    ///
    /// ```no_run
    /// # async fn handler(user: better_auth_core::Authenticated) -> Result<(), better_auth_core::Rejection> {
    /// use better_auth_core::access_control::Permissions;
    ///
    /// let can_invite = user
    ///     .has_organization_permission(&Permissions::new([("invitation", ["create"])]))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn has_organization_permission(
        &self,
        permissions: &Permissions,
    ) -> Result<bool, Rejection> {
        let membership = self.membership().await?;
        self.organization_check(&membership, PermissionQuery::Permissions(permissions))
            .await
    }

    /// The membership, refused with 403 `missing_permission` unless the member's roles grant
    /// `permissions` (see [`has_organization_permission`](Self::has_organization_permission)).
    pub async fn require_organization_permission(
        &self,
        permissions: &Permissions,
    ) -> Result<Membership, Rejection> {
        if self.has_organization_permission(permissions).await? {
            self.membership().await
        } else {
            Err(self.authenticator().reject(AuthError::MissingPermission))
        }
    }

    /// Whether the user's admin-plugin roles grant `permissions`, exactly as Better Auth's
    /// `POST /admin/has-permission` answers (the `role` column split on `,` without trimming,
    /// a null role is the default role, `adminUserIds` grant everything). 500 where Better Auth
    /// answers 500.
    pub fn has_admin_permission(&self, permissions: &Permissions) -> Result<bool, Rejection> {
        access_control::admin_has_permission(
            self.identity().user.role.as_deref(),
            &self.identity().user.id,
            permissions,
            &self.authenticator().config().admin_plugin(),
        )
        .map_err(|error| self.authenticator().reject(AuthError::AccessControl(error)))
    }

    /// Refused with 403 `missing_permission` unless the user's admin-plugin roles grant
    /// `permissions` (see [`has_admin_permission`](Self::has_admin_permission)).
    pub fn require_admin_permission(&self, permissions: &Permissions) -> Result<&Self, Rejection> {
        if self.has_admin_permission(permissions)? {
            Ok(self)
        } else {
            Err(self.authenticator().reject(AuthError::MissingPermission))
        }
    }

    /// Better Auth's `POST /organization/has-permission` answer for this request and `body`
    /// (its JSON, validated as Better Auth validates it): `success` true or false, for the
    /// session's active organization, or the body's `organizationId`. 400
    /// `invalid_permission_check` for a body Better Auth refuses; the deprecated `permission`
    /// key alone is `false`, as in Better Auth.
    pub async fn organization_has_permission_answer(&self, body: &[u8]) -> Result<bool, Rejection> {
        let body = HasPermissionBody::parse_organization(body).map_err(|error| {
            self.authenticator()
                .reject(AuthError::InvalidPermissionCheck {
                    reason: error.reason,
                })
        })?;
        let membership = match &body.organization_id {
            Some(organization_id) => self
                .authenticator()
                .membership_in(self.identity(), organization_id, self.client())
                .await
                .map_err(|error| self.authenticator().reject(error))?,
            None => self.membership().await?,
        };
        self.organization_check(&membership, body.check.query())
            .await
    }

    /// Better Auth's `POST /admin/has-permission` answer for this request's user and `body`:
    /// 400 `invalid_permission_check` for a body Better Auth refuses and for the deprecated
    /// `permission` key alone.
    pub fn admin_has_permission_answer(&self, body: &[u8]) -> Result<bool, Rejection> {
        let invalid = |reason: String| {
            self.authenticator()
                .reject(AuthError::InvalidPermissionCheck { reason })
        };
        let body = HasPermissionBody::parse_admin(body).map_err(|error| invalid(error.reason))?;
        let user = &self.identity().user;
        access_control::admin_check(
            user.role.as_deref(),
            &user.id,
            &body.check,
            &self.authenticator().config().admin_plugin(),
        )
        .map_err(|error| match error {
            access_control::AccessControlError::NoPermissionsPassed => invalid(error.to_string()),
            other => self.authenticator().reject(AuthError::AccessControl(other)),
        })
    }

    async fn organization_check(
        &self,
        membership: &Membership,
        check: PermissionQuery<'_>,
    ) -> Result<bool, Rejection> {
        self.authenticator()
            .organization_verdict(self.identity(), membership, check, self.client())
            .await
            .map_err(|error| self.authenticator().reject(error))
    }
}

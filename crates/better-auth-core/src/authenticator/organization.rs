//! The organization side of an authenticated request: the membership of the session's active
//! organization and the permission verdicts on it, from the organization store (through the
//! membership cache when it is on).

use std::{net::IpAddr, sync::Arc};

use super::Authenticator;
use crate::{
    access_control::{self, PermissionQuery},
    error::AuthError,
    model::{Identity, Membership, OrganizationRole},
    store::{MembershipLookup, OrganizationStore},
};

impl Authenticator {
    /// The membership of `identity`'s user in its session's active organization: `Err` with
    /// [`AuthError::NoActiveOrganization`] when the request has no session or the session no
    /// active organization, [`AuthError::NotAMember`] when the user is not a member of it, a
    /// 503 when the store cannot answer, a 500 when no organization store is configured.
    pub(crate) async fn membership(
        &self,
        identity: &Identity,
        client: Option<IpAddr>,
    ) -> Result<Membership, AuthError> {
        let organization_id = identity
            .session
            .as_ref()
            .and_then(|session| session.active_organization_id.as_deref())
            .ok_or(AuthError::NoActiveOrganization)?;
        self.membership_in(identity, organization_id, client).await
    }

    /// The membership of `identity`'s user in `organization_id` (with the session's active
    /// team when it is of that organization), asked for `client`: [`AuthError::NotAMember`]
    /// when there is none, [`AuthError::NoActiveOrganization`] for a request without a
    /// session.
    pub(crate) async fn membership_in(
        &self,
        identity: &Identity,
        organization_id: &str,
        client: Option<IpAddr>,
    ) -> Result<Membership, AuthError> {
        let lookup = lookup(identity, organization_id)?.for_client(client);
        let store = self.organization_store()?;
        let found = match &self.inner.membership_cache {
            Some(cache) => cache.lookup(store, &lookup).await?,
            None => store.find_membership(&lookup).await?,
        };
        found.ok_or(AuthError::NotAMember)
    }

    /// Better Auth's verdict on `check` for `identity`'s `membership`: the store's own when it
    /// asks Better Auth (remote mode), else computed here from the member's roles, the
    /// configured roles and the organization's dynamic roles.
    pub(crate) async fn organization_verdict(
        &self,
        identity: &Identity,
        membership: &Membership,
        check: PermissionQuery<'_>,
        client: Option<IpAddr>,
    ) -> Result<bool, AuthError> {
        let store = self.organization_store()?;
        if store.decides_permissions() {
            let lookup = lookup(identity, &membership.organization.id)?.for_client(client);
            return Ok(match &self.inner.membership_cache {
                Some(cache) => cache.verdict(store, &lookup, check).await?,
                None => store.permission_verdict(&lookup, check).await?,
            });
        }
        let dynamic: Vec<_> = self
            .organization_roles(store, &membership.organization.id)
            .await?
            .iter()
            .map(|row| access_control::DynamicRole::new(row.role.clone(), row.permission.clone()))
            .collect();
        let role = &membership.member.role;
        match check {
            PermissionQuery::Permissions(permissions) => {
                access_control::organization_has_permission(
                    role,
                    &dynamic,
                    permissions,
                    &self.config().access_control,
                )
            }
            PermissionQuery::Deprecated => access_control::organization_check(
                role,
                &dynamic,
                &access_control::PermissionCheck::Deprecated,
                &self.config().access_control,
            ),
        }
        .map_err(AuthError::AccessControl)
    }

    /// The dynamic roles of `organization_id` (`organizationRole` rows).
    async fn organization_roles(
        &self,
        store: &Arc<dyn OrganizationStore>,
        organization_id: &str,
    ) -> Result<Arc<[OrganizationRole]>, AuthError> {
        Ok(match &self.inner.membership_cache {
            Some(cache) => cache.roles(store, organization_id).await?,
            None => store.organization_roles(organization_id).await?.into(),
        })
    }

    fn organization_store(&self) -> Result<&Arc<dyn OrganizationStore>, AuthError> {
        self.inner.organizations.as_ref().ok_or(AuthError::Misconfigured {
            fix: "no organization store: build the authenticator with organization_store_arc (from_env does it when DATABASE_URL has the organization plugin's tables, or in remote mode)",
        })
    }
}

/// The lookup of `identity`'s membership of `organization_id`, as its session (with its active
/// team); [`AuthError::NoActiveOrganization`] without a session.
fn lookup<'a>(
    identity: &'a Identity,
    organization_id: &'a str,
) -> Result<MembershipLookup<'a>, AuthError> {
    let session = identity
        .session
        .as_ref()
        .ok_or(AuthError::NoActiveOrganization)?;
    Ok(
        MembershipLookup::new(organization_id, &identity.user.id, &session.token)
            .team(session.active_team_id.as_deref()),
    )
}

//! Organization memberships and permission verdicts asked of Better Auth's organization plugin,
//! as the session of the request, through endpoints that only read: `list-members` (the
//! member row, filtered to the user), `list` (the user's organizations), `list-user-teams` and
//! `list-team-members` (the active team), and `has-permission` (the verdict, dynamic roles
//! included, since `list-roles` is refused to members without `ac:read`).
//!
//! Not `get-active-member` (the session's active organization only) nor `get-organization` /
//! `get-full-organization`, which clear the session's active organization when the user is
//! not a member: a lookup here never writes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use super::{
    RemoteOptions,
    client::{Answer, BetterAuthClient},
};
use crate::{
    access_control::PermissionQuery,
    config::{AuthConfig, ConfigError},
    error::BackendError,
    model::{Member, Membership, Organization, TeamMember},
    store::{MembershipLookup, OrganizationStore},
};

/// Memberships asked of Better Auth's organization plugin endpoints (remote mode).
#[derive(Debug, Clone)]
pub struct RemoteOrganizationStore {
    client: BetterAuthClient,
}

impl RemoteOrganizationStore {
    /// A store asking the Better Auth server of `config.base_url`. Fails without a base URL.
    pub fn new(config: &AuthConfig, options: RemoteOptions) -> Result<Self, ConfigError> {
        Ok(Self {
            client: BetterAuthClient::new(config, options)?,
        })
    }

    /// `GET path?query` as the session: the answer read as `T`; `None` when Better Auth
    /// refuses the session what it asks (401, 403, or 400 for "not a member of the team").
    async fn read<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        lookup: &MembershipLookup<'_>,
    ) -> Result<Option<T>, BackendError> {
        let answer = self
            .client
            .get(
                &self.client.endpoint(path, query),
                Some(lookup.session_token),
                lookup.client,
            )
            .await?;
        match answer.status {
            StatusCode::OK => answer.json(path).map(Some),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST => Ok(None),
            _ => Err(answer.unexpected(path)),
        }
    }

    /// The member row of the user in the organization.
    async fn member(&self, lookup: &MembershipLookup<'_>) -> Result<Option<Member>, BackendError> {
        let page: Option<MemberPage> = self
            .read(
                "/organization/list-members",
                &[
                    ("organizationId", lookup.organization_id),
                    ("filterField", "userId"),
                    ("filterValue", lookup.user_id),
                    ("limit", "1"),
                ],
                lookup,
            )
            .await?;
        Ok(page
            .and_then(|page| page.members.into_iter().next())
            .filter(|member| {
                member.user_id == lookup.user_id && member.organization_id == lookup.organization_id
            }))
    }

    /// The organization, among the user's.
    async fn organization(
        &self,
        lookup: &MembershipLookup<'_>,
    ) -> Result<Option<Organization>, BackendError> {
        let organizations: Option<Vec<OrganizationAnswer>> =
            self.read("/organization/list", &[], lookup).await?;
        Ok(organizations
            .into_iter()
            .flatten()
            .find(|organization| organization.id == lookup.organization_id)
            .map(OrganizationAnswer::into_organization))
    }

    /// The user's row in the active team, when that team is one of the organization's and the
    /// user is in it.
    async fn team_member(
        &self,
        lookup: &MembershipLookup<'_>,
        team_id: &str,
    ) -> Result<Option<TeamMember>, BackendError> {
        let in_organization = [("organizationId", lookup.organization_id)];
        let of_team = [("teamId", team_id)];
        let (teams, rows) = tokio::join!(
            self.read::<Vec<TeamAnswer>>("/organization/list-user-teams", &in_organization, lookup),
            self.read::<Vec<TeamMember>>("/organization/list-team-members", &of_team, lookup),
        );
        let in_organization = teams?
            .into_iter()
            .flatten()
            .any(|team| team.id == team_id && team.organization_id == lookup.organization_id);
        if !in_organization {
            return Ok(None);
        }
        Ok(rows?
            .into_iter()
            .flatten()
            .find(|row| row.user_id == lookup.user_id && row.team_id == team_id))
    }
}

#[async_trait]
impl OrganizationStore for RemoteOrganizationStore {
    async fn find_membership(
        &self,
        lookup: &MembershipLookup<'_>,
    ) -> Result<Option<Membership>, BackendError> {
        let (member, organization) = tokio::join!(self.member(lookup), self.organization(lookup));
        let (Some(member), Some(organization)) = (member?, organization?) else {
            return Ok(None);
        };
        let team = match lookup.team_id {
            Some(team_id) => self.team_member(lookup, team_id).await?,
            None => None,
        };
        Ok(Some(Membership::new(organization, member).with_team(team)))
    }

    fn decides_permissions(&self) -> bool {
        true
    }

    /// Better Auth's `POST /organization/has-permission` for the organization of `lookup`.
    async fn permission_verdict(
        &self,
        lookup: &MembershipLookup<'_>,
        check: PermissionQuery<'_>,
    ) -> Result<bool, BackendError> {
        const PATH: &str = "/organization/has-permission";
        let empty = crate::access_control::Permissions::default();
        let body = match check {
            PermissionQuery::Permissions(permissions) => HasPermission {
                permissions: Some(permissions),
                permission: None,
                organization_id: lookup.organization_id,
            },
            PermissionQuery::Deprecated => HasPermission {
                permissions: None,
                permission: Some(&empty),
                organization_id: lookup.organization_id,
            },
        };
        let answer: Answer = self
            .client
            .post(
                &self.client.endpoint(PATH, &[]),
                lookup.session_token,
                &body,
                lookup.client,
            )
            .await?;
        if answer.status != StatusCode::OK {
            return Err(answer.unexpected(PATH));
        }
        let verdict: Verdict = answer.json(PATH)?;
        Ok(verdict.success)
    }
}

/// A `has-permission` body (serialized directly: a JSON value would sort the resources).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HasPermission<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    permissions: Option<&'a crate::access_control::Permissions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    permission: Option<&'a crate::access_control::Permissions>,
    organization_id: &'a str,
}

#[derive(Deserialize)]
struct MemberPage {
    members: Vec<Member>,
}

#[derive(Deserialize)]
struct Verdict {
    success: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TeamAnswer {
    id: String,
    organization_id: String,
}

/// An organization as `list` answers it: `metadata` is the stored JSON text (or, from a
/// Better Auth that parses it, a value, written back as JSON text).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrganizationAnswer {
    id: String,
    name: String,
    slug: String,
    #[serde(default)]
    logo: Option<String>,
    #[serde(default)]
    metadata: Option<serde_json::Value>,
    created_at: DateTime<Utc>,
}

impl OrganizationAnswer {
    fn into_organization(self) -> Organization {
        let metadata = self.metadata.and_then(|value| match value {
            serde_json::Value::Null => None,
            serde_json::Value::String(text) => Some(text),
            other => Some(other.to_string()),
        });
        Organization {
            id: self.id,
            name: self.name,
            slug: self.slug,
            logo: self.logo,
            metadata,
            created_at: self.created_at,
        }
    }
}

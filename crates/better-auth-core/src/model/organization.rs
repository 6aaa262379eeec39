//! The organization plugin's `organization` and `member` rows.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An organization (organization plugin), with Better Auth's JSON field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Organization {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its slug (unique).
    pub slug: String,
    /// Its logo URL, if any.
    #[serde(default)]
    pub logo: Option<String>,
    /// Its metadata, as stored (JSON text), if any.
    #[serde(default)]
    pub metadata: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A user's membership of an organization (a `member` row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Member {
    /// The membership's id.
    pub id: String,
    /// The organization.
    pub organization_id: String,
    /// The user.
    pub user_id: String,
    /// The `role` column as stored: one role, or several joined with `,`
    /// (`admin,member`).
    pub role: String,
    /// When the user joined.
    pub created_at: DateTime<Utc>,
}

impl Member {
    /// The roles, as the organization plugin reads the column: split on `,`, each trimmed,
    /// empty ones dropped (`"admin, member"` and `"owner,"` are valid).
    pub fn roles(&self) -> Vec<&str> {
        self.role
            .split(',')
            .map(str::trim)
            .filter(|role| !role.is_empty())
            .collect()
    }

    /// Whether one of the roles is `role` (case-sensitive, as in Better Auth).
    pub fn has_role(&self, role: &str) -> bool {
        self.roles().contains(&role)
    }
}

/// A user's membership of a team (a `teamMember` row; organization plugin with teams).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TeamMember {
    /// The row's id.
    pub id: String,
    /// The team.
    pub team_id: String,
    /// The user.
    pub user_id: String,
}

/// A role of one organization defined at run time (dynamic access control): an
/// `organizationRole` row, its permissions as stored (JSON text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrganizationRole {
    /// The role's name, as stored (Better Auth lowercases it on creation).
    pub role: String,
    /// Its permissions, as stored: `{"resource": ["action", ...]}` (not validated here).
    pub permission: String,
}

/// A member together with its organization (and its team membership, when the session has an
/// active team the user belongs to): what a session's active organization resolves to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Membership {
    /// The organization.
    pub organization: Arc<Organization>,
    /// The user's `member` row in it.
    pub member: Arc<Member>,
    /// The user's row in the session's active team, when there is one, it belongs to this
    /// organization and the user is in it.
    pub team: Option<Arc<TeamMember>>,
}

impl Membership {
    /// A membership of `member` in `organization`, no team.
    pub fn new(organization: Organization, member: Member) -> Self {
        Self {
            organization: Arc::new(organization),
            member: Arc::new(member),
            team: None,
        }
    }

    /// The same membership with this team membership.
    pub fn with_team(mut self, team: Option<TeamMember>) -> Self {
        self.team = team.map(Arc::new);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_split_and_trimmed_as_the_organization_plugin_does() {
        let member = |role: &str| Member {
            id: "m".into(),
            organization_id: "o".into(),
            user_id: "u".into(),
            role: role.into(),
            created_at: DateTime::UNIX_EPOCH,
        };
        assert_eq!(member("admin,member").roles(), ["admin", "member"]);
        assert_eq!(member("member, admin").roles(), ["member", "admin"]);
        assert_eq!(member("owner,").roles(), ["owner"]);
        assert!(member(" admin").has_role("admin"));
        assert!(!member("Admin").has_role("admin"));
    }
}

//! [`MemoryStore`]: Better Auth's rows (users, sessions, API keys, organizations) in process
//! memory, behind the core's store traits, so that the authenticator under test takes the same
//! path as with a database.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use async_trait::async_trait;
use better_auth_core::{
    ApiKey, ApiKeyConfig, BackendError, Member, Membership, Organization, OrganizationRole,
    Session, SessionRecord, TeamMember, User,
    store::{self as api_key_usage, ApiKeyVerdict},
    store::{ApiKeyStore, MembershipLookup, OrganizationStore, SessionStore},
    store::{Extended, Extension},
};

const BACKEND: &str = "memory";

/// The rows, by what they are looked up by.
#[derive(Debug, Default)]
struct Rows {
    users: HashMap<String, Arc<User>>,
    /// By token.
    sessions: HashMap<String, Session>,
    /// By hashed key.
    api_keys: HashMap<String, ApiKey>,
    organizations: HashMap<String, Arc<Organization>>,
    members: Vec<Arc<Member>>,
    /// Team id to organization id.
    teams: HashMap<String, String>,
    team_members: Vec<Arc<TeamMember>>,
    roles: HashMap<String, Vec<OrganizationRole>>,
    down: bool,
}

/// Better Auth's rows in memory: a [`SessionStore`], [`ApiKeyStore`] and
/// [`OrganizationStore`] that answers as the SQL stores do (expired sessions are returned and
/// refused by the authenticator; refreshes are guarded; API key uses are counted as Better Auth
/// counts them). Clones share the rows. Usually filled through [`TestAuth`](crate::TestAuth).
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    rows: Arc<Mutex<Rows>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn rows(&self) -> MutexGuard<'_, Rows> {
        // A panic while the lock was held left whole rows: keep going.
        self.rows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn answering(&self) -> Result<MutexGuard<'_, Rows>, BackendError> {
        let rows = self.rows();
        if rows.down {
            return Err(BackendError::unavailable(
                BACKEND,
                "the test store is set to fail (MemoryStore::set_down)",
            ));
        }
        Ok(rows)
    }

    /// Makes every lookup fail as a database that cannot be reached does (a 503), or answer
    /// again: to test how a handler behaves when the backend is down.
    pub fn set_down(&self, down: bool) {
        self.rows().down = down;
    }

    /// Adds or replaces a user.
    pub fn insert_user(&self, user: User) {
        self.rows().users.insert(user.id.clone(), Arc::new(user));
    }

    /// Updates the user `id` in place (e.g. to ban them mid-test); false when there is none.
    pub fn update_user(&self, id: &str, change: impl FnOnce(&mut User)) -> bool {
        let mut rows = self.rows();
        let Some(user) = rows.users.get_mut(id) else {
            return false;
        };
        change(Arc::make_mut(user));
        true
    }

    /// Adds or replaces a session (by its token).
    pub fn insert_session(&self, session: Session) {
        self.rows().sessions.insert(session.token.clone(), session);
    }

    /// The session of `token`, as stored now.
    pub fn session(&self, token: &str) -> Option<Session> {
        self.rows().sessions.get(token).cloned()
    }

    /// Deletes the session of `token` (sign-out, revocation); false when there is none.
    pub fn remove_session(&self, token: &str) -> bool {
        self.rows().sessions.remove(token).is_some()
    }

    /// Adds or replaces an API key, stored under `hashed_key` (base64url-no-pad SHA-256 of the
    /// key, as the plugin stores it).
    pub fn insert_api_key(&self, hashed_key: String, key: ApiKey) {
        self.rows().api_keys.insert(hashed_key, key);
    }

    /// The API key stored under `hashed_key`, as it is now (its counters).
    pub fn api_key(&self, hashed_key: &str) -> Option<ApiKey> {
        self.rows().api_keys.get(hashed_key).cloned()
    }

    /// Adds or replaces an organization.
    pub fn insert_organization(&self, organization: Organization) {
        self.rows()
            .organizations
            .insert(organization.id.clone(), Arc::new(organization));
    }

    /// Adds a `member` row.
    pub fn insert_member(&self, member: Member) {
        self.rows().members.push(Arc::new(member));
    }

    /// Removes the `member` rows of `user_id` in `organization_id`; how many there were.
    pub fn remove_member(&self, organization_id: &str, user_id: &str) -> usize {
        let mut rows = self.rows();
        let before = rows.members.len();
        rows.members.retain(|member| {
            member.organization_id != organization_id || member.user_id != user_id
        });
        before - rows.members.len()
    }

    /// Adds a team of `organization_id`.
    pub fn insert_team(&self, team_id: &str, organization_id: &str) {
        self.rows()
            .teams
            .insert(team_id.to_owned(), organization_id.to_owned());
    }

    /// Adds a `teamMember` row.
    pub fn insert_team_member(&self, team_member: TeamMember) {
        self.rows().team_members.push(Arc::new(team_member));
    }

    /// Adds a dynamic role (`organizationRole` row) to `organization_id`.
    pub fn insert_organization_role(&self, organization_id: &str, role: OrganizationRole) {
        self.rows()
            .roles
            .entry(organization_id.to_owned())
            .or_default()
            .push(role);
    }
}

/// Every row of a [`MemoryStore`] at one instant (for writing them elsewhere).
#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    pub(crate) users: Vec<User>,
    pub(crate) sessions: Vec<Session>,
    /// Hashed key and row.
    pub(crate) api_keys: Vec<(String, ApiKey)>,
    pub(crate) organizations: Vec<Organization>,
    pub(crate) members: Vec<Member>,
    /// Team id and organization id.
    pub(crate) teams: Vec<(String, String)>,
    pub(crate) team_members: Vec<TeamMember>,
    /// Organization id and role.
    pub(crate) roles: Vec<(String, OrganizationRole)>,
}

#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
impl MemoryStore {
    pub(crate) fn snapshot(&self) -> Snapshot {
        let rows = self.rows();
        Snapshot {
            users: rows.users.values().map(|user| User::clone(user)).collect(),
            sessions: rows.sessions.values().cloned().collect(),
            api_keys: rows
                .api_keys
                .iter()
                .map(|(hash, key)| (hash.clone(), key.clone()))
                .collect(),
            organizations: rows
                .organizations
                .values()
                .map(|organization| Organization::clone(organization))
                .collect(),
            members: rows
                .members
                .iter()
                .map(|member| Member::clone(member))
                .collect(),
            teams: rows
                .teams
                .iter()
                .map(|(team, organization)| (team.clone(), organization.clone()))
                .collect(),
            team_members: rows
                .team_members
                .iter()
                .map(|row| TeamMember::clone(row))
                .collect(),
            roles: rows
                .roles
                .iter()
                .flat_map(|(organization, roles)| {
                    roles
                        .iter()
                        .map(|role| (organization.clone(), role.clone()))
                })
                .collect(),
        }
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn find_session(&self, token: &str) -> Result<Option<SessionRecord>, BackendError> {
        let rows = self.answering()?;
        let Some(session) = rows.sessions.get(token) else {
            return Ok(None);
        };
        // As the SQL stores' join: a session whose user is gone is no session.
        Ok(rows
            .users
            .get(&session.user_id)
            .map(|user| SessionRecord::new(session.clone(), User::clone(user))))
    }

    async fn extend_session(
        &self,
        token: &str,
        extension: &Extension,
    ) -> Result<Extended, BackendError> {
        let mut rows = self.answering()?;
        match rows.sessions.get_mut(token) {
            Some(session) if session.expires_at <= extension.due_before => {
                session.expires_at = extension.expires_at;
                session.updated_at = extension.updated_at;
                Ok(Extended::Written)
            }
            _ => Ok(Extended::NotDue),
        }
    }

    async fn check_health(&self) -> Result<(), BackendError> {
        self.answering().map(|_| ())
    }

    fn backend(&self) -> &'static str {
        BACKEND
    }
}

#[async_trait]
impl ApiKeyStore for MemoryStore {
    async fn find_api_key(&self, stored_key: &str) -> Result<Option<ApiKey>, BackendError> {
        Ok(self.answering()?.api_keys.get(stored_key).cloned())
    }

    /// Counted as Better Auth counts it, under the store's lock.
    async fn use_api_key(
        &self,
        stored_key: &str,
        config: &ApiKeyConfig,
    ) -> Result<ApiKeyVerdict, BackendError> {
        let mut rows = self.answering()?;
        let Some(key) = rows
            .api_keys
            .get_mut(stored_key)
            .filter(|key| config.owns(key.config_id.as_deref()))
        else {
            return Ok(ApiKeyVerdict::Unknown);
        };
        let counted = api_key_usage::count_use(key);
        let key = Arc::new(key.clone());
        if counted.delete {
            rows.api_keys.remove(stored_key);
        }
        Ok(match counted.verdict {
            Ok(()) => ApiKeyVerdict::Accepted { key },
            Err(error) => ApiKeyVerdict::Refused(error),
        })
    }

    async fn find_user(&self, user_id: &str) -> Result<Option<User>, BackendError> {
        Ok(self
            .answering()?
            .users
            .get(user_id)
            .map(|user| User::clone(user)))
    }

    async fn check_health(&self) -> Result<(), BackendError> {
        self.answering().map(|_| ())
    }
}

#[async_trait]
impl OrganizationStore for MemoryStore {
    async fn find_membership(
        &self,
        lookup: &MembershipLookup<'_>,
    ) -> Result<Option<Membership>, BackendError> {
        let rows = self.answering()?;
        let Some(organization) = rows.organizations.get(lookup.organization_id) else {
            return Ok(None);
        };
        let Some(member) = rows.members.iter().find(|member| {
            member.organization_id == lookup.organization_id && member.user_id == lookup.user_id
        }) else {
            return Ok(None);
        };
        let team = lookup.team_id.and_then(|team_id| {
            let of_organization = rows
                .teams
                .get(team_id)
                .is_some_and(|organization_id| organization_id == lookup.organization_id);
            of_organization
                .then(|| {
                    rows.team_members
                        .iter()
                        .find(|row| row.team_id == team_id && row.user_id == lookup.user_id)
                })
                .flatten()
        });
        Ok(Some(
            Membership::new(Organization::clone(organization), Member::clone(member))
                .with_team(team.map(|row| TeamMember::clone(row))),
        ))
    }

    async fn organization_roles(
        &self,
        organization_id: &str,
    ) -> Result<Vec<OrganizationRole>, BackendError> {
        let rows = self.answering()?;
        Ok(rows.roles.get(organization_id).cloned().unwrap_or_default())
    }
}

//! An in-process cache of organization memberships (and of each organization's dynamic
//! roles), beside the session cache and with its
//! lifetimes (found: `ttl`, not a member: `negative_ttl`): single-flight, bounded, errors never
//! cached. The price is the same as for sessions: a membership removed or changed in Better
//! Auth is seen here up to the TTL later.

use std::sync::Arc;

use moka::future::Cache;

use crate::{
    cache::{CacheOptions, Lifetimes},
    error::BackendError,
    model::{Membership, OrganizationRole},
    store::OrganizationStore,
};

/// Organization, user, active team.
type Key = (String, String, Option<String>);

/// The membership cache of one authenticator, and the organizations' dynamic roles.
pub(crate) struct MembershipCache {
    cache: Cache<Key, Option<Membership>>,
    roles: Cache<String, Arc<[OrganizationRole]>>,
}

impl std::fmt::Debug for MembershipCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MembershipCache")
            .field("entries", &self.cache.entry_count())
            .finish()
    }
}

impl MembershipCache {
    /// A cache with the session cache's options.
    pub(crate) fn new(options: CacheOptions) -> Self {
        Self {
            cache: Cache::builder()
                .max_capacity(options.max_entries)
                .expire_after(Lifetimes::of(&options))
                .build(),
            roles: Cache::builder()
                .max_capacity(options.max_entries)
                .time_to_live(options.ttl)
                .build(),
        }
    }

    /// The dynamic roles of `organization_id`, from the cache or `store`.
    pub(crate) async fn roles(
        &self,
        store: &Arc<dyn OrganizationStore>,
        organization_id: &str,
    ) -> Result<Arc<[OrganizationRole]>, BackendError> {
        self.roles
            .try_get_with(organization_id.to_owned(), async move {
                store
                    .organization_roles(organization_id)
                    .await
                    .map(Arc::from)
            })
            .await
            .map_err(|shared| shared.detached_copy())
    }

    /// The membership, from the cache or `store` (concurrent lookups of one key share one).
    pub(crate) async fn lookup(
        &self,
        store: &Arc<dyn OrganizationStore>,
        organization_id: &str,
        user_id: &str,
        team_id: Option<&str>,
    ) -> Result<Option<Membership>, BackendError> {
        let key = (
            organization_id.to_owned(),
            user_id.to_owned(),
            team_id.map(str::to_owned),
        );
        self.cache
            .try_get_with(key, async move {
                store
                    .find_membership(organization_id, user_id, team_id)
                    .await
            })
            .await
            .map_err(|shared| shared.detached_copy())
    }
}

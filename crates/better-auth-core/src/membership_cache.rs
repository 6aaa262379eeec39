//! An in-process cache of organization memberships (and of each organization's dynamic
//! roles, or, in remote mode, of Better Auth's permission verdicts), beside the session cache
//! and with its
//! lifetimes (found: `ttl`, not a member: `negative_ttl`): single-flight, bounded, errors never
//! cached. The price is the same as for sessions: a membership removed or changed in Better
//! Auth is seen here up to the TTL later.

use std::{sync::Arc, time::Duration};

use moka::{Expiry, future::Cache};

use crate::{
    access_control::PermissionQuery,
    error::BackendError,
    model::{Membership, OrganizationRole},
    session_lookup::CacheOptions,
    store::{MembershipLookup, OrganizationStore},
};

/// Organization, user, active team.
type Key = (String, String, Option<String>);

/// Organization, user, the permission check (its JSON).
type VerdictKey = (String, String, String);

/// The membership cache of one authenticator, and the organizations' dynamic roles.
pub(crate) struct MembershipCache {
    cache: Cache<Key, Option<Membership>>,
    roles: Cache<String, Arc<[OrganizationRole]>>,
    verdicts: Cache<VerdictKey, bool>,
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
            verdicts: Cache::builder()
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
        lookup: &MembershipLookup<'_>,
    ) -> Result<Option<Membership>, BackendError> {
        let key = (
            lookup.organization_id.to_owned(),
            lookup.user_id.to_owned(),
            lookup.team_id.map(str::to_owned),
        );
        self.cache
            .try_get_with(key, store.find_membership(lookup))
            .await
            .map_err(|shared| shared.detached_copy())
    }

    /// The store's own verdict on `check` (remote mode), from the cache or `store`.
    pub(crate) async fn verdict(
        &self,
        store: &Arc<dyn OrganizationStore>,
        lookup: &MembershipLookup<'_>,
        check: PermissionQuery<'_>,
    ) -> Result<bool, BackendError> {
        // Length-prefixed, so that no two checks share a key.
        let asked = match check {
            PermissionQuery::Permissions(permissions) => {
                permissions
                    .iter()
                    .fold(String::new(), |mut key, (resource, actions)| {
                        key.push_str(&format!("{}:{resource}{}", resource.len(), actions.len()));
                        for action in actions {
                            key.push_str(&format!(":{}:{action}", action.len()));
                        }
                        key
                    })
            }
            PermissionQuery::Deprecated => "permission".to_owned(),
        };
        let key = (
            lookup.organization_id.to_owned(),
            lookup.user_id.to_owned(),
            asked,
        );
        self.verdicts
            .try_get_with(key, store.permission_verdict(lookup, check))
            .await
            .map_err(|shared| shared.detached_copy())
    }
}

/// Found answers live `ttl`, missing ones `negative_ttl` (memberships in
/// `membership_cache.rs`).
pub(crate) struct Lifetimes {
    found: Duration,
    missing: Duration,
}

impl Lifetimes {
    /// The lifetimes of `options`.
    pub(crate) fn of(options: &CacheOptions) -> Self {
        Self {
            found: options.ttl,
            missing: options.negative_ttl,
        }
    }
}

impl<K, V> Expiry<K, Option<V>> for Lifetimes {
    fn expire_after_create(
        &self,
        _key: &K,
        value: &Option<V>,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        Some(if value.is_some() {
            self.found
        } else {
            self.missing
        })
    }
}

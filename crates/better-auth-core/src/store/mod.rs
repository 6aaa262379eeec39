//! Session stores: given a session token, find the session and its user.
//!
//! [`SessionStore`] is object-safe (`async_trait`) so the backend can be chosen at run time
//! (`DATABASE_URL` decides) and held as `Arc<dyn SessionStore>`.

use std::{net::IpAddr, sync::Arc};

use async_trait::async_trait;

use crate::{
    error::BackendError,
    model::{ApiKey, SessionRecord, User},
};

pub use crate::{
    api_key_usage::{ApiKeyVerdict, CountedUse, count_use},
    session_refresh::{Extended, Extension},
};

#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
mod sql;
#[cfg(all(feature = "jwks", feature = "mysql"))]
pub(crate) use self::mysql::MySqlDialect;
#[cfg(all(feature = "jwks", feature = "postgres"))]
pub(crate) use postgres::PgDialect;
#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
pub use sql::SqlOptions;
#[cfg(all(
    feature = "jwks",
    any(feature = "postgres", feature = "sqlite", feature = "mysql")
))]
pub(crate) use sql::{Cell, ColumnInfo, Dialect, SqlDatabase, with_deadline};
#[cfg(all(feature = "jwks", feature = "sqlite"))]
pub(crate) use sqlite::SqliteDialect;

#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
mod connect;
#[cfg(any(feature = "postgres", feature = "sqlite", feature = "mysql"))]
pub use connect::{ConnectedStores, connect, connect_stores, connect_with_api_keys};

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;

#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "mysql")]
pub use mysql::MySqlStore;

#[cfg(feature = "remote")]
mod remote;
#[cfg(feature = "remote")]
pub use remote::{RemoteOptions, RemoteOrganizationStore, RemoteSessionStore};

#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
pub use self::redis::{RedisOptions, RedisStore};

/// The answer to one session lookup: the session with its user, `None` when there is no such
/// session, or why the backend could not say.
pub type SessionAnswer = Result<Option<SessionRecord>, BackendError>;

/// One token a batched lookup ([`SessionStore::find_sessions`]) asks for, and who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionQuery<'a> {
    /// The unsigned session token.
    pub token: &'a str,
    /// The address of the client whose request asks, when known. Stores that call a
    /// rate-limited service on the client's behalf (remote mode: Better Auth's `get-session`)
    /// pass it on, so that the service's limit is each client's own; the others ignore it.
    pub client: Option<IpAddr>,
}

impl<'a> SessionQuery<'a> {
    /// A lookup of `token` for no known client.
    pub fn new(token: &'a str) -> Self {
        Self {
            token,
            client: None,
        }
    }

    /// The same lookup, asked for `client`.
    pub fn for_client(mut self, client: Option<IpAddr>) -> Self {
        self.client = client;
        self
    }

    /// Lookups of `tokens`, for no known client.
    pub fn all(tokens: &[&'a str]) -> Vec<Self> {
        tokens.iter().map(|token| Self::new(token)).collect()
    }
}

/// Looks a session token up.
///
/// The token is the UNSIGNED token (what `session.token` stores): signatures are checked before
/// a store is asked. A store returns the session even when it has expired; the
/// [`Authenticator`](crate::Authenticator) checks expiry, so that every store agrees.
#[async_trait]
pub trait SessionStore: std::fmt::Debug + Send + Sync + 'static {
    /// The session whose token is `token`, with its user; `None` if there is none.
    async fn find_session(&self, token: &str) -> Result<Option<SessionRecord>, BackendError>;

    /// The sessions of several lookups at once, in the order asked: `result[i]` answers
    /// `queries[i]` (`Ok(None)`: no such session). Each answer is that of
    /// [`find_session`](Self::find_session) for its token (expired sessions included; the
    /// caller checks expiry); a token asked twice is answered twice. No queries: no answers,
    /// and the backend is not asked.
    ///
    /// **Each answer belongs to its token alone**: a value stored under one token that is not
    /// a session, or a call for one token that fails, is that token's answer, never its
    /// neighbours' (a batch holds the tokens of many clients, and what one client sends must
    /// not change another's answer). Only a failure of the backend itself (unreachable, timed
    /// out) is every token's error.
    ///
    /// The default asks `find_session` for each token, concurrently. The SQL and Redis stores
    /// answer a batch in one round trip (one query; one `MGET` per stage), and answer a token
    /// only with a session whose token is byte for byte the same (MySQL's default collation
    /// would also match one differing in letter case).
    async fn find_sessions(&self, queries: &[SessionQuery<'_>]) -> Vec<SessionAnswer> {
        futures_util::future::join_all(queries.iter().map(|query| self.find_session(query.token)))
            .await
    }

    /// Refreshes the session of `token` as Better Auth does (see
    /// `docs/deployments.md`, "Session lifecycle"): sets its `expiresAt` and `updatedAt` to
    /// the extension's, in one atomic step and only while the stored `expiresAt` is at or
    /// before [`Extension::due_before`], written exactly as Better Auth writes them. The
    /// default does nothing ([`Extended::Unsupported`]): a store that cannot write leaves
    /// sessions to expire on time.
    async fn extend_session(
        &self,
        token: &str,
        extension: &Extension,
    ) -> Result<Extended, BackendError> {
        let _ = (token, extension);
        Ok(Extended::Unsupported)
    }

    /// A sample of the most recently written sessions, for diagnostics (the doctor compares
    /// the lifetimes Better Auth gave them with the configured `expiresIn`). None by default;
    /// the SQL stores read up to 100.
    async fn recent_sessions(&self) -> Result<Vec<SessionRecord>, BackendError> {
        Ok(Vec::new())
    }

    /// Whether the backend answers (for health endpoints).
    async fn check_health(&self) -> Result<(), BackendError>;

    /// A short name for logs and errors (`"postgres"`, `"sqlite"`, ...).
    fn backend(&self) -> &'static str;
}

/// What a membership lookup asks: the user's membership of an organization, as the session of
/// a request.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct MembershipLookup<'a> {
    /// The organization.
    pub organization_id: &'a str,
    /// The user.
    pub user_id: &'a str,
    /// The session's active team, if any: the user's row in it is looked up too.
    pub team_id: Option<&'a str>,
    /// The token of the session asking (remote mode asks Better Auth as this session; stores
    /// holding the rows ignore it).
    pub session_token: &'a str,
    /// The address of the client whose request asks, when known (remote mode passes it on to
    /// Better Auth's rate limiter; stores holding the rows ignore it).
    pub client: Option<IpAddr>,
}

impl<'a> MembershipLookup<'a> {
    /// The membership of `user_id` in `organization_id`, no team, asked as the session of
    /// `session_token`.
    pub fn new(organization_id: &'a str, user_id: &'a str, session_token: &'a str) -> Self {
        Self {
            organization_id,
            user_id,
            team_id: None,
            session_token,
            client: None,
        }
    }

    /// The same lookup, asked for `client`.
    pub fn for_client(mut self, client: Option<IpAddr>) -> Self {
        self.client = client;
        self
    }

    /// The same lookup, with the session's active team.
    pub fn team(mut self, team_id: Option<&'a str>) -> Self {
        self.team_id = team_id;
        self
    }
}

/// Looks organization plugin data up: a user's membership of an organization (the `member`
/// row joined to its `organization`).
#[async_trait]
pub trait OrganizationStore: std::fmt::Debug + Send + Sync + 'static {
    /// The membership of the user in the organization; `None` when the user is not (or no
    /// longer) a member. With a team (the session's active team), also the user's row in that
    /// team when it is a team of this organization.
    async fn find_membership(
        &self,
        lookup: &MembershipLookup<'_>,
    ) -> Result<Option<crate::model::Membership>, BackendError>;

    /// The dynamic roles of `organization_id` (`organizationRole` rows; dynamic access
    /// control). None by default.
    async fn organization_roles(
        &self,
        organization_id: &str,
    ) -> Result<Vec<crate::model::OrganizationRole>, BackendError> {
        let _ = organization_id;
        Ok(Vec::new())
    }

    /// Whether permission verdicts are Better Auth's own, asked by
    /// [`permission_verdict`](Self::permission_verdict), rather than computed here from the
    /// member's roles and [`organization_roles`](Self::organization_roles). False by default;
    /// true in remote mode (which cannot list the roles of a member without `ac:read`).
    fn decides_permissions(&self) -> bool {
        false
    }

    /// Better Auth's own verdict on `check` for the member of `lookup` (remote mode: its
    /// `POST /organization/has-permission`). Only asked when
    /// [`decides_permissions`](Self::decides_permissions); an error by default.
    async fn permission_verdict(
        &self,
        lookup: &MembershipLookup<'_>,
        check: crate::access_control::PermissionQuery<'_>,
    ) -> Result<bool, BackendError> {
        let _ = (lookup, check);
        Err(BackendError::invalid_data(
            "organization store",
            "this store computes no permission verdict of its own",
        ))
    }
}

/// Looks an API key up (API key plugin) by what its `key` column holds (base64url-no-pad
/// SHA-256 of the key, as the plugin stores it, unless `disableKeyHashing`), counts its uses
/// as the plugin does ([`use_api_key`](Self::use_api_key)) and finds the user a user key
/// stands for ([`find_user`](Self::find_user)).
///
/// The authenticator asks, for a key long enough for its configuration:
/// [`find_api_key`](Self::find_api_key) (a plain read: an unknown key, or one of another
/// configuration, costs nothing more), then, for a key of that configuration whose use is
/// counted, [`use_api_key`](Self::use_api_key), then, for a key of a configuration whose keys
/// are users' ([`ApiKeyOwner::User`](crate::config::ApiKeyOwner::User)),
/// [`find_user`](Self::find_user) with its `referenceId`.
#[async_trait]
pub trait ApiKeyStore: std::fmt::Debug + Send + Sync + 'static {
    /// The key whose `key` column holds `stored_key`, the row alone, read as it is: no lock,
    /// no write transaction. `None` if there is none.
    async fn find_api_key(&self, stored_key: &str) -> Result<Option<ApiKey>, BackendError>;

    /// Verifies one use of the key whose `key` column holds `stored_key` and counts it as
    /// Better Auth does, atomically ([`ApiKeyUsage::Count`](crate::ApiKeyUsage::Count)):
    /// [`ApiKeyVerdict::Unknown`] when the key is gone,
    /// or is not of `config`, by the time it is counted. The SQL stores override it (a row
    /// lock); this default, for stores that cannot write, only reads
    /// ([`find_api_key`](Self::find_api_key), then
    /// [`ApiKey::check_usable`](crate::model::ApiKey::check_usable)).
    async fn use_api_key(
        &self,
        stored_key: &str,
        config: &crate::config::ApiKeyConfig,
    ) -> Result<crate::api_key_usage::ApiKeyVerdict, BackendError> {
        let key = self
            .find_api_key(stored_key)
            .await?
            .filter(|key| config.owns(key.config_id.as_deref()));
        Ok(crate::api_key_usage::ApiKeyVerdict::read_only(key))
    }

    /// The user whose `id` is `user_id` (a user key's `referenceId`); `None` if there is none.
    async fn find_user(&self, user_id: &str) -> Result<Option<User>, BackendError>;

    /// Whether the backend answers (for health endpoints).
    async fn check_health(&self) -> Result<(), BackendError>;
}

#[async_trait]
impl<S: SessionStore + ?Sized> SessionStore for Arc<S> {
    async fn find_session(&self, token: &str) -> Result<Option<SessionRecord>, BackendError> {
        (**self).find_session(token).await
    }

    async fn find_sessions(&self, queries: &[SessionQuery<'_>]) -> Vec<SessionAnswer> {
        (**self).find_sessions(queries).await
    }

    async fn extend_session(
        &self,
        token: &str,
        extension: &Extension,
    ) -> Result<Extended, BackendError> {
        (**self).extend_session(token, extension).await
    }

    async fn recent_sessions(&self) -> Result<Vec<SessionRecord>, BackendError> {
        (**self).recent_sessions().await
    }

    async fn check_health(&self) -> Result<(), BackendError> {
        (**self).check_health().await
    }

    fn backend(&self) -> &'static str {
        (**self).backend()
    }
}

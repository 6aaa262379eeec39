//! The SQL session store, once for every [`Dialect`]: plans the lookups from the live table
//! layout at startup, then answers each token with one prepared query joining `session` to
//! `user` (and each API key with one reading its `apikey` row alone; a user key's user by id,
//! apart: `referenceId` is compared with no other table's column).

use std::{collections::HashMap, sync::Arc, time::Duration};

use super::{
    BATCH_WIDTHS, Dialect, Plan, RecordBuilder, SqlDatabase, SqlOptions, Target, UsageDialect,
    UsagePlan, with_deadline,
};
use crate::{
    config::ConfigError,
    config::Model,
    error::BackendError,
    model::{ApiKey, SessionRecord, User},
    session_refresh::{Extended, Extension},
    store::{SessionAnswer, SessionQuery},
};

/// The planned session refresh: its SQL and the kinds of the two date columns it writes.
struct ExtendStatement<D: Dialect> {
    sql: Arc<str>,
    expires_at: D::Kind,
    updated_at: D::Kind,
}

impl<D: Dialect> Clone for ExtendStatement<D> {
    fn clone(&self) -> Self {
        Self {
            sql: self.sql.clone(),
            expires_at: self.expires_at,
            updated_at: self.updated_at,
        }
    }
}

impl<D: Dialect> ExtendStatement<D> {
    fn new(plan: &Plan) -> Option<Self> {
        let kind = |field| {
            plan.primary_column(field)
                .map(|column| D::kind_of(&column.info.data_type))
        };
        let sql = plan.extend_sql(
            D::quote,
            |column, n| D::time_param(D::kind_of(&column.info.data_type), n),
            D::param,
        )?;
        Some(Self {
            sql: sql.into(),
            expires_at: kind("expiresAt")?,
            updated_at: kind("updatedAt")?,
        })
    }
}

/// A planned lookup: its SQL and how to read each column.
struct Query<D: Dialect> {
    sql: Arc<str>,
    /// The batched lookup's statements, by how many values each binds (ascending): one per
    /// [`BATCH_WIDTHS`], or one for any number where the dialect binds an array.
    batches: Arc<[(usize, Arc<str>)]>,
    columns: Arc<[(Target, D::Kind)]>,
    /// The [`RECENT`] most recently written rows (sessions only; for the doctor).
    recent: Option<Arc<str>>,
}

/// How many sessions [`SqlStore::recent_sessions`] reads.
const RECENT: usize = 100;

impl<D: Dialect> Clone for Query<D> {
    fn clone(&self) -> Self {
        Self {
            sql: self.sql.clone(),
            batches: self.batches.clone(),
            columns: self.columns.clone(),
            recent: self.recent.clone(),
        }
    }
}

impl<D: Dialect> Query<D> {
    fn new(plan: &Plan) -> Self {
        let select = |column: &super::plan::PlannedColumn, qualified: &str| {
            D::select(D::kind_of(&column.info.data_type), qualified)
        };
        let sql = plan.select_sql(D::quote, select, D::PLACEHOLDER);
        let batch = |width| -> Arc<str> {
            plan.select_many_sql(D::quote, select, |column| D::batch_condition(column, width))
                .into()
        };
        let batches = if D::BATCH_AS_ARRAY {
            vec![(usize::MAX, batch(1))]
        } else {
            BATCH_WIDTHS
                .iter()
                .map(|&width| (width, batch(width)))
                .collect()
        };
        let columns = plan
            .columns
            .iter()
            .map(|column| (column.target.clone(), D::kind_of(&column.info.data_type)))
            .collect();
        // Every row but the one whose token is the empty string (none), the latest first.
        let recent = plan.primary_column("updatedAt").map(|updated_at| {
            let order = format!("p.{}", D::quote(&updated_at.info.name));
            plan.select_many_sql(D::quote, select, |column| {
                format!(
                    "NOT ({}) ORDER BY {order} DESC LIMIT {RECENT}",
                    D::batch_condition(column, 1)
                )
            })
            .into()
        });
        Self {
            sql: sql.into(),
            batches: batches.into(),
            columns,
            recent,
        }
    }

    /// A lookup by one value, not batched: `sql` selects `columns`, in order.
    fn single<'p>(
        sql: String,
        columns: impl Iterator<Item = &'p super::plan::PlannedColumn>,
    ) -> Self {
        Self {
            sql: sql.into(),
            batches: Arc::new([]),
            columns: columns
                .map(|column| (column.target.clone(), D::kind_of(&column.info.data_type)))
                .collect(),
            recent: None,
        }
    }

    /// A row's cells, collected.
    fn decode(&self, row: &<D::Db as sqlx::Database>::Row) -> Result<RecordBuilder, BackendError> {
        let mut builder = RecordBuilder::default();
        for (index, (target, kind)) in self.columns.iter().enumerate() {
            let cell = D::decode_cell(row, index, *kind).map_err(|error| {
                BackendError::invalid_data(D::BACKEND, format!("{target:?}: {error}"))
            })?;
            builder
                .set(target, cell)
                .map_err(|detail| BackendError::invalid_data(D::BACKEND, detail))?;
        }
        Ok(builder)
    }

    /// The session token of a row [`decode`](Self::decode) could not read, if that cell itself
    /// reads: whose answer the failure is.
    fn token_of(&self, row: &<D::Db as sqlx::Database>::Row) -> Option<String> {
        let token = Target::Session("token".into());
        let index = self
            .columns
            .iter()
            .position(|(target, _)| *target == token)?;
        let cell = D::decode_cell(row, index, self.columns[index].1).ok()?;
        cell.into_string("token").ok().flatten()
    }

    /// Runs the lookup for `value`; the row's cells, collected.
    async fn fetch(
        &self,
        pool: &sqlx::Pool<D::Db>,
        value: &str,
        timeout: Duration,
    ) -> Result<Option<RecordBuilder>, BackendError> {
        let query = || D::Db::fetch_optional(pool, self.sql.clone(), value);
        match with_deadline(D::BACKEND, timeout, query).await? {
            Some(row) => self.decode(&row).map(Some),
            None => Ok(None),
        }
    }

    /// Runs the batched lookup for `values`, each query within `timeout`: one query, or one
    /// per chunk of the largest width; the cells of every row found, in no particular order.
    async fn fetch_many(
        &self,
        pool: &sqlx::Pool<D::Db>,
        values: &[&str],
        timeout: Duration,
    ) -> Result<Vec<Row>, BackendError> {
        let largest = self.batches.last().map_or(1, |(width, _)| *width);
        let mut rows = Vec::new();
        for chunk in values.chunks(largest) {
            let (Some((width, sql)), Some(last)) = (
                self.batches.iter().find(|(width, _)| *width >= chunk.len()),
                chunk.last(),
            ) else {
                continue;
            };
            let mut bound: Vec<String> = chunk.iter().map(|&value| value.to_owned()).collect();
            if !D::BATCH_AS_ARRAY {
                // Pad to the statement's width: the last value again matches nothing new.
                bound.resize(*width, (*last).to_owned());
            }
            let query = || D::fetch_batch(pool, sql.clone(), bound.clone());
            for row in with_deadline(D::BACKEND, timeout, query).await? {
                rows.push(match self.decode(&row) {
                    Ok(builder) => Row::Read(Box::new(builder)),
                    Err(error) => Row::Unreadable {
                        token: self.token_of(&row),
                        error,
                    },
                });
            }
        }
        Ok(rows)
    }
}

/// A row of a batched lookup.
enum Row {
    /// Its cells, collected.
    Read(Box<RecordBuilder>),
    /// A cell that cannot be read: the error is the answer of the row's token (when that
    /// cell reads), never of the batch.
    Unreadable {
        token: Option<String>,
        error: BackendError,
    },
}

/// Sessions (and API keys) in a SQL database of dialect `D`.
pub(crate) struct SqlStore<D: Dialect> {
    pool: sqlx::Pool<D::Db>,
    sessions: Option<Query<D>>,
    /// The session refresh, when the session table's date columns are writable.
    extend: Option<ExtendStatement<D>>,
    /// The `apikey` row alone, by its `key`.
    api_keys: Option<Query<D>>,
    /// A user by id (an API key's owner), and the data type of the `id` column.
    users: Option<(Query<D>, Arc<str>)>,
    query_timeout: Duration,
    /// Counting API key uses (`usage.rs`).
    usage: Option<Arc<UsagePlan<D>>>,
    /// The organization plugin's membership lookup, when its tables are there.
    memberships: Option<super::membership::MembershipQuery<D>>,
    /// Team memberships (teams enabled).
    teams: Option<super::membership::TeamQuery<D>>,
    /// Dynamic roles (dynamic access control enabled).
    roles: Option<super::membership::RolesQuery<D>>,
}

impl<D: Dialect> Clone for SqlStore<D> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            sessions: self.sessions.clone(),
            extend: self.extend.clone(),
            api_keys: self.api_keys.clone(),
            users: self.users.clone(),
            memberships: self.memberships.clone(),
            teams: self.teams.clone(),
            roles: self.roles.clone(),
            query_timeout: self.query_timeout,
            usage: self.usage.clone(),
        }
    }
}

impl<D: Dialect> std::fmt::Debug for SqlStore<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &D::BACKEND)
            .field("lookup_sql", &self.lookup_sql())
            .field("api_keys", &self.supports_api_keys())
            .field("query_timeout", &self.query_timeout)
            .finish_non_exhaustive()
    }
}

impl<D: Dialect> SqlStore<D> {
    /// Connects a pool to `url` (pool size and wait limit from `options`) and plans the
    /// lookups. Pools lend connections without a ping before each lookup: a dead connection is
    /// retried instead (see [`with_deadline`]).
    pub(crate) async fn connect(url: &str, options: SqlOptions) -> Result<Self, ConfigError> {
        let connect_error = |error: sqlx::Error| ConfigError::Connect {
            backend: D::BACKEND,
            source: error.into(),
        };
        let connect_options: <<D::Db as sqlx::Database>::Connection as sqlx::Connection>::Options =
            url.parse().map_err(connect_error)?;
        let pool = sqlx::pool::PoolOptions::<D::Db>::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire(false)
            .connect_with(connect_options)
            .await
            .map_err(connect_error)?;
        Self::plan(pool, options).await
    }

    /// Plans the lookups from the tables `pool` sees. Fails with a clear error if the database
    /// is unreachable or a table or column is missing.
    pub(crate) async fn plan(
        pool: sqlx::Pool<D::Db>,
        options: SqlOptions,
    ) -> Result<Self, ConfigError> {
        let schema = &options.schema;
        let session_columns = Self::columns(&pool, &schema.table(Model::Session)).await?;
        let user_columns = Self::columns(&pool, &schema.table(Model::User)).await?;
        let (sessions, extend) = match Plan::new(schema, session_columns, user_columns.clone()) {
            Ok(plan) => (Some(Query::new(&plan)), ExtendStatement::new(&plan)),
            Err(_) if !options.sessions_required => (None, None),
            Err(error) => return Err(error),
        };
        // API keys (plugin `@better-auth/api-key`) when the database has their table.
        let api_key_columns = Self::columns(&pool, &schema.table(Model::ApiKey)).await?;
        let (api_keys, users, usage) = if api_key_columns.is_empty() {
            (None, None, None)
        } else {
            let plan = Plan::api_keys(schema, api_key_columns, user_columns)?;
            let select = |column: &super::plan::PlannedColumn, qualified: &str| {
                D::select(D::kind_of(&column.info.data_type), qualified)
            };
            let keys = Query::single(
                plan.select_primary_sql(D::quote, select, D::PLACEHOLDER),
                plan.primary_columns(),
            );
            let users = Query::single(
                plan.select_user_sql(D::quote, select, |data_type| D::param_for(1, data_type)),
                plan.user_columns(),
            );
            let id_type: Arc<str> = plan
                .user_columns()
                .find(|column| column.target == Target::User("id".into()))
                .map_or("", |column| column.info.data_type.as_str())
                .into();
            let users = (users, id_type);
            (
                Some(keys),
                Some(users),
                Some(Arc::new(UsagePlan::new(plan, schema))),
            )
        };
        let member_columns = Self::columns(&pool, &schema.table(Model::Member)).await?;
        let organization_columns = Self::columns(&pool, &schema.table(Model::Organization)).await?;
        let memberships = super::membership::MembershipQuery::plan(
            schema,
            &member_columns,
            &organization_columns,
        );
        let team_member_columns = Self::columns(&pool, &schema.table(Model::TeamMember)).await?;
        let team_columns = Self::columns(&pool, &schema.table(Model::Team)).await?;
        let teams = super::membership::TeamQuery::plan(schema, &team_member_columns, &team_columns);
        let role_columns = Self::columns(&pool, &schema.table(Model::OrganizationRole)).await?;
        let roles = super::membership::RolesQuery::plan(schema, &role_columns);
        Ok(Self {
            pool,
            sessions,
            extend,
            api_keys,
            users,
            memberships,
            teams,
            roles,
            query_timeout: options.query_timeout,
            usage,
        })
    }

    async fn columns(
        pool: &sqlx::Pool<D::Db>,
        table: &str,
    ) -> Result<Vec<super::ColumnInfo>, ConfigError> {
        D::columns_of(pool, table)
            .await
            .map_err(|error| ConfigError::Connect {
                backend: D::BACKEND,
                source: error.into(),
            })
    }

    /// A short name for logs and errors.
    pub(crate) fn backend(&self) -> &'static str {
        D::BACKEND
    }

    /// The connection pool.
    pub(crate) fn pool(&self) -> &sqlx::Pool<D::Db> {
        &self.pool
    }

    /// The session lookup query.
    pub(crate) fn lookup_sql(&self) -> &str {
        self.sessions.as_ref().map_or("", |query| &query.sql)
    }

    /// Whether the database has the API key plugin's table.
    pub(crate) fn supports_api_keys(&self) -> bool {
        self.api_keys.is_some()
    }

    /// The planned session lookup, or the error saying there is none.
    fn session_query(&self) -> Result<&Query<D>, BackendError> {
        self.sessions.as_ref().ok_or_else(|| {
            BackendError::invalid_data(D::BACKEND, "the database has no session table")
        })
    }

    /// The session whose token is `token`, with its user.
    pub(crate) async fn find_session(
        &self,
        token: &str,
    ) -> Result<Option<SessionRecord>, BackendError> {
        let query = self.session_query()?;
        let Some(builder) = query.fetch(&self.pool, token, self.query_timeout).await? else {
            return Ok(None);
        };
        builder
            .finish()
            .map(Some)
            .map_err(|detail| BackendError::invalid_data(D::BACKEND, detail))
    }

    /// The sessions of `tokens`, in order, in one query (see
    /// [`SessionStore::find_sessions`](crate::SessionStore::find_sessions)): each row answers
    /// the tokens byte for byte equal to its own (not those a case-insensitive collation let
    /// through).
    pub(crate) async fn find_sessions(&self, queries: &[SessionQuery<'_>]) -> Vec<SessionAnswer> {
        if queries.is_empty() {
            return Vec::new();
        }
        let tokens: Vec<&str> = queries.iter().map(|query| query.token).collect();
        let rows = match self.session_query() {
            Ok(query) => {
                query
                    .fetch_many(&self.pool, &tokens, self.query_timeout)
                    .await
            }
            Err(error) => Err(error),
        };
        let rows = match rows {
            Ok(rows) => rows,
            // The database itself failed: every token's answer.
            Err(error) => return tokens.iter().map(|_| Err(error.detached_copy())).collect(),
        };
        let mut found: HashMap<String, SessionAnswer> = HashMap::with_capacity(rows.len());
        for row in rows {
            let (token, answer) = match row {
                Row::Read(builder) => {
                    let token = builder.token().map(str::to_owned);
                    let answer = builder
                        .finish()
                        .map(Some)
                        .map_err(|detail| BackendError::invalid_data(D::BACKEND, detail));
                    (token, answer)
                }
                Row::Unreadable { token, error } => (token, Err(error)),
            };
            match token {
                Some(token) => {
                    found.entry(token).or_insert(answer);
                }
                // Whose row this is cannot be told: its token answers "no session", as a
                // token without a row does (never a pass), and the log says why.
                None => {
                    if let Err(error) = answer {
                        tracing::warn!(target: "better_auth", backend = D::BACKEND, %error, "a session row cannot be read, not even its token");
                    }
                }
            }
        }
        tokens
            .iter()
            .map(|&token| match found.get(token) {
                None => Ok(None),
                Some(Ok(record)) => Ok(record.clone()),
                Some(Err(error)) => Err(error.detached_copy()),
            })
            .collect()
    }

    /// The most recently written sessions (up to 100), with their users: what the doctor
    /// compares the configured session lifetime with.
    pub(crate) async fn recent_sessions(&self) -> Result<Vec<SessionRecord>, BackendError> {
        let query = self.session_query()?;
        let Some(sql) = &query.recent else {
            return Ok(Vec::new());
        };
        let fetch = || D::fetch_batch(&self.pool, sql.clone(), vec![String::new()]);
        let rows = with_deadline(D::BACKEND, self.query_timeout, fetch).await?;
        rows.iter()
            .map(|row| {
                query
                    .decode(row)?
                    .finish()
                    .map_err(|detail| BackendError::invalid_data(D::BACKEND, detail))
            })
            .collect()
    }

    /// Refreshes the session of `token`: one guarded `UPDATE` (see
    /// [`Plan::extend_sql`]), atomic in the database; only a session still due is written.
    pub(crate) async fn extend_session(
        &self,
        token: &str,
        extension: &Extension,
    ) -> Result<Extended, BackendError> {
        let Some(statement) = &self.extend else {
            return Ok(Extended::Unsupported);
        };
        let values = vec![
            D::time_text(statement.expires_at, extension.expires_at),
            D::time_text(statement.updated_at, extension.updated_at),
            token.to_owned(),
            D::time_text(statement.expires_at, extension.due_before),
            // Not over: the refresh's own time (`updatedAt`) is before `expiresAt`.
            D::time_text(statement.expires_at, extension.updated_at),
        ];
        let update = || D::Db::execute(&self.pool, statement.sql.clone(), values.clone());
        let result = with_deadline(D::BACKEND, self.query_timeout, update).await?;
        Ok(if D::rows_affected(&result) == 0 {
            Extended::NotDue
        } else {
            Extended::Written
        })
    }

    /// The membership `lookup` asks for (organization plugin).
    pub(crate) async fn find_membership(
        &self,
        lookup: &crate::store::MembershipLookup<'_>,
    ) -> Result<Option<crate::model::Membership>, BackendError> {
        let (organization_id, user_id) = (lookup.organization_id, lookup.user_id);
        let Some(query) = &self.memberships else {
            return Err(BackendError::invalid_data(
                D::BACKEND,
                "the database has no organization plugin tables (organization, member)",
            ));
        };
        let Some(membership) = query
            .fetch(&self.pool, organization_id, user_id, self.query_timeout)
            .await?
        else {
            return Ok(None);
        };
        let team = match (lookup.team_id, &self.teams) {
            (Some(team_id), Some(teams)) => {
                teams
                    .fetch(
                        &self.pool,
                        (team_id, user_id, organization_id),
                        self.query_timeout,
                    )
                    .await?
            }
            _ => None,
        };
        Ok(Some(membership.with_team(team)))
    }

    /// The dynamic roles of `organization_id` (none without the `organizationRole` table).
    pub(crate) async fn organization_roles(
        &self,
        organization_id: &str,
    ) -> Result<Vec<crate::model::OrganizationRole>, BackendError> {
        match &self.roles {
            Some(roles) => {
                roles
                    .fetch(&self.pool, organization_id, self.query_timeout)
                    .await
            }
            None => Ok(Vec::new()),
        }
    }

    /// Whether the database has the organization plugin's tables.
    pub(crate) fn supports_organizations(&self) -> bool {
        self.memberships.is_some()
    }

    /// The `apikey` row whose `key` is `stored_key`, alone: one indexed `SELECT`, no lock, no
    /// transaction (an unknown key costs no more).
    pub(crate) async fn find_api_key(
        &self,
        stored_key: &str,
    ) -> Result<Option<ApiKey>, BackendError> {
        let Some(keys) = &self.api_keys else {
            return Err(BackendError::invalid_data(
                D::BACKEND,
                "the database has no apikey table",
            ));
        };
        let Some(builder) = keys
            .fetch(&self.pool, stored_key, self.query_timeout)
            .await?
        else {
            return Ok(None);
        };
        builder
            .finish_api_key()
            .map(Some)
            .map_err(|detail| BackendError::invalid_data(D::BACKEND, detail))
    }

    /// The user whose id is `user_id` (a user key's owner), by the `user` table's key alone.
    pub(crate) async fn find_user(&self, user_id: &str) -> Result<Option<User>, BackendError> {
        let Some((users, id_type)) = &self.users else {
            return Err(BackendError::invalid_data(
                D::BACKEND,
                "the database has no apikey table",
            ));
        };
        if !super::can_hold(id_type, user_id) {
            // A `referenceId` the id column cannot hold names no user (PostgreSQL would fail
            // the cast: a 503 for a row Better Auth never writes).
            return Ok(None);
        }
        let Some(builder) = users.fetch(&self.pool, user_id, self.query_timeout).await? else {
            return Ok(None);
        };
        builder
            .finish_user()
            .map(Some)
            .map_err(|detail| BackendError::invalid_data(D::BACKEND, detail))
    }

    /// Verifies and counts one use of the key whose `key` is `stored_key`, of `config`, under
    /// the row's lock (see `usage.rs`).
    pub(crate) async fn use_api_key(
        &self,
        stored_key: &str,
        config: &crate::config::ApiKeyConfig,
    ) -> Result<crate::api_key_usage::ApiKeyVerdict, BackendError>
    where
        D: UsageDialect,
    {
        let Some(usage) = &self.usage else {
            return Err(BackendError::invalid_data(
                D::BACKEND,
                "the database has no apikey table",
            ));
        };
        super::usage::use_api_key(&self.pool, usage, stored_key, config, self.query_timeout).await
    }

    /// One round trip within the query timeout.
    pub(crate) async fn check_health(&self) -> Result<(), BackendError> {
        with_deadline(D::BACKEND, self.query_timeout, || D::Db::ping(&self.pool)).await
    }
}

/// For a public store type `$store` wrapping a [`SqlStore`] in its field `inner`: the accessors
/// and the [`SessionStore`](crate::SessionStore) and [`ApiKeyStore`](crate::store::ApiKeyStore)
/// implementations, all handed to the shared store.
macro_rules! delegate_to_sql_store {
    ($store:ident, $pool:ty) => {
        impl $store {
            /// The connection pool.
            pub fn pool(&self) -> &$pool {
                self.inner.pool()
            }

            /// The session lookup query (for logs and `EXPLAIN`).
            pub fn lookup_sql(&self) -> &str {
                self.inner.lookup_sql()
            }

            /// Whether the database has the API key plugin's table.
            pub fn supports_api_keys(&self) -> bool {
                self.inner.supports_api_keys()
            }

            /// Whether the database has the organization plugin's tables.
            pub fn supports_organizations(&self) -> bool {
                self.inner.supports_organizations()
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::SessionStore for $store {
            async fn find_session(
                &self,
                token: &str,
            ) -> Result<Option<$crate::model::SessionRecord>, $crate::error::BackendError> {
                self.inner.find_session(token).await
            }

            async fn find_sessions(
                &self,
                queries: &[$crate::store::SessionQuery<'_>],
            ) -> Vec<$crate::store::SessionAnswer> {
                self.inner.find_sessions(queries).await
            }

            async fn extend_session(
                &self,
                token: &str,
                extension: &$crate::session_refresh::Extension,
            ) -> Result<$crate::session_refresh::Extended, $crate::error::BackendError> {
                self.inner.extend_session(token, extension).await
            }

            async fn recent_sessions(
                &self,
            ) -> Result<Vec<$crate::model::SessionRecord>, $crate::error::BackendError> {
                self.inner.recent_sessions().await
            }

            async fn check_health(&self) -> Result<(), $crate::error::BackendError> {
                self.inner.check_health().await
            }

            fn backend(&self) -> &'static str {
                self.inner.backend()
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::OrganizationStore for $store {
            async fn find_membership(
                &self,
                lookup: &$crate::store::MembershipLookup<'_>,
            ) -> Result<Option<$crate::model::Membership>, $crate::error::BackendError> {
                self.inner.find_membership(lookup).await
            }

            async fn organization_roles(
                &self,
                organization_id: &str,
            ) -> Result<Vec<$crate::model::OrganizationRole>, $crate::error::BackendError> {
                self.inner.organization_roles(organization_id).await
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::ApiKeyStore for $store {
            async fn find_api_key(
                &self,
                stored_key: &str,
            ) -> Result<Option<$crate::model::ApiKey>, $crate::error::BackendError> {
                self.inner.find_api_key(stored_key).await
            }

            async fn use_api_key(
                &self,
                stored_key: &str,
                config: &$crate::config::ApiKeyConfig,
            ) -> Result<$crate::api_key_usage::ApiKeyVerdict, $crate::error::BackendError> {
                self.inner.use_api_key(stored_key, config).await
            }

            async fn find_user(
                &self,
                user_id: &str,
            ) -> Result<Option<$crate::model::User>, $crate::error::BackendError> {
                self.inner.find_user(user_id).await
            }

            async fn check_health(&self) -> Result<(), $crate::error::BackendError> {
                self.inner.check_health().await
            }
        }
    };
}
pub(crate) use delegate_to_sql_store;

//! The names of the environment variables a deployment configures us with
//! ([`EnvSettings`](crate::EnvSettings) reads them).

/// The secret Better Auth signs with (same value as the server's).
pub const SECRET: &str = "BETTER_AUTH_SECRET";
/// Versioned secrets `"2:new,1:old"`; when set, it wins over [`SECRET`].
pub const SECRETS: &str = "BETTER_AUTH_SECRETS";
/// Better Auth's fallback name for the secret.
pub const AUTH_SECRET: &str = "AUTH_SECRET";
/// The Better Auth server's base URL (`https://app.example.com`).
pub const URL: &str = "BETTER_AUTH_URL";
/// The cookie prefix (`advanced.cookiePrefix`), `better-auth` by default.
pub const COOKIE_PREFIX: &str = "BETTER_AUTH_COOKIE_PREFIX";
/// The `Domain` of the cookies Better Auth sets (`advanced.crossSubDomainCookies.domain`, or
/// `advanced.defaultCookieAttributes.domain`), e.g. `example.com`: a refresh's cookies carry it.
pub const COOKIE_DOMAIN: &str = "BETTER_AUTH_COOKIE_DOMAIN";
/// `true` when Better Auth has `advanced.crossSubDomainCookies.enabled`: its cookies carry
/// `Domain` = [`COOKIE_DOMAIN`], else the host of [`URL`].
pub const CROSS_SUBDOMAIN_COOKIES: &str = "BETTER_AUTH_CROSS_SUBDOMAIN_COOKIES";
/// The `SameSite` of Better Auth's cookies (`advanced.defaultCookieAttributes.sameSite`):
/// `strict`, `lax` (the default) or `none`, in any case.
pub const COOKIE_SAME_SITE: &str = "BETTER_AUTH_COOKIE_SAME_SITE";
/// `true` when Better Auth's cookies are `Partitioned`
/// (`advanced.defaultCookieAttributes.partitioned`).
pub const COOKIE_PARTITIONED: &str = "BETTER_AUTH_COOKIE_PARTITIONED";
/// `true` when Better Auth's cookies are `Secure` without the `__Secure-` name prefix
/// (`advanced.defaultCookieAttributes.secure`); `false` as Better Auth's `secure: false`.
pub const COOKIE_SECURE: &str = "BETTER_AUTH_COOKIE_SECURE";
/// The database the sessions live in (`postgres://...`, `sqlite://...`).
pub const DATABASE_URL: &str = "DATABASE_URL";
/// The JWKS URL, when not `{BETTER_AUTH_URL}/api/auth/jwks`.
pub const JWKS_URL: &str = "BETTER_AUTH_JWKS_URL";
/// Extra trusted origins, comma-separated (Better Auth's `trustedOrigins`).
pub const TRUSTED_ORIGINS: &str = "BETTER_AUTH_TRUSTED_ORIGINS";
/// Redis secondary storage holding the sessions (`redis://host:port/db`).
pub const REDIS_URL: &str = "BETTER_AUTH_REDIS_URL";
/// The Redis key prefix (`better-auth:` by default, as `@better-auth/redis-storage`).
pub const REDIS_KEY_PREFIX: &str = "BETTER_AUTH_REDIS_KEY_PREFIX";
/// `true` when Better Auth also stores sessions in the database
/// (`session.storeSessionInDatabase`): a token missing from Redis is looked up there.
pub const STORE_SESSION_IN_DATABASE: &str = "BETTER_AUTH_STORE_SESSION_IN_DATABASE";
/// `true` when Better Auth also keeps ended sessions in the database
/// (`session.preserveSessionInDatabase`, with [`STORE_SESSION_IN_DATABASE`]): sessions are then
/// read from Redis only, as Better Auth reads them (a missing key is a session that ended).
pub const PRESERVE_SESSION_IN_DATABASE: &str = "BETTER_AUTH_PRESERVE_SESSION_IN_DATABASE";
/// The proxies in front of the service whose `X-Forwarded-For` names the client: addresses and
/// CIDR ranges, comma-separated (none by default: the connection's peer is the client). See
/// [`client`](crate::client).
pub const TRUSTED_PROXIES: &str = "BETTER_AUTH_TRUSTED_PROXIES";
/// The header the calls made to Better Auth for a client (remote mode's `get-session` and
/// organization endpoints, the resource server's introspection) carry the client's address in:
/// the one Better Auth's rate limiter reads (`advanced.ipAddress.ipAddressHeaders`;
/// `x-forwarded-for` by default).
pub const CLIENT_ADDRESS_HEADER: &str = "BETTER_AUTH_CLIENT_ADDRESS_HEADER";
/// Each client's budget of lookups asked of Better Auth that find nothing (remote mode's
/// sessions, the resource server's introspection): `MISSES/WINDOW` (`20/10s` by default), or
/// `off`. See [`MissBudget`](crate::client::MissBudget).
pub const MISS_BUDGET: &str = "BETTER_AUTH_MISS_BUDGET";
/// `true`: ask Better Auth's `get-session` (at `BETTER_AUTH_URL`) for sessions, for services
/// that reach neither the database nor Redis (feature `remote`).
pub const REMOTE_SESSIONS: &str = "BETTER_AUTH_REMOTE_SESSIONS";
/// The in-process cache's TTL in milliseconds (0: no cache). Remote mode caches 5 s by
/// default; the other stores do not cache unless this is set.
pub const CACHE_TTL_MS: &str = "BETTER_AUTH_CACHE_TTL_MS";
/// The most sessions the in-process cache keeps (100000 by default); the least used go first.
pub const CACHE_MAX_ENTRIES: &str = "BETTER_AUTH_CACHE_MAX_ENTRIES";
/// The most session tokens looked up in one store query when lookups miss the cache
/// concurrently (64 by default; 1: one query per token). See
/// [`BatchOptions`](crate::BatchOptions).
pub const LOOKUP_BATCH: &str = "BETTER_AUTH_LOOKUP_BATCH";
/// `true`: read the multi-session plugin's cookies (all accounts signed in on the device).
pub const MULTI_SESSION: &str = "BETTER_AUTH_MULTI_SESSION";
/// `true`: accept API keys of Better Auth's API key plugin, looked up in `DATABASE_URL`: by
/// default the keys of its default configuration (`configId` `"default"`, `x-api-key`, 64
/// characters, user keys), as with `enableSessionForAPIKeys: true`; [`API_KEY_CONFIGS`] says
/// otherwise.
pub const API_KEYS: &str = "BETTER_AUTH_API_KEYS";
/// The headers the default configuration's keys are read from, comma-separated (`x-api-key`
/// by default); with [`API_KEY_CONFIGS`], each configuration names its own (`apiKeyHeaders`).
pub const API_KEY_HEADERS: &str = "BETTER_AUTH_API_KEY_HEADERS";
/// The API key plugin's configurations as JSON, with the plugin's own option names: one object
/// (`apiKey({...})`) or an array (`apiKey([...])`), e.g.
/// `[{"configId":"sessions","enableSessionForAPIKeys":true},{"configId":"orgs","references":"organization"}]`.
/// Only the keys of configurations with `enableSessionForAPIKeys` become sessions, as in
/// Better Auth (see [`ApiKeyConfig::parse_list`](crate::config::ApiKeyConfig::parse_list)).
/// Turns API keys on ([`API_KEYS`] may be left unset).
pub const API_KEY_CONFIGS: &str = "BETTER_AUTH_API_KEY_CONFIGS";
/// `true`: verify API keys without counting the use (no `remaining` decrement, no rate limit,
/// nothing written); by default each use is counted as Better Auth counts it
/// ([`ApiKeyUsage`](crate::ApiKeyUsage)).
pub const API_KEY_READ_ONLY: &str = "BETTER_AUTH_API_KEY_READ_ONLY";
/// The cookie cache strategy Better Auth uses (`compact`, `jwt`, `jwe`; `jwks` for `jwt` signed
/// by the JWT plugin, `jwt({ sessionCookieCache: true })`): turns reading the `session_data`
/// cookie on (feature `cookie-cache`; `jwe` needs `cookie-cache-jwe`, `jwks` needs `jwks` and
/// [`URL`] or [`JWKS_URL`] for the keys).
pub const COOKIE_CACHE: &str = "BETTER_AUTH_COOKIE_CACHE";
/// The cookie cache `version` Better Auth writes (`1` by default).
pub const COOKIE_CACHE_VERSION: &str = "BETTER_AUTH_COOKIE_CACHE_VERSION";
/// The cookie cache's `maxAge` in seconds (300 by default): how long an entry written with a
/// session refresh lasts.
pub const COOKIE_CACHE_MAX_AGE: &str = "BETTER_AUTH_COOKIE_CACHE_MAX_AGE";
/// `false`: verify every JWT's signature on every request (by default a token that verified
/// is remembered until its `exp`; see
/// [`VerifiedTokenCacheOptions`](crate::jwt::VerifiedTokenCacheOptions)).
pub const JWT_CACHE: &str = "BETTER_AUTH_JWT_CACHE";
/// Better Auth's `session.expiresIn`, in seconds (604800, 7 days, by default): a refreshed
/// session expires this long after the refresh.
pub const SESSION_EXPIRES_IN: &str = "BETTER_AUTH_SESSION_EXPIRES_IN";
/// Better Auth's `session.updateAge`, in seconds (86400, 1 day, by default): a session is
/// refreshed when used this long after its last refresh; 0 refreshes on every use.
pub const SESSION_UPDATE_AGE: &str = "BETTER_AUTH_SESSION_UPDATE_AGE";
/// `true`: never refresh sessions (Better Auth's `session.disableSessionRefresh`); this library
/// then writes nothing for sessions.
pub const DISABLE_SESSION_REFRESH: &str = "BETTER_AUTH_DISABLE_SESSION_REFRESH";
/// The admin plugin's `defaultRole`: the role of a user whose `role` is null (`user` by
/// default).
pub const DEFAULT_ROLE: &str = "BETTER_AUTH_DEFAULT_ROLE";
/// The path of the JSON file of the app's access-control roles
/// (see [`AccessControl`](crate::access_control::AccessControl)); read at startup.
pub const ACCESS_CONTROL: &str = "BETTER_AUTH_ACCESS_CONTROL";
/// The admin plugin's `adminUserIds`, comma-separated: users granted every admin permission.
pub const ADMIN_USER_IDS: &str = "BETTER_AUTH_ADMIN_USER_IDS";
/// The most database connections of the session store's pool (16 by default).
pub const DB_POOL_SIZE: &str = "BETTER_AUTH_DB_POOL_SIZE";
/// The table and column names, as JSON in the shape of Better Auth's options
/// (see [`Schema`](crate::Schema)).
pub const SCHEMA: &str = "BETTER_AUTH_SCHEMA";

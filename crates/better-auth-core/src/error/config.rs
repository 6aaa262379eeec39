//! [`ConfigError`]: what is wrong with the configuration, found at startup (never on a request).

use super::{BoxError, DefinitionsError};

/// A configuration mistake, found at startup. Each message names the fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No secret configured.
    #[error(
        "no secret: set BETTER_AUTH_SECRET (or BETTER_AUTH_SECRETS) to the value your Better Auth \
         server uses"
    )]
    MissingSecret,
    /// The secret is shorter than the minimum.
    #[error(
        "the secret has {len} characters, fewer than {min_len}: use your Better Auth server's \
         secret (generate one with `openssl rand -base64 32`), or lower the minimum with \
         `min_secret_len` if the server really uses this one"
    )]
    ShortSecret {
        /// Its length in characters.
        len: usize,
        /// The minimum.
        min_len: usize,
    },
    /// `BETTER_AUTH_SECRETS` cannot be parsed.
    #[error(
        "BETTER_AUTH_SECRETS entry {position}: {reason} (expected `<version>:<secret>,...`, \
         current first)"
    )]
    InvalidSecrets {
        /// 1-based position of the bad entry.
        position: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A URL setting cannot be parsed.
    #[error("{name} is not a valid URL ({reason}): expected e.g. `https://app.example.com`")]
    InvalidUrl {
        /// The setting's name.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// No database URL.
    #[error("DATABASE_URL is not set: point it at the database your Better Auth server uses")]
    MissingDatabaseUrl,
    /// A database URL whose scheme no enabled store handles.
    #[error(
        "unsupported database URL scheme `{scheme}`: use postgres://, mysql:// or sqlite:// (and \
         enable the `postgres`, `mysql` or `sqlite` feature)"
    )]
    UnsupportedDatabase {
        /// The URL's scheme.
        scheme: String,
    },
    /// The database could not be reached at startup.
    #[error("cannot connect to {backend}: {source} (check DATABASE_URL and that the server runs)")]
    Connect {
        /// Which backend.
        backend: &'static str,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// A table is missing.
    #[error(
        "table `{table}` not found: run Better Auth's migrations against this database, or set \
         the table's name (Better Auth's `modelName`) in the schema configuration"
    )]
    MissingTable {
        /// The table looked for.
        table: String,
    },
    /// A required column is missing.
    #[error(
        "table `{table}` has no column `{column}` (Better Auth field `{field}`): run Better \
         Auth's migrations, or map the field to its column (Better Auth's `fields`, or \
         `naming: snake_case` for Drizzle schemas)"
    )]
    MissingColumn {
        /// The table.
        table: String,
        /// The column looked for.
        column: String,
        /// Better Auth's name of the field.
        field: String,
    },
    /// The schema configuration cannot be parsed.
    #[error("invalid schema configuration: {0}")]
    InvalidSchema(String),
    /// An environment variable whose value cannot be read.
    #[error("{name}={value:?} is not valid: expected {expected}")]
    InvalidEnv {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What it must be.
        expected: &'static str,
    },
    /// An environment variable asks for something this build was compiled without.
    #[error(
        "{name} is set, but {what} needs the `{feature}` feature of better-auth-core (or of your adapter crate)"
    )]
    MissingFeature {
        /// The variable.
        name: &'static str,
        /// What it asks for.
        what: &'static str,
        /// The feature to enable.
        feature: &'static str,
    },
    /// `BETTER_AUTH_COOKIE_CACHE` names no strategy this build has.
    #[error(
        "BETTER_AUTH_COOKIE_CACHE must be `compact`, `jwt`, `jwe` or `jwks` (`jwe` needs the \
         `cookie-cache-jwe` feature, `jwks` the `jwks` feature)"
    )]
    InvalidCookieCache,
    /// The cookie cache's `jwks` strategy was given no keys to verify entries with.
    #[error(
        "the `jwks` cookie cache needs the keys of Better Auth's JWT plugin: build its options \
         with `CookieCacheOptions::jwks` (feature `jwks`)"
    )]
    CookieCacheWithoutKeys,
    /// The access-control definitions (`BETTER_AUTH_ACCESS_CONTROL`) cannot be used.
    #[error("BETTER_AUTH_ACCESS_CONTROL: {0}")]
    InvalidAccessControl(#[from] DefinitionsError),
    /// The API key plugin's configurations cannot be mirrored (`BETTER_AUTH_API_KEY_CONFIGS`,
    /// or [`AuthConfig::api_key_configs`](crate::AuthConfig::api_key_configs)).
    #[error(
        "BETTER_AUTH_API_KEY_CONFIGS: {reason} (expected the API key plugin's options as JSON, \
         one object or an array of them, e.g. [{{\"configId\":\"default\",\
         \"enableSessionForAPIKeys\":true}}])"
    )]
    InvalidApiKeyConfigs {
        /// What is wrong.
        reason: String,
    },
    /// A required environment variable is not set.
    #[error("{name} is not set: {why}")]
    MissingEnv {
        /// The variable.
        name: &'static str,
        /// What it is for.
        why: &'static str,
    },
    /// The authenticator has nothing to check credentials against.
    #[error(
        "nothing to verify credentials with: give the authenticator a session store (or set \
         DATABASE_URL) and/or a token verifier (or set BETTER_AUTH_URL for its JWKS)"
    )]
    NoVerifier,
}

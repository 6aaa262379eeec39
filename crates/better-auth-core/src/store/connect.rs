//! Choosing a session store from a database URL at run time.

use std::sync::Arc;

use super::{ApiKeyStore, OrganizationStore, SessionStore, SqlOptions};
use crate::config::ConfigError;

/// Connects the store `url` names: `postgres://` / `postgresql://` (feature `postgres`),
/// `sqlite:` (feature `sqlite`) or `mysql://` / `mariadb://` (feature `mysql`). Tables and columns are checked now, so a wrong schema is a
/// startup error, not a 503 on the first request.
pub async fn connect(url: &str, options: SqlOptions) -> Result<Arc<dyn SessionStore>, ConfigError> {
    let scheme = url
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match scheme.as_str() {
        #[cfg(feature = "postgres")]
        "postgres" | "postgresql" => {
            Ok(Arc::new(super::PostgresStore::connect(url, options).await?))
        }
        #[cfg(feature = "sqlite")]
        "sqlite" => Ok(Arc::new(super::SqliteStore::connect(url, options).await?)),
        #[cfg(feature = "mysql")]
        "mysql" | "mariadb" => Ok(Arc::new(super::MySqlStore::connect(url, options).await?)),
        _ => {
            let _ = options;
            Err(ConfigError::UnsupportedDatabase { scheme })
        }
    }
}

/// Like [`connect`], also returning the store as an [`ApiKeyStore`] when the database has the
/// API key plugin's `apikey` table.
pub async fn connect_with_api_keys(
    url: &str,
    options: SqlOptions,
) -> Result<(Arc<dyn SessionStore>, Option<Arc<dyn ApiKeyStore>>), ConfigError> {
    let stores = connect_stores(url, options).await?;
    Ok((stores.sessions, stores.api_keys))
}

/// One SQL store (one pool) seen through every trait it serves.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConnectedStores {
    /// The session store.
    pub sessions: Arc<dyn SessionStore>,
    /// The same store for API keys, when the database has the `apikey` table.
    pub api_keys: Option<Arc<dyn ApiKeyStore>>,
    /// The same store for organization memberships, when the database has the organization
    /// plugin's `organization` and `member` tables.
    pub organizations: Option<Arc<dyn OrganizationStore>>,
}

/// Like [`connect`], returning the store through every trait the database's tables support.
pub async fn connect_stores(
    url: &str,
    options: SqlOptions,
) -> Result<ConnectedStores, ConfigError> {
    fn split<S: SessionStore + ApiKeyStore + OrganizationStore>(
        store: S,
        api_keys: bool,
        organizations: bool,
    ) -> ConnectedStores {
        let store = Arc::new(store);
        ConnectedStores {
            api_keys: api_keys.then(|| store.clone() as Arc<dyn ApiKeyStore>),
            organizations: organizations.then(|| store.clone() as Arc<dyn OrganizationStore>),
            sessions: store,
        }
    }
    let scheme = url
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match scheme.as_str() {
        #[cfg(feature = "postgres")]
        "postgres" | "postgresql" => {
            let store = super::PostgresStore::connect(url, options).await?;
            let (keys, orgs) = (store.supports_api_keys(), store.supports_organizations());
            Ok(split(store, keys, orgs))
        }
        #[cfg(feature = "sqlite")]
        "sqlite" => {
            let store = super::SqliteStore::connect(url, options).await?;
            let (keys, orgs) = (store.supports_api_keys(), store.supports_organizations());
            Ok(split(store, keys, orgs))
        }
        #[cfg(feature = "mysql")]
        "mysql" | "mariadb" => {
            let store = super::MySqlStore::connect(url, options).await?;
            let (keys, orgs) = (store.supports_api_keys(), store.supports_organizations());
            Ok(split(store, keys, orgs))
        }
        _ => {
            let _ = options;
            Err(ConfigError::UnsupportedDatabase { scheme })
        }
    }
}

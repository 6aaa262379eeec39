//! Choosing a session store from a database URL at run time.

use std::sync::Arc;

use super::{ApiKeyStore, SessionStore, SqlOptions};
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
    fn split<S: SessionStore + ApiKeyStore>(
        store: S,
        supports: bool,
    ) -> (Arc<dyn SessionStore>, Option<Arc<dyn ApiKeyStore>>) {
        let store = Arc::new(store);
        let api_keys = supports.then(|| store.clone() as Arc<dyn ApiKeyStore>);
        (store, api_keys)
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
            let supports = store.supports_api_keys();
            Ok(split(store, supports))
        }
        #[cfg(feature = "sqlite")]
        "sqlite" => {
            let store = super::SqliteStore::connect(url, options).await?;
            let supports = store.supports_api_keys();
            Ok(split(store, supports))
        }
        #[cfg(feature = "mysql")]
        "mysql" | "mariadb" => {
            let store = super::MySqlStore::connect(url, options).await?;
            let supports = store.supports_api_keys();
            Ok(split(store, supports))
        }
        _ => {
            let _ = options;
            Err(ConfigError::UnsupportedDatabase { scheme })
        }
    }
}

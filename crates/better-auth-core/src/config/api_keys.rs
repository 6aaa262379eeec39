//! The configurations of Better Auth's API key plugin (`apiKey(options)` or
//! `apiKey([options, ...])`, `@better-auth/api-key`), as far as they decide which keys Better Auth
//! turns into a session: [`ApiKeyConfig`].
//!
//! Better Auth's session hook, on every endpoint: the configurations are tried in order,
//! skipping those without `enableSessionForAPIKeys`; the first whose header (`apiKeyHeaders`)
//! carries a non-empty value decides. The key is then checked against that configuration: a
//! key shorter than its `defaultKeyLength` is refused (403) before any lookup; a key stored
//! under another `configId` is unknown (401); a key of a configuration whose `references` is not
//! `"user"` is counted, then refused (401 `INVALID_REFERENCE_ID_FROM_API_KEY`).

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The plugin's default `configId` (also what a key row without one means).
pub(crate) const DEFAULT_CONFIG_ID: &str = "default";
/// The plugin's default `defaultKeyLength` (the prefix counts toward a key's length).
pub(crate) const DEFAULT_KEY_LENGTH: usize = 64;
/// The plugin's default `apiKeyHeaders`.
pub const DEFAULT_API_KEY_HEADER: &str = "x-api-key";

/// Whose keys a configuration makes: the plugin's `references`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiKeyOwner {
    /// `"user"` (the default): a key's `referenceId` is its user's id.
    #[default]
    User,
    /// `"organization"`: a key's `referenceId` is an organization's id. Better Auth refuses
    /// such a key as a session (after counting its use); so do we, without looking a user up.
    Organization,
}

impl ApiKeyOwner {
    /// `"user"` or `"organization"`, as the plugin's option is written.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Organization => "organization",
        }
    }
}

/// One configuration of the API key plugin: the options that decide whether (and how) its keys
/// become sessions, with the plugin's names and defaults.
///
/// [`AuthConfig::api_key_configs`](crate::AuthConfig::api_key_configs) lists them in the order
/// of the plugin's array; from the environment, `BETTER_AUTH_API_KEY_CONFIGS` (the same
/// options as JSON, see [`parse_list`](Self::parse_list)).
///
/// ```
/// use better_auth_core::{ApiKeyConfig, ApiKeyOwner};
///
/// let configs = ApiKeyConfig::parse_list(
///     r#"[{"configId": "sessions", "enableSessionForAPIKeys": true},
///         {"configId": "orgs", "references": "organization", "apiKeyHeaders": "x-org-key"}]"#,
/// )?;
/// assert_eq!(configs[0], ApiKeyConfig::new("sessions").with_sessions(true));
/// assert_eq!(configs[1].references, ApiKeyOwner::Organization);
/// assert!(!configs[1].enable_session_for_api_keys);
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiKeyConfig {
    /// `configId` (`"default"` by default): a key belongs to the configuration whose id its
    /// row's `configId` names (a row without one, or `"default"`, to the default one).
    pub config_id: String,
    /// `apiKeyHeaders`, lower-cased, tried in order (`x-api-key` by default).
    pub headers: Vec<String>,
    /// `defaultKeyLength` (64 by default; 0 also means 64, as in the plugin): a shorter key
    /// sent in this configuration's header is refused (403) before any lookup.
    pub default_key_length: usize,
    /// `references`: whose keys these are.
    pub references: ApiKeyOwner,
    /// `enableSessionForAPIKeys` (false by default): whether Better Auth reads this
    /// configuration's header as a session at all.
    pub enable_session_for_api_keys: bool,
    /// `disableKeyHashing`: keys are stored as they are rather than hashed.
    pub disable_key_hashing: bool,
}

impl ApiKeyConfig {
    /// The plugin's defaults under this `configId`: header `x-api-key`, 64 characters, owned
    /// by users, and, as in the plugin, not a session (`enableSessionForAPIKeys: false`).
    pub fn new(config_id: impl Into<String>) -> Self {
        Self {
            config_id: config_id.into(),
            headers: vec![DEFAULT_API_KEY_HEADER.to_owned()],
            default_key_length: DEFAULT_KEY_LENGTH,
            references: ApiKeyOwner::User,
            enable_session_for_api_keys: false,
            disable_key_hashing: false,
        }
    }

    /// What this library assumes when told nothing more than "accept API keys"
    /// (`BETTER_AUTH_API_KEYS=true`): the plugin's default configuration with
    /// `enableSessionForAPIKeys: true`.
    pub fn default_sessions() -> Self {
        Self::new(DEFAULT_CONFIG_ID).with_sessions(true)
    }

    /// Sets `enableSessionForAPIKeys`.
    pub fn with_sessions(mut self, enabled: bool) -> Self {
        self.enable_session_for_api_keys = enabled;
        self
    }

    /// Sets `apiKeyHeaders` (lower-cased).
    pub fn with_headers<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.headers = headers
            .into_iter()
            .map(|header| header.as_ref().trim().to_ascii_lowercase())
            .collect();
        self
    }

    /// Sets `defaultKeyLength` (0 means 64, as in the plugin).
    pub fn with_default_key_length(mut self, length: usize) -> Self {
        self.default_key_length = if length == 0 {
            DEFAULT_KEY_LENGTH
        } else {
            length
        };
        self
    }

    /// Sets `references`.
    pub fn with_references(mut self, owner: ApiKeyOwner) -> Self {
        self.references = owner;
        self
    }

    /// Sets `disableKeyHashing`.
    pub fn with_key_hashing_disabled(mut self, disabled: bool) -> Self {
        self.disable_key_hashing = disabled;
        self
    }

    /// Whether a key row whose `configId` is `row_config_id` belongs to this configuration: the
    /// plugin's `configIdMatches` (a missing or empty id and `"default"` are the same).
    pub fn owns(&self, row_config_id: Option<&str>) -> bool {
        let is_default = |id: Option<&str>| id.is_none_or(|id| id.is_empty() || id == "default");
        if is_default(row_config_id) && is_default(Some(&self.config_id)) {
            return true;
        }
        row_config_id == Some(self.config_id.as_str())
    }

    /// What the `key` column holds for the plain key `key`: base64url (no padding) of its
    /// SHA-256, the plugin's default hasher; the key itself with `disableKeyHashing`.
    pub fn stored_key(&self, key: &str) -> String {
        if self.disable_key_hashing {
            key.to_owned()
        } else {
            URL_SAFE_NO_PAD.encode(Sha256::digest(key.as_bytes()))
        }
    }

    /// Whether `key` is long enough for this configuration: as the plugin measures it, in
    /// JavaScript characters of the header value Node hands it (one per byte, Latin-1).
    pub fn long_enough(&self, key: &str) -> bool {
        key.len() >= self.default_key_length
    }

    /// Reads the plugin's options as JSON: one object (what `apiKey({...})` takes) or an array
    /// of them (`apiKey([...])`, each with its unique `configId`), with the plugin's option
    /// names and defaults.
    ///
    /// Read: `configId`, `apiKeyHeaders` (a string or a list), `defaultKeyLength`,
    /// `references` (`"user"` or `"organization"`), `enableSessionForAPIKeys`,
    /// `disableKeyHashing`, `storage` (only `"database"` for a configuration whose keys are
    /// sessions: keys kept in secondary storage are not read). Accepted and ignored, since they
    /// do not change how a key is verified: `defaultPrefix`, `maximumPrefixLength`,
    /// `minimumPrefixLength`, `maximumNameLength`, `minimumNameLength`, `requireName`,
    /// `enableMetadata`, `keyExpiration`, `rateLimit` (the defaults of new keys; each key's own
    /// row is what counts), `startingCharactersConfig`, `permissions`, `deferUpdates`,
    /// `fallbackToDatabase`, `customKeyGenerator`. Refused: `customAPIKeyGetter`,
    /// `customAPIKeyValidator` and `customStorage` on a configuration whose keys are sessions
    /// (functions this library cannot run), `schema` (set the names in `BETTER_AUTH_SCHEMA`),
    /// and any other name (a typo such as `enableSessionForApiKeys` would silently change the
    /// verdicts). A `null` value is the option's default, as in the plugin.
    pub fn parse_list(json: &str) -> Result<Vec<Self>, String> {
        let value: Value =
            serde_json::from_str(json).map_err(|error| format!("not JSON ({error})"))?;
        let (items, in_array) = match value {
            Value::Array(items) => (items, true),
            object @ Value::Object(_) => (vec![object], false),
            _ => {
                return Err(
                    "expected a JSON object (the options of apiKey({...})) or an array of them"
                        .to_owned(),
                );
            }
        };
        if items.is_empty() {
            return Err("an empty array: give at least one configuration".to_owned());
        }
        let mut configs = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let config = Self::parse_one(item, in_array)
                .map_err(|error| format!("configuration {}: {error}", index + 1))?;
            configs.push(config);
        }
        Self::check_list(&configs)?;
        Ok(configs)
    }

    /// Checks a list of configurations as the plugin checks its array: at least one, and each
    /// `configId` used once.
    pub fn check_list(configs: &[Self]) -> Result<(), String> {
        if configs.is_empty() {
            return Err("no configuration: give at least one".to_owned());
        }
        for (index, config) in configs.iter().enumerate() {
            if config.config_id.is_empty() {
                return Err(format!("configuration {}: configId is empty", index + 1));
            }
            if configs[..index]
                .iter()
                .any(|earlier| earlier.config_id == config.config_id)
            {
                return Err(format!(
                    "configId `{}` is used twice: each configuration needs its own",
                    config.config_id
                ));
            }
        }
        Ok(())
    }

    fn parse_one(item: Value, in_array: bool) -> Result<Self, String> {
        let Value::Object(options) = item else {
            return Err("expected a JSON object of the plugin's options".to_owned());
        };
        let options: Map<String, Value> = options
            .into_iter()
            .filter(|(_, value)| !value.is_null())
            .collect();
        let sessions = match options.get("enableSessionForAPIKeys") {
            None => false,
            Some(Value::Bool(enabled)) => *enabled,
            Some(other) => {
                return Err(format!(
                    "enableSessionForAPIKeys must be a boolean, not {other}"
                ));
            }
        };
        let mut config = Self::new(DEFAULT_CONFIG_ID).with_sessions(sessions);
        match options.get("configId") {
            Some(Value::String(id)) if !id.is_empty() => config.config_id.clone_from(id),
            Some(Value::String(_)) | None if in_array => {
                return Err("configId is required for each configuration of an array".to_owned());
            }
            None => {}
            Some(other) => return Err(format!("configId must be a non-empty string, not {other}")),
        }
        for (name, value) in &options {
            match name.as_str() {
                "configId" | "enableSessionForAPIKeys" => {}
                "apiKeyHeaders" => config.headers = parse_headers(value)?,
                "defaultKeyLength" => {
                    let length = value
                        .as_u64()
                        .and_then(|length| usize::try_from(length).ok())
                        .ok_or_else(|| {
                            format!("defaultKeyLength must be a whole number, not {value}")
                        })?;
                    config = config.with_default_key_length(length);
                }
                "references" => {
                    config.references = match value.as_str() {
                        Some("user") => ApiKeyOwner::User,
                        Some("organization") => ApiKeyOwner::Organization,
                        _ => {
                            return Err(format!(
                                "references must be \"user\" or \"organization\", not {value}"
                            ));
                        }
                    };
                }
                "disableKeyHashing" => {
                    config.disable_key_hashing = value.as_bool().ok_or_else(|| {
                        format!("disableKeyHashing must be a boolean, not {value}")
                    })?;
                }
                "storage" => match value.as_str() {
                    Some("database") => {}
                    Some("secondary-storage") if !sessions => {}
                    Some("secondary-storage") => {
                        return Err(
                            "storage \"secondary-storage\": this library reads API keys \
                                    from the database only; keys of a configuration whose keys \
                                    are sessions must be stored there (storage \"database\")"
                                .to_owned(),
                        );
                    }
                    _ => {
                        return Err(format!(
                            "storage must be \"database\" or \"secondary-storage\", not {value}"
                        ));
                    }
                },
                "customAPIKeyGetter" | "customAPIKeyValidator" | "customStorage" if sessions => {
                    return Err(format!(
                        "{name} is a function this library cannot run: a configuration whose \
                         keys are sessions must read them from its apiKeyHeaders and verify \
                         them by their stored hash"
                    ));
                }
                "schema" => {
                    return Err("schema: set the apikey table's and columns' names in \
                                BETTER_AUTH_SCHEMA instead"
                        .to_owned());
                }
                name if IGNORED.contains(&name) => {}
                "customAPIKeyGetter" | "customAPIKeyValidator" | "customStorage" => {}
                unknown => {
                    return Err(format!(
                        "unknown option `{unknown}` (the API key plugin's options that decide \
                         sessions: configId, apiKeyHeaders, defaultKeyLength, references, \
                         enableSessionForAPIKeys, disableKeyHashing, storage)"
                    ));
                }
            }
        }
        Ok(config)
    }
}

/// The plugin's options that do not change how a key is verified as a session.
const IGNORED: [&str; 14] = [
    "defaultPrefix",
    "maximumPrefixLength",
    "minimumPrefixLength",
    "maximumNameLength",
    "minimumNameLength",
    "requireName",
    "enableMetadata",
    "keyExpiration",
    "rateLimit",
    "startingCharactersConfig",
    "permissions",
    "deferUpdates",
    "fallbackToDatabase",
    "customKeyGenerator",
];

/// `apiKeyHeaders`: a header name or a list of them, lower-cased.
fn parse_headers(value: &Value) -> Result<Vec<String>, String> {
    let names: Vec<&Value> = match value {
        Value::Array(names) => names.iter().collect(),
        single => vec![single],
    };
    names
        .into_iter()
        .map(|name| {
            let name = name
                .as_str()
                .ok_or_else(|| {
                    format!("apiKeyHeaders must be a header name or a list of them, not {value}")
                })?
                .trim()
                .to_ascii_lowercase();
            http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("apiKeyHeaders: `{name}` is not a header name"))?;
            Ok(name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_object_is_the_plugins_single_configuration() {
        let configs = ApiKeyConfig::parse_list(r#"{"enableSessionForAPIKeys": true}"#).unwrap();
        assert_eq!(configs, vec![ApiKeyConfig::default_sessions()]);
        // Without the option, as in the plugin, its keys are no sessions.
        let configs = ApiKeyConfig::parse_list("{}").unwrap();
        assert_eq!(configs, vec![ApiKeyConfig::new("default")]);
    }

    #[test]
    fn an_array_mirrors_the_plugins_options() {
        let configs = ApiKeyConfig::parse_list(
            r#"[
              {"configId": "sessions", "enableSessionForAPIKeys": true, "rateLimit": {"enabled": false}},
              {"configId": "plain"},
              {"configId": "orgs", "references": "organization", "apiKeyHeaders": "X-Org-Key",
               "enableSessionForAPIKeys": true},
              {"configId": "pref", "defaultPrefix": "ba_", "defaultKeyLength": 32,
               "apiKeyHeaders": ["x-pref-key", "x-other"], "enableSessionForAPIKeys": true,
               "disableKeyHashing": false, "storage": "database", "keyExpiration": null},
              {"configId": "zero", "defaultKeyLength": 0, "customAPIKeyGetter": "n/a"}
            ]"#,
        )
        .unwrap();
        assert_eq!(
            configs,
            vec![
                ApiKeyConfig::new("sessions").with_sessions(true),
                ApiKeyConfig::new("plain"),
                ApiKeyConfig::new("orgs")
                    .with_sessions(true)
                    .with_references(ApiKeyOwner::Organization)
                    .with_headers(["x-org-key"]),
                ApiKeyConfig::new("pref")
                    .with_sessions(true)
                    .with_default_key_length(32)
                    .with_headers(["x-pref-key", "x-other"]),
                ApiKeyConfig::new("zero"),
            ]
        );
    }

    #[test]
    fn what_cannot_be_mirrored_is_an_error_naming_it() {
        for (json, says) in [
            ("true", "JSON object"),
            ("[]", "empty array"),
            ("[{}]", "configId is required"),
            (r#"[{"configId": "a"}, {"configId": "a"}]"#, "used twice"),
            (r#"{"configId": ""}"#, "configId"),
            (
                r#"{"enableSessionForApiKeys": true}"#,
                "enableSessionForApiKeys",
            ),
            (r#"{"enableSessionForAPIKeys": "yes"}"#, "boolean"),
            (r#"{"defaultKeyLength": -1}"#, "defaultKeyLength"),
            (r#"{"defaultKeyLength": 12.5}"#, "defaultKeyLength"),
            (r#"{"references": "team"}"#, "references"),
            (r#"{"apiKeyHeaders": "bad header"}"#, "bad header"),
            (r#"{"apiKeyHeaders": 7}"#, "apiKeyHeaders"),
            (
                r#"{"enableSessionForAPIKeys": true, "storage": "secondary-storage"}"#,
                "secondary-storage",
            ),
            (
                r#"{"enableSessionForAPIKeys": true, "customAPIKeyValidator": "x"}"#,
                "customAPIKeyValidator",
            ),
            (r#"{"schema": {}}"#, "BETTER_AUTH_SCHEMA"),
            ("{not json", "not JSON"),
        ] {
            let error = ApiKeyConfig::parse_list(json).unwrap_err();
            assert!(error.contains(says), "{json}: {error}");
        }
        // Without sessions, its storage and functions do not matter.
        assert!(ApiKeyConfig::parse_list(r#"{"storage": "secondary-storage"}"#).is_ok());
    }

    #[test]
    fn config_ids_match_as_the_plugin_matches_them() {
        let default = ApiKeyConfig::new("default");
        assert!(default.owns(None) && default.owns(Some("")) && default.owns(Some("default")));
        assert!(!default.owns(Some("plain")));
        let plain = ApiKeyConfig::new("plain");
        assert!(plain.owns(Some("plain")));
        assert!(!plain.owns(None) && !plain.owns(Some("default")) && !plain.owns(Some("Plain")));
    }

    #[test]
    fn stored_keys_and_lengths() {
        let config = ApiKeyConfig::default_sessions();
        // base64url(SHA-256("abc")), no padding.
        assert_eq!(
            config.stored_key("abc"),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
        assert_eq!(
            config
                .clone()
                .with_key_hashing_disabled(true)
                .stored_key("abc"),
            "abc"
        );
        assert!(config.long_enough(&"a".repeat(64)));
        assert!(!config.long_enough(&"a".repeat(63)));
        assert_eq!(
            ApiKeyConfig::new("x")
                .with_default_key_length(0)
                .default_key_length,
            64
        );
    }
}

//! [`AccessControl`]: the roles of the admin and organization plugins, Better Auth's defaults or
//! the app's own definitions from a JSON file.

use std::{collections::BTreeMap, path::Path};

use serde::Deserialize;

use crate::error::DefinitionsError;

use super::{
    defaults::{admin_default_roles, organization_default_roles},
    model::{Role, Roles},
};

/// The roles both plugins check: Better Auth's defaults unless the app defines its own.
///
/// The app's definitions come from a JSON file (see `docs/authorization.md` for the few lines of
/// TypeScript that write it from the app's `roles`):
///
/// ```json
/// {"admin": {"<role>": {"<resource>": ["<action>", "..."]}},
///  "organization": {"<role>": {"<resource>": ["<action>", "..."]}}}
/// ```
///
/// A section that is present replaces Better Auth's default roles of that plugin, as passing
/// `roles` to the plugin does in TypeScript; an absent section keeps the defaults.
///
/// ```
/// use better_auth_core::access_control::{AccessControl, Connector, Permissions};
///
/// let ac = AccessControl::from_json(r#"{"organization": {"viewer": {"project": ["read"]}}}"#)?;
/// let read = Permissions::new([("project", ["read"])]);
/// let viewer = ac.organization_roles().get("viewer").unwrap();
/// assert!(viewer.authorize(&read, Connector::And)?);
/// assert!(ac.organization_roles().get("owner").is_none()); // replaced
/// assert!(ac.admin_roles().get("admin").is_some()); // kept
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessControl {
    admin: Roles,
    organization: Roles,
}

impl Default for AccessControl {
    /// Better Auth's default roles for both plugins.
    fn default() -> Self {
        Self {
            admin: admin_default_roles(),
            organization: organization_default_roles(),
        }
    }
}

/// The JSON file, strictly: only these two sections.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DefinitionsFile {
    admin: Option<BTreeMap<String, BTreeMap<String, Vec<String>>>>,
    organization: Option<BTreeMap<String, BTreeMap<String, Vec<String>>>>,
}

fn roles(section: BTreeMap<String, BTreeMap<String, Vec<String>>>) -> Roles {
    section
        .into_iter()
        .map(|(name, statements)| (name, Role::new(statements)))
        .collect()
}

impl AccessControl {
    /// These roles for the admin plugin and the organization plugin.
    pub fn new(admin: Roles, organization: Roles) -> Self {
        Self {
            admin,
            organization,
        }
    }

    /// The admin plugin's roles.
    pub fn admin_roles(&self) -> &Roles {
        &self.admin
    }

    /// The organization plugin's roles (before an organization's dynamic roles are merged in).
    pub fn organization_roles(&self) -> &Roles {
        &self.organization
    }

    /// The definitions of a JSON document (see the type's docs).
    pub fn from_json(text: &str) -> Result<Self, DefinitionsError> {
        Self::parse(text, None)
    }

    /// The definitions of the JSON file at `path`; errors name the file, and the line and
    /// column of what is wrong in it.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, DefinitionsError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|error| DefinitionsError::Read {
            path: path.to_owned(),
            reason: error.to_string(),
        })?;
        Self::parse(&text, Some(path))
    }

    fn parse(text: &str, path: Option<&Path>) -> Result<Self, DefinitionsError> {
        let file: DefinitionsFile =
            serde_json::from_str(text).map_err(|error| DefinitionsError::Invalid {
                path: path.map(Path::to_owned),
                line: error.line(),
                column: error.column(),
                reason: error.to_string(),
            })?;
        let mut definitions = Self::default();
        if let Some(section) = file.admin {
            definitions.admin = roles(section);
        }
        if let Some(section) = file.organization {
            definitions.organization = roles(section);
        }
        Ok(definitions)
    }
}

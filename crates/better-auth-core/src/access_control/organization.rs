//! The organization plugin's verdict (`POST /organization/has-permission`): the member's `role`
//! column split on `,` and trimmed, each role on its own, with the organization's dynamic roles
//! (`organizationRole` rows) merged into the configured ones.

use std::borrow::Cow;

use super::{
    definitions::AccessControl,
    js_object::{is_object_prototype_property, parse_string_array_record},
    model::{Connector, Permissions, Role, Roles},
    request::PermissionCheck,
};
use crate::error::AccessControlError;

/// One row of Better Auth's `organizationRole` table (dynamic access control), as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicRole {
    /// The `role` column. Better Auth lowercases the name when it creates the role through its
    /// API (`Auditor` is stored `auditor`); it is matched as stored.
    pub role: String,
    /// The `permission` column: JSON text, `{"<resource>": ["<action>", ...]}`.
    pub permission: String,
}

impl DynamicRole {
    /// A row with this `role` and `permission` text.
    pub fn new(role: impl Into<String>, permission: impl Into<String>) -> Self {
        Self {
            role: role.into(),
            permission: permission.into(),
        }
    }
}

/// The organization's roles: `base` with each row merged in, in order, as Better Auth merges
/// them: a row whose name is a role already known (built-in or an earlier row) adds its
/// actions to that role's (a union per resource), any other row is a new role.
///
/// # Errors
/// [`AccessControlError::InvalidRoleDefinition`] when one row's `permission` is not JSON of an
/// object of string arrays: Better Auth then fails the check for everyone in the organization
/// (500), so must the caller.
pub fn merge_dynamic_roles(
    base: &Roles,
    dynamic_roles: &[DynamicRole],
) -> Result<Roles, AccessControlError> {
    let mut roles = base.clone();
    for row in dynamic_roles {
        let invalid = |reason: String| AccessControlError::InvalidRoleDefinition {
            role: row.role.clone(),
            reason,
        };
        let entries = parse_string_array_record(&row.permission)
            .map_err(|error| invalid(format!("not JSON ({error})")))?
            .ok_or_else(|| invalid("not an object of action lists".to_owned()))?;
        let mut merged = roles
            .get(&row.role)
            .map(|role| role.statements().clone())
            .unwrap_or_default();
        for (resource, actions) in entries {
            if !merged.contains_key(&resource) && is_object_prototype_property(&resource) {
                return Err(AccessControlError::ObjectPrototypeResource { resource });
            }
            let list = merged.entry(resource).or_default();
            for action in actions {
                if !list.contains(&action) {
                    list.push(action);
                }
            }
        }
        roles.insert(row.role.clone(), Role::new(merged));
    }
    Ok(roles)
}

/// Whether the organization plugin grants `permissions` to a member whose `member.role` column
/// is `role_column`, in an organization whose `organizationRole` rows are `dynamic_roles` (pass
/// none when dynamic access control is off), with the roles of `config.access_control`
/// (Better Auth's `owner`, `admin` and `member` by default).
///
/// As Better Auth 1.7.25 decides it: the column is split on `,`, each name **trimmed** and
/// empty ones dropped (`"member, admin"` and `"owner,"` work); names are case-sensitive; each
/// role is checked on its own, never the union of their permissions; every resource of the
/// request must be granted with all its actions; an unknown resource or action, or an empty
/// action list, is not granted.
///
/// ```
/// use better_auth_core::{
///     AuthConfig, SecretSet,
///     access_control::{DynamicRole, Permissions, organization_has_permission},
/// };
///
/// let config = AuthConfig::new(SecretSet::single("a-32+char-secret-for-the-doc-test-0123")?);
/// let invite = Permissions::new([("invitation", ["create"])]);
/// let roles = &config.access_control;
/// assert!(organization_has_permission("member, admin", &[], &invite, roles)?);
/// assert!(!organization_has_permission("member", &[], &invite, roles)?);
/// let rows = [DynamicRole::new("member", r#"{"invitation":["create"]}"#)];
/// assert!(organization_has_permission("member", &rows, &invite, roles)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// A malformed row ([`merge_dynamic_roles`]), whatever the member's role;
/// [`AccessControlError::ObjectPrototypeResource`] for a request Better Auth fails on.
pub fn organization_has_permission(
    role_column: &str,
    dynamic_roles: &[DynamicRole],
    permissions: &Permissions,
    access_control: &AccessControl,
) -> Result<bool, AccessControlError> {
    let roles = organization_roles(dynamic_roles, access_control)?;
    evaluate(&roles, role_column, permissions)
}

/// The answer of `POST /organization/has-permission` to a valid body
/// ([`HasPermissionBody::parse_organization`](super::HasPermissionBody::parse_organization))
/// for this member: [`organization_has_permission`], or, for the deprecated `permission` key,
/// `false` (after the rows are checked: a malformed one is still an error).
pub fn organization_check(
    role_column: &str,
    dynamic_roles: &[DynamicRole],
    check: &PermissionCheck,
    access_control: &AccessControl,
) -> Result<bool, AccessControlError> {
    let roles = organization_roles(dynamic_roles, access_control)?;
    match check {
        PermissionCheck::Permissions(permissions) => evaluate(&roles, role_column, permissions),
        PermissionCheck::Deprecated => Ok(false),
    }
}

fn organization_roles<'a>(
    dynamic_roles: &[DynamicRole],
    access_control: &'a AccessControl,
) -> Result<Cow<'a, Roles>, AccessControlError> {
    let base = access_control.organization_roles();
    if dynamic_roles.is_empty() {
        Ok(Cow::Borrowed(base))
    } else {
        merge_dynamic_roles(base, dynamic_roles).map(Cow::Owned)
    }
}

fn evaluate(
    roles: &Roles,
    role_column: &str,
    permissions: &Permissions,
) -> Result<bool, AccessControlError> {
    let names = role_column
        .split(',')
        .map(crate::js::trim)
        .filter(|name| !name.is_empty());
    roles.any_authorizes(names, permissions, Connector::And)
}

//! The admin plugin's verdict (`POST /admin/has-permission`, and every admin endpoint's own
//! check): the user's `role` column split on `,` without trimming, each role on its own.

use super::{
    definitions::AccessControl,
    model::{Connector, Permissions},
    request::PermissionCheck,
};
use crate::error::AccessControlError;

/// What the admin plugin's checks read of its options: the roles, `adminUserIds` and
/// `defaultRole` ([`AuthConfig::admin_plugin`](crate::AuthConfig::admin_plugin) lends them).
#[derive(Debug, Clone, Copy)]
pub struct AdminPlugin<'a> {
    /// The roles both plugins check.
    pub access_control: &'a AccessControl,
    /// `adminUserIds`: users granted everything.
    pub admin_user_ids: &'a [String],
    /// `defaultRole`: the role of a user whose role column is empty (`user` when this is empty).
    pub default_role: &'a str,
}

/// Whether the admin plugin grants `permissions` to the user `user_id` whose `user.role` column
/// is `role_column`, with the roles of `config.access_control` (Better Auth's `admin` and `user`
/// by default).
///
/// As Better Auth 1.7.25 decides it: a user listed in `admin.admin_user_ids` (`adminUserIds`)
/// is granted everything, even an empty request; a null or empty role is
/// `admin.default_role` (`defaultRole`, `user`); the column is split on `,` and **not trimmed**
/// (`"user, admin"` is `user` and ` admin`, and ` admin` is no role); role names are
/// case-sensitive; each role is checked on its own (never the union of their permissions) and
/// one granting the whole request is enough; every resource of the request must be granted
/// with all its actions (`AND`); an unknown resource or action, or an empty action list, is not
/// granted. `user:impersonate-admins` is in no default role.
///
/// ```
/// use better_auth_core::{
///     AuthConfig, SecretSet,
///     access_control::{Permissions, admin_has_permission},
/// };
///
/// let config = AuthConfig::new(SecretSet::single("a-32+char-secret-for-the-doc-test-0123")?);
/// let ban = Permissions::new([("user", ["ban"])]);
/// let admin = config.admin_plugin();
/// assert!(admin_has_permission(Some("user,admin"), "u1", &ban, &admin)?);
/// assert!(!admin_has_permission(Some("user, admin"), "u1", &ban, &admin)?);
/// assert!(!admin_has_permission(None, "u1", &ban, &admin)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`AccessControlError::ObjectPrototypeResource`] for a request Better Auth fails on (500).
pub fn admin_has_permission(
    role_column: Option<&str>,
    user_id: &str,
    permissions: &Permissions,
    admin: &AdminPlugin<'_>,
) -> Result<bool, AccessControlError> {
    if !user_id.is_empty() && admin.admin_user_ids.iter().any(|id| id == user_id) {
        return Ok(true);
    }
    let role = match role_column {
        Some(role) if !role.is_empty() => role,
        _ if !admin.default_role.is_empty() => admin.default_role,
        _ => crate::model::DEFAULT_ROLE,
    };
    admin
        .access_control
        .admin_roles()
        .any_authorizes(role.split(','), permissions, Connector::And)
}

/// The answer of `POST /admin/has-permission` to a valid body
/// ([`HasPermissionBody::parse_admin`](super::HasPermissionBody::parse_admin)) for this user:
/// [`admin_has_permission`], or, for the deprecated `permission` key,
/// [`AccessControlError::NoPermissionsPassed`] (400), whoever asks.
pub fn admin_check(
    role_column: Option<&str>,
    user_id: &str,
    check: &PermissionCheck,
    admin: &AdminPlugin<'_>,
) -> Result<bool, AccessControlError> {
    match check {
        PermissionCheck::Permissions(permissions) => {
            admin_has_permission(role_column, user_id, permissions, admin)
        }
        PermissionCheck::Deprecated => Err(AccessControlError::NoPermissionsPassed),
    }
}

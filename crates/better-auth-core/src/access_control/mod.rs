//! Authorization as Better Auth decides it: the access-control model of its `access` module,
//! the admin plugin's and the organization plugin's roles, and their `has-permission` verdicts,
//! evaluated in process, exactly (checked against a real Better Auth 1.7.25 by
//! `tests/tests/integration/interop_access_control.rs`).
//!
//! - [`Role`], [`Roles`], [`Statements`], [`Connector`]: the model (`createAccessControl`,
//!   `newRole`, `role.authorize(request, connector)`);
//! - [`AccessControl`]: the roles of both plugins, Better Auth's defaults or the app's own,
//!   loaded from the JSON file `BETTER_AUTH_ACCESS_CONTROL` names;
//! - [`admin_has_permission`] and [`organization_has_permission`]: the verdicts of
//!   `POST /admin/has-permission` and `POST /organization/has-permission`;
//! - [`HasPermissionBody`]: those endpoints' request body, parsed as Better Auth validates it.
//!
//! Everything here is pure: the role column and the organization's `organizationRole` rows
//! ([`DynamicRole`]) are passed in by the caller.

mod admin;
mod defaults;
mod definitions;
mod js_object;
mod model;
mod organization;
mod request;
#[cfg(test)]
mod tests;

pub use crate::error::{AccessControlError, DefinitionsError};
pub use admin::{AdminPlugin, admin_check, admin_has_permission};
pub use defaults::{
    admin_default_roles, admin_default_statements, organization_default_roles,
    organization_default_statements,
};
pub use definitions::AccessControl;
pub use model::{Connector, Permissions, Role, Roles, Statements};
pub use organization::{
    DynamicRole, merge_dynamic_roles, organization_check, organization_has_permission,
};
pub use request::{BodyError, HasPermissionBody, PermissionCheck, PermissionQuery};

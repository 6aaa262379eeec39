//! The errors of access control: [`AccessControlError`], a permission check Better Auth answers
//! with an error, not a verdict; [`DefinitionsError`], a definitions file that cannot be used.

use std::path::PathBuf;

/// A permission check that has no `true`/`false` answer: Better Auth answers it with an error
/// status, and so must we (never a pass).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessControlError {
    /// An `organizationRole` row whose `permission` is not a JSON object of action lists.
    /// Better Auth answers `500 {"message":"Invalid permissions for role <role>"}` for the
    /// whole organization, whichever role the member has.
    #[error("invalid permissions for role {role}: {reason}")]
    InvalidRoleDefinition {
        /// The row's `role`.
        role: String,
        /// What is wrong with its `permission`.
        reason: String,
    },
    /// A requested resource that a role does not define and whose name is a property of
    /// JavaScript's `Object.prototype` (`constructor`, `toString`, ...): Better Auth's lookup
    /// finds a function instead of an action list and throws (500).
    #[error("resource `{resource}` is a property of JavaScript objects: Better Auth fails on it")]
    ObjectPrototypeResource {
        /// The resource's name.
        resource: String,
    },
    /// A role name that no role has and that JavaScript objects inherit (`constructor`,
    /// `toString`, `__proto__`, ...), reached while checking a member's or user's roles: Better
    /// Auth's lookup finds a function (or the prototype) instead of `undefined`, calls its
    /// missing `authorize`, and throws (500).
    #[error("role `{role}` is a property of JavaScript objects: Better Auth fails on it")]
    ObjectPrototypeRole {
        /// The role's name.
        role: String,
    },
    /// The admin plugin's `has-permission` with the deprecated `permission` key and no valid
    /// `permissions`: `400 "invalid permission check. no permission(s) were passed."`.
    #[error("invalid permission check. no permission(s) were passed.")]
    NoPermissionsPassed,
}

impl AccessControlError {
    /// The HTTP status Better Auth answers with: 500 or 400.
    pub fn status(&self) -> http::StatusCode {
        match self {
            Self::NoPermissionsPassed => http::StatusCode::BAD_REQUEST,
            Self::InvalidRoleDefinition { .. }
            | Self::ObjectPrototypeResource { .. }
            | Self::ObjectPrototypeRole { .. } => http::StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable code for the error, for responses and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRoleDefinition { .. } => "invalid_role_definition",
            Self::ObjectPrototypeResource { .. } => "unsupported_resource",
            Self::ObjectPrototypeRole { .. } => "unsupported_role",
            Self::NoPermissionsPassed => "no_permissions_passed",
        }
    }
}

/// An access-control definitions file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DefinitionsError {
    /// The file cannot be read.
    #[error("cannot read access-control definitions {}: {reason}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        reason: String,
    },
    /// The document is not JSON of the expected shape.
    #[error(
        "invalid access-control definitions{}: {reason} (expected {{\"admin\": {{\"<role>\": \
         {{\"<resource>\": [\"<action>\", ...]}}}}, \"organization\": {{...}}}})",
        path.as_ref().map(|path| format!(" in {}", path.display())).unwrap_or_default()
    )]
    Invalid {
        /// The file, when read from one.
        path: Option<PathBuf>,
        /// The line of the problem (1-based; 0 when the document is empty).
        line: usize,
        /// The column of the problem (1-based).
        column: usize,
        /// What is wrong, with its position.
        reason: String,
    },
}

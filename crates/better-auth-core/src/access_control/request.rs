//! [`HasPermissionBody`]: the body of Better Auth's `POST /organization/has-permission` and
//! `POST /admin/has-permission`, validated as their zod schemas validate it, so an endpoint of
//! ours accepts, refuses and reads exactly the same bodies.

use std::collections::BTreeMap;

use serde_json::{Value, value::RawValue};

use super::{
    js_object::{OrderedObject, string_array_record},
    model::Permissions,
};

/// What a valid body asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PermissionCheck {
    /// `{"permissions": {...}}`: these permissions.
    Permissions(Permissions),
    /// Only the deprecated `{"permission": {...}}` is valid: the organization plugin answers
    /// `false` (for everyone, the owner too), the admin plugin 400
    /// ([`AccessControlError::NoPermissionsPassed`](super::AccessControlError::NoPermissionsPassed)).
    Deprecated,
}

impl PermissionCheck {
    /// The check by reference.
    pub fn query(&self) -> PermissionQuery<'_> {
        match self {
            Self::Permissions(permissions) => PermissionQuery::Permissions(permissions),
            Self::Deprecated => PermissionQuery::Deprecated,
        }
    }
}

/// A [`PermissionCheck`] by reference: what the authenticator hands a store that decides
/// permissions itself, so that a check never copies the permissions it asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermissionQuery<'a> {
    /// These permissions.
    Permissions(&'a Permissions),
    /// The deprecated `permission` key alone.
    Deprecated,
}

/// A validated `has-permission` body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HasPermissionBody {
    /// What is asked.
    pub check: PermissionCheck,
    /// `organizationId` (organization endpoint only): the organization to check instead of the
    /// session's active one.
    pub organization_id: Option<String>,
}

/// A body Better Auth refuses with `400 VALIDATION_ERROR`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid has-permission body: {reason}")]
pub struct BodyError {
    /// What is wrong.
    pub reason: String,
}

impl BodyError {
    fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }

    /// Better Auth's code for it.
    pub fn code(&self) -> &'static str {
        "VALIDATION_ERROR"
    }
}

impl HasPermissionBody {
    /// The body of `POST /organization/has-permission`: an optional string `organizationId`,
    /// and exactly one of `permissions` and `permission` being an object of string arrays
    /// (zod's `xor`: both valid is refused, "more than one option matched"; an invalid one
    /// beside a valid other is ignored).
    pub fn parse_organization(body: &[u8]) -> Result<Self, BodyError> {
        let fields = fields(body)?;
        let organization_id = match fields.get("organizationId").map(|raw| parse_value(raw)) {
            None => None,
            Some(Ok(Value::String(id))) => Some(id),
            Some(_) => return Err(BodyError::new("`organizationId` must be a string")),
        };
        Ok(Self {
            check: check(&fields)?,
            organization_id,
        })
    }

    /// The body of `POST /admin/has-permission`: as
    /// [`parse_organization`](Self::parse_organization), with an optional string `role` and an
    /// optional `userId` (both ignored when the request has a session) instead of
    /// `organizationId`.
    pub fn parse_admin(body: &[u8]) -> Result<Self, BodyError> {
        let fields = fields(body)?;
        match fields.get("role").map(|raw| parse_value(raw)) {
            None | Some(Ok(Value::String(_))) => {}
            Some(_) => return Err(BodyError::new("`role` must be a string")),
        }
        Ok(Self {
            check: check(&fields)?,
            organization_id: None,
        })
    }
}

type Fields = BTreeMap<String, Box<RawValue>>;

fn fields(body: &[u8]) -> Result<Fields, BodyError> {
    serde_json::from_slice(body)
        .map_err(|error| BodyError::new(format!("not a JSON object ({error})")))
}

fn parse_value(raw: &RawValue) -> Result<Value, serde_json::Error> {
    serde_json::from_str(raw.get())
}

/// The field as zod's `record(string, array(string))` reads it, `None` when it fails.
fn record(fields: &Fields, name: &str) -> Option<Permissions> {
    let raw = fields.get(name)?;
    let object = serde_json::from_str::<OrderedObject>(raw.get()).ok()?;
    string_array_record(object).map(Permissions::from_ordered)
}

fn check(fields: &Fields) -> Result<PermissionCheck, BodyError> {
    match (record(fields, "permissions"), record(fields, "permission")) {
        (Some(permissions), None) => Ok(PermissionCheck::Permissions(permissions)),
        (None, Some(_)) => Ok(PermissionCheck::Deprecated),
        (Some(_), Some(_)) => Err(BodyError::new(
            "both `permissions` and the deprecated `permission`: more than one option matched",
        )),
        (None, None) => Err(BodyError::new(
            "`permissions` must be an object of action lists, e.g. {\"permissions\": \
             {\"member\": [\"create\"]}}",
        )),
    }
}

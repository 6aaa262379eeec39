//! The model of Better Auth's `access` module: statements, roles, permission requests and the
//! connector, with `role.authorize(request, connector)` as Better Auth 1.7.25 evaluates it.

use std::collections::BTreeMap;

use super::js_object::{is_object_prototype_property, js_order};
use crate::error::AccessControlError;

/// Resources and their actions (`{"member": ["create", "update"]}`): what an access-control
/// instance knows (`createAccessControl(statements)`) and what a role grants.
pub type Statements = BTreeMap<String, Vec<String>>;

/// How the resources of one request combine (`role.authorize(request, connector)`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Connector {
    /// Every resource must be granted, with all its actions (Better Auth's default, and what
    /// the `has-permission` endpoints use).
    #[default]
    And,
    /// One resource granted (with all its actions: an action list is always `AND`) is enough.
    Or,
}

/// A role: the actions it grants per resource (`ac.newRole(statements)`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Role {
    statements: Statements,
}

impl Role {
    /// The role granting `statements`.
    pub fn new(statements: Statements) -> Self {
        Self { statements }
    }

    /// What the role grants.
    pub fn statements(&self) -> &Statements {
        &self.statements
    }

    /// Better Auth's `role.authorize(request, connector).success`. A resource the role does not
    /// define fails an `And` request (and is skipped by `Or`); an empty action list is never
    /// granted; the actions of one resource are always all needed (an action list is `AND`
    /// whatever the connector); with `And` every resource must be granted, with `Or` one is
    /// enough. (Better Auth's per-resource `{"actions": [...], "connector": "OR"}` form, which
    /// its HTTP endpoints refuse, is not modelled.)
    ///
    /// A resource the role does not define whose name JavaScript objects inherit
    /// (`constructor`, `toString`, ...) is an error when reached with actions, as it is in
    /// Better Auth (500).
    pub fn authorize(
        &self,
        request: &Permissions,
        connector: Connector,
    ) -> Result<bool, AccessControlError> {
        let mut any_granted = false;
        for (resource, actions) in request.iter() {
            let granted = match self.statements.get(resource) {
                // An action list is always ANDed: the connector only combines resources.
                Some(allowed) => {
                    !actions.is_empty() && actions.iter().all(|action| allowed.contains(action))
                }
                None if is_object_prototype_property(resource) => {
                    if !actions.is_empty() {
                        return Err(AccessControlError::ObjectPrototypeResource {
                            resource: resource.to_owned(),
                        });
                    }
                    false
                }
                None if connector == Connector::And => return Ok(false),
                None => continue,
            };
            match (granted, connector) {
                (true, Connector::Or) => return Ok(true),
                (false, Connector::And) => return Ok(false),
                (true, Connector::And) => any_granted = true,
                (false, Connector::Or) => {}
            }
        }
        Ok(any_granted)
    }
}

/// Roles by name (the `roles` option of the admin or organization plugin). Names are matched
/// exactly: case-sensitive, untrimmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles(BTreeMap<String, Role>);

impl Roles {
    /// No roles.
    pub fn new() -> Self {
        Self::default()
    }

    /// The role named `name`.
    pub fn get(&self, name: &str) -> Option<&Role> {
        self.0.get(name)
    }

    /// Adds or replaces the role `name`.
    pub fn insert(&mut self, name: impl Into<String>, role: Role) {
        self.0.insert(name.into(), role);
    }

    /// The roles, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Role)> {
        self.0.iter().map(|(name, role)| (name.as_str(), role))
    }

    /// Whether one of `names` (each on its own, never their union, in order) authorizes
    /// `request` with `connector`; unknown names grant nothing, except that reaching one that
    /// JavaScript objects inherit (`constructor`, ...) is an error, as in Better Auth.
    pub(crate) fn any_authorizes<'a>(
        &self,
        names: impl IntoIterator<Item = &'a str>,
        request: &Permissions,
        connector: Connector,
    ) -> Result<bool, AccessControlError> {
        for name in names {
            match self.get(name) {
                Some(role) if role.authorize(request, connector)? => return Ok(true),
                Some(_) => {}
                None if is_object_prototype_property(name) => {
                    return Err(AccessControlError::ObjectPrototypeRole {
                        role: name.to_owned(),
                    });
                }
                None => {}
            }
        }
        Ok(false)
    }
}

impl<N: Into<String>> FromIterator<(N, Role)> for Roles {
    fn from_iter<I: IntoIterator<Item = (N, Role)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(name, role)| (name.into(), role))
                .collect(),
        )
    }
}

/// A permission request (`{"member": ["create"], "invitation": ["cancel"]}`): resources and the
/// actions asked on each, in the order Better Auth walks them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions(Vec<(String, Vec<String>)>);

impl Permissions {
    /// The request of these resources and actions, as Better Auth receives it after validating
    /// the body: a repeated resource keeps its last action list, `__proto__` is dropped, and the
    /// resources are in JavaScript's key order.
    pub fn new<R, A>(entries: impl IntoIterator<Item = (R, A)>) -> Self
    where
        R: Into<String>,
        A: IntoIterator,
        A::Item: Into<String>,
    {
        let entries = entries.into_iter().map(|(resource, actions)| {
            (
                resource.into(),
                actions.into_iter().map(Into::into).collect::<Vec<String>>(),
            )
        });
        Self::from_ordered(entries)
    }

    /// From entries in their JSON order.
    pub(crate) fn from_ordered(entries: impl IntoIterator<Item = (String, Vec<String>)>) -> Self {
        Self(
            js_order(entries)
                .into_iter()
                .filter(|(resource, _)| resource != "__proto__")
                .collect(),
        )
    }

    /// The resources and their actions, in evaluation order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.0
            .iter()
            .map(|(resource, actions)| (resource.as_str(), actions.as_slice()))
    }

    /// Whether no resource is asked (never granted).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// As Better Auth receives it: `{"resource": ["action", ...]}`, in evaluation order.
impl serde::Serialize for Permissions {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

//! Better Auth 1.7.25's default statements and roles: `better-auth/plugins/admin/access` and
//! `better-auth/plugins/organization/access`.

use super::model::{Role, Roles, Statements};

fn statements(entries: &[(&str, &[&str])]) -> Statements {
    entries
        .iter()
        .map(|(resource, actions)| {
            (
                (*resource).to_owned(),
                actions.iter().map(|action| (*action).to_owned()).collect(),
            )
        })
        .collect()
}

const ADMIN_USER_ACTIONS: [&str; 11] = [
    "create",
    "list",
    "set-role",
    "ban",
    "impersonate",
    "delete",
    "set-password",
    "set-email",
    "set-phone",
    "get",
    "update",
];
const SESSION_ACTIONS: [&str; 3] = ["list", "revoke", "delete"];

/// The admin plugin's `defaultStatements`: `user` (create, list, set-role, ban, impersonate,
/// impersonate-admins, delete, set-password, set-email, set-phone, get, update) and `session`
/// (list, revoke, delete).
pub fn admin_default_statements() -> Statements {
    let mut user = ADMIN_USER_ACTIONS.to_vec();
    user.insert(5, "impersonate-admins");
    statements(&[("user", &user), ("session", &SESSION_ACTIONS)])
}

/// The admin plugin's `defaultRoles`: `admin` (every action but `user:impersonate-admins`)
/// and `user` (nothing).
pub fn admin_default_roles() -> Roles {
    [
        (
            "admin",
            Role::new(statements(&[
                ("user", &ADMIN_USER_ACTIONS),
                ("session", &SESSION_ACTIONS),
            ])),
        ),
        (
            "user",
            Role::new(statements(&[("user", &[]), ("session", &[])])),
        ),
    ]
    .into_iter()
    .collect()
}

const AC_ACTIONS: [&str; 4] = ["create", "read", "update", "delete"];
const CRUD: [&str; 3] = ["create", "update", "delete"];
const INVITATION_ACTIONS: [&str; 2] = ["create", "cancel"];

/// The organization plugin's `defaultStatements`: `organization` (update, delete), `member`
/// and `team` (create, update, delete), `invitation` (create, cancel), `ac` (create, read,
/// update, delete).
pub fn organization_default_statements() -> Statements {
    statements(&[
        ("organization", &["update", "delete"]),
        ("member", &CRUD),
        ("invitation", &INVITATION_ACTIONS),
        ("team", &CRUD),
        ("ac", &AC_ACTIONS),
    ])
}

/// The organization plugin's `defaultRoles`: `owner` (everything), `admin` (everything but
/// `organization:delete`), `member` (`ac:read` only).
pub fn organization_default_roles() -> Roles {
    let admin = statements(&[
        ("organization", &["update"]),
        ("invitation", &INVITATION_ACTIONS),
        ("member", &CRUD),
        ("team", &CRUD),
        ("ac", &AC_ACTIONS),
    ]);
    let member = statements(&[
        ("organization", &[]),
        ("member", &[]),
        ("invitation", &[]),
        ("team", &[]),
        ("ac", &["read"]),
    ]);
    [
        ("owner", Role::new(organization_default_statements())),
        ("admin", Role::new(admin)),
        ("member", Role::new(member)),
    ]
    .into_iter()
    .collect()
}

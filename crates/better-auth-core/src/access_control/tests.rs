//! Every observed answer of Better Auth 1.7's organization and admin `has-permission`
//! endpoints (built-in role tables, role splitting and trimming, dynamic roles, and the ones
//! found since) as a unit test of the evaluator.

use super::*;
use crate::{config::AuthConfig, secret::SecretSet};

fn config() -> AuthConfig {
    AuthConfig::new(SecretSet::single("a-32+char-test-secret-for-ba-probe-0123456789").unwrap())
}

fn ask(resource: &str, actions: &[&str]) -> Permissions {
    Permissions::new([(resource, actions.to_vec())])
}

fn org(role: &str, permissions: &Permissions) -> bool {
    organization_has_permission(role, &[], permissions, &config().access_control).unwrap()
}

fn admin(role: Option<&str>, permissions: &Permissions) -> bool {
    admin_has_permission(role, "some-user", permissions, &config().admin_plugin()).unwrap()
}

/// What Better Auth's organization `has-permission` answers for each built-in role, row by
/// row: (resource, action, owner, admin, member).
const B4: [(&str, &str, bool, bool, bool); 16] = [
    ("organization", "update", true, true, false),
    ("organization", "delete", true, false, false),
    ("member", "create", true, true, false),
    ("member", "update", true, true, false),
    ("member", "delete", true, true, false),
    ("invitation", "create", true, true, false),
    ("invitation", "cancel", true, true, false),
    ("team", "create", true, true, false),
    ("team", "update", true, true, false),
    ("team", "delete", true, true, false),
    ("ac", "create", true, true, false),
    ("ac", "update", true, true, false),
    ("ac", "delete", true, true, false),
    ("ac", "read", true, true, true),
    ("member", "read", false, false, false),
    ("billing", "read", false, false, false),
];

#[test]
fn organization_truth_table_b4() {
    for (resource, action, owner, admin, member) in B4 {
        let asked = ask(resource, &[action]);
        assert_eq!(org("owner", &asked), owner, "owner {resource}:{action}");
        assert_eq!(org("admin", &asked), admin, "admin {resource}:{action}");
        assert_eq!(org("member", &asked), member, "member {resource}:{action}");
    }
}

const ADMIN_ACTIONS: [(&str, &str); 15] = [
    ("user", "create"),
    ("user", "list"),
    ("user", "set-role"),
    ("user", "ban"),
    ("user", "impersonate"),
    ("user", "delete"),
    ("user", "set-password"),
    ("user", "set-email"),
    ("user", "set-phone"),
    ("user", "get"),
    ("user", "update"),
    ("session", "list"),
    ("session", "revoke"),
    ("session", "delete"),
    ("user", "impersonate-admins"),
];

#[test]
fn admin_truth_table_c1() {
    let rows: [(Option<&str>, bool); 9] = [
        (Some("admin"), true),
        (Some("user"), false),
        (None, false),
        (Some(""), false),
        (Some("admin,user"), true),
        (Some("user,admin"), true),
        (Some("user, admin"), false),
        (Some("Admin"), false),
        (Some("viewer"), false),
    ];
    for (role, others) in rows {
        for (resource, action) in ADMIN_ACTIONS {
            let expected = others && action != "impersonate-admins";
            assert_eq!(
                admin(role, &ask(resource, &[action])),
                expected,
                "{role:?} {resource}:{action}"
            );
        }
    }
    // Several resources, ANDed.
    let both = Permissions::new([("user", vec!["ban"]), ("session", vec!["revoke"])]);
    assert!(admin(Some("admin"), &both));
}

#[test]
fn admin_default_role_and_admin_user_ids() {
    let list = ask("user", &["list"]);
    let mut config = config();
    config.default_role = "admin".to_owned();
    assert!(admin_has_permission(None, "u", &list, &config.admin_plugin()).unwrap());
    assert!(admin_has_permission(Some(""), "u", &list, &config.admin_plugin()).unwrap());
    assert!(!admin_has_permission(Some("user"), "u", &list, &config.admin_plugin()).unwrap());
    // An empty defaultRole falls back to `user`.
    config.default_role = String::new();
    assert!(!admin_has_permission(None, "u", &list, &config.admin_plugin()).unwrap());

    let mut config = self::config();
    config.admin_user_ids = vec!["boss".to_owned()];
    assert!(admin_has_permission(Some("user"), "boss", &list, &config.admin_plugin()).unwrap());
    // Everything, even what no role has and an empty request.
    let impersonate_admins = ask("user", &["impersonate-admins"]);
    assert!(
        admin_has_permission(None, "boss", &impersonate_admins, &config.admin_plugin()).unwrap()
    );
    assert!(
        admin_has_permission(
            None,
            "boss",
            &Permissions::default(),
            &config.admin_plugin()
        )
        .unwrap()
    );
    assert!(!admin_has_permission(Some("user"), "other", &list, &config.admin_plugin()).unwrap());
}

#[test]
fn organization_roles_are_trimmed_admin_roles_are_not() {
    let update = ask("member", &["update"]);
    for role in [
        "admin,member",
        "member, admin",
        "owner,",
        " admin ",
        "member,\u{FEFF}admin",
    ] {
        assert!(org(role, &update), "{role:?}");
    }
    for role in ["Admin", "viewer", "", ",", "member", "member,\u{85}admin"] {
        assert!(!org(role, &update), "{role:?}");
    }
    let ban = ask("user", &["ban"]);
    assert!(!admin(Some(" admin"), &ban));
    assert!(!admin(Some("admin "), &ban));
    assert!(admin(Some("user,admin"), &ban));
}

#[test]
fn roles_are_checked_one_at_a_time_never_unioned() {
    let mut config = config();
    let mut roles = organization_default_roles();
    roles.insert(
        "billing",
        Role::new([("organization".to_owned(), vec!["delete".to_owned()])].into()),
    );
    config.access_control = AccessControl::new(admin_default_roles(), roles);
    let check = |permissions: &Permissions| {
        organization_has_permission("member,billing", &[], permissions, &config.access_control)
            .unwrap()
    };
    assert!(check(&ask("organization", &["delete"])));
    assert!(check(&ask("ac", &["read"])));
    let both = Permissions::new([("organization", vec!["delete"]), ("ac", vec!["read"])]);
    assert!(!check(&both));
}

#[test]
fn empty_unknown_and_several_resources() {
    let owner = |permissions: &Permissions| org("owner", permissions);
    assert!(!owner(&Permissions::default()));
    assert!(!owner(&ask("member", &[])));
    assert!(!owner(&ask("member", &["create", "fly"])));
    assert!(!owner(&ask("billing", &["read"])));
    assert!(owner(&ask("member", &["create", "update", "create"])));
    let several = Permissions::new([("member", vec!["create"]), ("team", vec!["delete"])]);
    assert!(owner(&several));
    assert!(org("admin", &several));
    let with_unknown = Permissions::new([("member", vec!["create"]), ("billing", vec!["read"])]);
    assert!(!owner(&with_unknown));
    assert!(!admin(Some("admin"), &Permissions::default()));
}

#[test]
fn the_connector_or() {
    let roles = organization_default_roles();
    let member = roles.get("member").unwrap();
    let admin = roles.get("admin").unwrap();
    let request = Permissions::new([
        ("billing", vec!["read"]),
        ("organization", vec!["delete"]),
        ("ac", vec!["read"]),
    ]);
    assert!(!member.authorize(&request, Connector::And).unwrap());
    assert!(member.authorize(&request, Connector::Or).unwrap());
    // The actions of one resource are all needed, whatever the connector (found by the
    // differential test: the connector only combines resources).
    let mixed = ask("organization", &["update", "delete"]);
    assert!(!admin.authorize(&mixed, Connector::Or).unwrap());
    assert!(!admin.authorize(&mixed, Connector::And).unwrap());
    let one_of_two = Permissions::new([
        ("organization", vec!["update", "delete"]),
        ("team", vec!["create"]),
    ]);
    assert!(admin.authorize(&one_of_two, Connector::Or).unwrap());
    assert!(!admin.authorize(&one_of_two, Connector::And).unwrap());
    // Unknown resources only: false; empty lists never grant.
    assert!(
        !member
            .authorize(&ask("billing", &["read"]), Connector::Or)
            .unwrap()
    );
    assert!(!member.authorize(&ask("ac", &[]), Connector::Or).unwrap());
    assert!(
        !member
            .authorize(&Permissions::default(), Connector::Or)
            .unwrap()
    );
}

#[test]
fn dynamic_roles_merge_into_built_ins_and_add_new_ones() {
    let config = config();
    let rows = [
        DynamicRole::new("auditor", r#"{"member":["create"],"ac":["read"]}"#),
        DynamicRole::new("member", r#"{"team":["create"]}"#),
    ];
    let check = |role: &str, resource: &str, action: &str| {
        organization_has_permission(
            role,
            &rows,
            &ask(resource, &[action]),
            &config.access_control,
        )
        .unwrap()
    };
    assert!(check("auditor", "member", "create"));
    assert!(!check("auditor", "member", "update"));
    assert!(check("auditor", "ac", "read"));
    assert!(!check("auditor", "ac", "create"));
    // Merged: the built-in member keeps ac:read and gains team:create.
    assert!(check("member", "team", "create"));
    assert!(check("member", "ac", "read"));
    assert!(!check("member", "team", "delete"));
    // Matched as stored, case-sensitively (Better Auth lowercases when it creates a role).
    assert!(!check("Auditor", "member", "create"));
    let mixed = [DynamicRole::new("Mixed", r#"{"invitation":["create"]}"#)];
    let invite = ask("invitation", &["create"]);
    assert!(organization_has_permission("Mixed", &mixed, &invite, &config.access_control).unwrap());
    assert!(
        !organization_has_permission("mixed", &mixed, &invite, &config.access_control).unwrap()
    );
    let merged = merge_dynamic_roles(&organization_default_roles(), &rows).unwrap();
    assert_eq!(
        merged.get("member").unwrap().statements()["team"],
        ["create"]
    );
    // Two rows of one name add up.
    let twice = [
        DynamicRole::new("x", r#"{"team":["create"]}"#),
        DynamicRole::new("x", r#"{"team":["update","create"]}"#),
    ];
    let merged = merge_dynamic_roles(&Roles::new(), &twice).unwrap();
    assert_eq!(
        merged.get("x").unwrap().statements()["team"],
        ["create", "update"]
    );
}

#[test]
fn one_malformed_row_fails_the_whole_organization() {
    let config = config();
    let rows = [
        DynamicRole::new("auditor", r#"{"member":["create"]}"#),
        DynamicRole::new("member", r#"{"team":"create"}"#),
    ];
    let asked = ask("organization", &["delete"]);
    for role in ["owner", "auditor", "nobody"] {
        let error =
            organization_has_permission(role, &rows, &asked, &config.access_control).unwrap_err();
        assert!(
            matches!(&error, AccessControlError::InvalidRoleDefinition { role, .. } if role == "member"),
            "{error:?}"
        );
        assert_eq!(error.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
    }
    // Even the deprecated key, which is otherwise always false.
    assert!(
        organization_check(
            "owner",
            &rows,
            &PermissionCheck::Deprecated,
            &config.access_control
        )
        .is_err()
    );
    for bad in ["not json", "null", "[]", r#"{"team":[1]}"#, r#""{}""#] {
        let rows = [DynamicRole::new("r", bad)];
        assert!(merge_dynamic_roles(&Roles::new(), &rows).is_err(), "{bad}");
    }
}

#[test]
fn custom_definitions_replace_the_defaults_of_their_plugin() {
    let ac = AccessControl::from_json(
        r#"{"organization": {"owner": {"project": ["read", "write"]}, "viewer": {"project": ["read"]}}}"#,
    )
    .unwrap();
    let mut config = config();
    config.access_control = ac;
    let check = |role: &str, permissions: &Permissions| {
        organization_has_permission(role, &[], permissions, &config.access_control).unwrap()
    };
    assert!(check("viewer", &ask("project", &["read"])));
    assert!(!check("viewer", &ask("project", &["write"])));
    assert!(check("owner", &ask("project", &["write"])));
    // The default owner's rights are gone, and so are admin and member.
    assert!(!check("owner", &ask("organization", &["delete"])));
    assert!(!check("member", &ask("ac", &["read"])));
    // The admin section was absent: the admin plugin keeps its defaults.
    assert!(
        admin_has_permission(
            Some("admin"),
            "u",
            &ask("user", &["ban"]),
            &config.admin_plugin()
        )
        .unwrap()
    );

    let mut config = self::config();
    config.access_control =
        AccessControl::from_json(r#"{"admin": {"support": {"user": ["get"]}}}"#).unwrap();
    let get = ask("user", &["get"]);
    assert!(admin_has_permission(Some("support"), "u", &get, &config.admin_plugin()).unwrap());
    assert!(!admin_has_permission(Some("admin"), "u", &get, &config.admin_plugin()).unwrap());
    let read = ask("ac", &["read"]);
    assert!(organization_has_permission("member", &[], &read, &config.access_control).unwrap());
}

#[test]
fn definitions_errors_say_where_and_what() {
    let error = AccessControl::from_json("{\n  \"admins\": {}\n}").unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("admins") && message.contains("line 2"),
        "{message}"
    );
    let error = AccessControl::from_json(r#"{"admin": {"a": {"user": "ban"}}}"#).unwrap_err();
    assert!(error.to_string().contains("line 1"), "{error}");
    let error = AccessControl::load("/nonexistent/ac.json").unwrap_err();
    assert!(
        error.to_string().contains("/nonexistent/ac.json"),
        "{error}"
    );
    let dir = tempfile_dir();
    let path = dir.join("ac.json");
    std::fs::write(&path, "{\"organization\": {\"r\": {\"x\": [\"y\",]}}}").unwrap();
    let message = AccessControl::load(&path).unwrap_err().to_string();
    assert!(
        message.contains(path.to_str().unwrap()) && message.contains("column"),
        "{message}"
    );
    std::fs::write(&path, r#"{"organization": {"r": {"x": ["y"]}}}"#).unwrap();
    let ac = AccessControl::load(&path).unwrap();
    assert!(ac.organization_roles().get("r").is_some());
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "better-auth-ac-test-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_environment_variable_loads_the_file_strictly() {
    use crate::config::env::{ACCESS_CONTROL, ADMIN_USER_IDS, SECRET};
    let dir = tempfile_dir();
    let path = dir.join("env-ac.json");
    std::fs::write(&path, r#"{"admin": {"support": {"user": ["get"]}}}"#).unwrap();
    let path_text = path.to_str().unwrap().to_owned();
    let vars = |name: &str| match name {
        n if n == ACCESS_CONTROL => Some(path_text.clone()),
        n if n == ADMIN_USER_IDS => Some(" a , b ".to_owned()),
        n if n == SECRET => Some("a-32+char-test-secret-for-ba-probe-0123456789".to_owned()),
        _ => None,
    };
    let config = crate::config::EnvSettings::from_vars(vars)
        .unwrap()
        .auth_config()
        .unwrap();
    assert!(config.access_control.admin_roles().get("support").is_some());
    assert_eq!(config.admin_user_ids, ["a", "b"]);
    let missing = crate::config::EnvSettings::from_vars(|name| {
        (name == ACCESS_CONTROL).then(|| "/nonexistent/ac.json".to_owned())
    })
    .unwrap_err();
    let message = missing.to_string();
    assert!(
        message.contains(ACCESS_CONTROL) && message.contains("/nonexistent"),
        "{message}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn object_prototype_names_fail_as_in_better_auth() {
    let constructor = ask("constructor", &["x"]);
    let error = admin_has_permission(Some("admin"), "u", &constructor, &config().admin_plugin())
        .unwrap_err();
    assert_eq!(error.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!admin(Some("admin"), &ask("constructor", &[])));
    // Reached only in order: an earlier refused resource answers first.
    let refused_first = Permissions::new([("user", vec!["nope"]), ("toString", vec!["x"])]);
    assert!(!admin(Some("admin"), &refused_first));
    let proto_first = Permissions::new([("toString", vec!["x"]), ("user", vec!["nope"])]);
    assert!(
        admin_has_permission(Some("admin"), "u", &proto_first, &config().admin_plugin()).is_err()
    );
    // Array-index keys come first in JavaScript.
    let index_first = Permissions::new([("user", vec!["nope"]), ("1", vec!["x"])]);
    assert_eq!(index_first.iter().next().unwrap().0, "1");
    // A role that is not defined is never looked into...
    assert!(!admin(Some("viewer"), &constructor));
    // ...unless its name is inherited: Better Auth then calls a missing `authorize` (500),
    // even for an empty request, once the roles before it have not granted it.
    let list = ask("user", &["list"]);
    for role in ["constructor", "__proto__", "toString", "user,valueOf"] {
        let error =
            admin_has_permission(Some(role), "u", &list, &config().admin_plugin()).unwrap_err();
        assert_eq!(error.code(), "unsupported_role", "{role}");
        assert!(
            organization_has_permission(
                role,
                &[],
                &Permissions::default(),
                &config().access_control
            )
            .is_err()
        );
    }
    assert!(admin(Some("admin,constructor"), &list));
    // A dynamic row of that name is a real role.
    let rows = [DynamicRole::new("constructor", r#"{"ac":["read"]}"#)];
    assert!(
        organization_has_permission(
            "constructor",
            &rows,
            &ask("ac", &["read"]),
            &config().access_control
        )
        .unwrap()
    );
    // `__proto__` is dropped from requests.
    let proto = Permissions::new([("__proto__", vec!["x"]), ("user", vec!["list"])]);
    assert!(admin(Some("admin"), &proto));
    // ...and a dynamic row naming an inherited property fails the organization.
    let rows = [DynamicRole::new("member", r#"{"constructor":["x"]}"#)];
    assert!(merge_dynamic_roles(&organization_default_roles(), &rows).is_err());
}

#[test]
fn has_permission_bodies_are_validated_as_zod_validates_them() {
    let org_body = |text: &str| HasPermissionBody::parse_organization(text.as_bytes());
    let admin_body = |text: &str| HasPermissionBody::parse_admin(text.as_bytes());
    let body = org_body(r#"{"permissions":{"member":["create"]},"organizationId":"o1"}"#).unwrap();
    assert_eq!(
        body.check,
        PermissionCheck::Permissions(ask("member", &["create"]))
    );
    assert_eq!(body.organization_id.as_deref(), Some("o1"));
    assert_eq!(
        org_body(r#"{"permission":{"member":["create"]}}"#)
            .unwrap()
            .check,
        PermissionCheck::Deprecated
    );
    // An invalid one beside a valid other is ignored (zod's xor counts the valid ones).
    assert_eq!(
        org_body(r#"{"permissions":5,"permission":{"member":["create"]}}"#)
            .unwrap()
            .check,
        PermissionCheck::Deprecated
    );
    assert!(matches!(
        org_body(r#"{"permissions":{"user":["list"]},"permission":5}"#)
            .unwrap()
            .check,
        PermissionCheck::Permissions(_)
    ));
    for bad in [
        "{}",
        "[]",
        "not json",
        r#"{"permissions":[]}"#,
        r#"{"permissions":{"member":"create"}}"#,
        r#"{"permissions":{"member":[1]}}"#,
        r#"{"permissions":{},"permission":{}}"#,
        r#"{"permissions":{},"organizationId":5}"#,
        r#"{"permissions":{},"organizationId":null}"#,
    ] {
        let error = org_body(bad).unwrap_err();
        assert_eq!(error.code(), "VALIDATION_ERROR", "{bad}");
    }
    assert!(admin_body(r#"{"permissions":{},"role":5}"#).is_err());
    assert!(admin_body(r#"{"permissions":{},"role":"admin","userId":5}"#).is_ok());
    // The deprecated key: false for the organization, 400 for the admin plugin.
    let deprecated = PermissionCheck::Deprecated;
    assert!(!organization_check("owner", &[], &deprecated, &config().access_control).unwrap());
    let error = admin_check(Some("admin"), "u", &deprecated, &config().admin_plugin()).unwrap_err();
    assert_eq!(error, AccessControlError::NoPermissionsPassed);
    assert_eq!(error.status(), http::StatusCode::BAD_REQUEST);
    // `__proto__` is skipped whatever its value; key order is JavaScript's.
    let body = admin_body(r#"{"permissions":{"__proto__":5,"user":["list"],"0":["x"]}}"#).unwrap();
    let PermissionCheck::Permissions(permissions) = body.check else {
        panic!("permissions expected")
    };
    let keys: Vec<_> = permissions.iter().map(|(resource, _)| resource).collect();
    assert_eq!(keys, ["0", "user"]);
}

#[test]
fn default_statements_are_better_auths() {
    let admin = admin_default_statements();
    assert_eq!(admin["user"].len(), 12);
    assert!(
        admin["user"]
            .iter()
            .any(|action| action == "impersonate-admins")
    );
    assert_eq!(admin["session"], ["list", "revoke", "delete"]);
    let org = organization_default_statements();
    assert_eq!(
        org.keys().collect::<Vec<_>>(),
        ["ac", "invitation", "member", "organization", "team"]
    );
    // Every role grants only what the statements know.
    for (statements, roles) in [
        (admin, admin_default_roles()),
        (org, organization_default_roles()),
    ] {
        for (_, role) in roles.iter() {
            for (resource, actions) in role.statements() {
                for action in actions {
                    assert!(statements[resource].contains(action), "{resource}:{action}");
                }
            }
        }
    }
}

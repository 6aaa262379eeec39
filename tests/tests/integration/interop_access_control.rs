//! The access-control evaluator against the REAL Better Auth, differentially: a server with the
//! admin plugin and the organization plugin (teams, dynamic access control), users with odd
//! `user.role` values, three organizations with members of odd `member.role` values, dynamic
//! roles created through Better Auth's API and rows written behind its back (merged into a
//! built-in, mixed case, malformed); then, for every (user, organization, body) drawn from all
//! statements, Better Auth's `POST /organization/has-permission` and `POST /admin/has-permission`
//! answer and our evaluator answers from the role columns and `organizationRole` rows read from
//! the database. Twice: with Better Auth's default roles, then (same database, restarted server)
//! with custom static roles from one definitions document on both sides and `adminUserIds`.
//! Zero disagreements.

use std::{sync::Arc, time::Duration};

use better_auth_core::{
    AuthConfig,
    access_control::{
        AccessControl, Connector, DynamicRole, HasPermissionBody, Permissions, admin_check,
        admin_default_roles, organization_check, organization_default_roles,
    },
};
use better_auth_tests::{better_auth::BetterAuthServer, db::TestDb, test_config};
use futures::{StreamExt, stream};
use serde_json::{Value, json};
use sqlx::{Row, SqlitePool};

/// `member.role` values, one user each.
const MEMBER_ROLES: [&str; 22] = [
    "owner",
    "admin",
    "member",
    "admin,member",
    "member, admin",
    "owner,",
    "Admin",
    "viewer",
    "auditor",
    "Auditor",
    "billing",
    "member,billing",
    "Mixed",
    "mixed",
    " admin ",
    "member,\u{a0}admin",
    "member,\u{feff}admin",
    "member,\u{85}admin",
    "support",
    ",",
    "toString",
    "member,constructor",
];

/// `user.role` values, one user each (`None`: SQL NULL).
const USER_ROLES: [Option<&str>; 22] = [
    Some("admin"),
    Some("user"),
    None,
    Some(""),
    Some("admin,user"),
    Some("user,admin"),
    Some("user, admin"),
    Some("Admin"),
    Some("viewer"),
    Some(" admin"),
    Some("support"),
    Some("support,admin"),
    Some("user,support"),
    Some("admin "),
    Some("constructor"),
    Some("__proto__"),
    Some("toString"),
    Some("owner"),
    Some("user,,admin"),
    Some("user"),
    Some("user,hasOwnProperty"),
    Some("admin,constructor"),
];

/// The user (index) listed in `adminUserIds` in the second phase (role `user`).
const ADMIN_USER_ID_INDEX: usize = 19;

/// Custom static roles, the same document on both sides (Better Auth: `accessControl` of the
/// harness; ours: `AccessControl::from_json`). `member` and `owner` differ from the defaults;
/// the default `admin` (organization) and `user` (admin plugin) are left out, so they are no
/// roles at all (a section replaces the defaults, it is not merged into them).
const DEFINITIONS: &str = r#"{
  "admin": {
    "admin": {"user": ["create", "list", "set-role", "ban", "impersonate", "delete", "set-password",
                       "set-email", "set-phone", "get", "update"],
              "session": ["list", "revoke", "delete"]},
    "support": {"user": ["get", "list"], "session": ["list"]}
  },
  "organization": {
    "owner": {"organization": ["update", "delete"], "member": ["create", "update", "delete"],
              "invitation": ["create", "cancel"], "team": ["create", "update", "delete"],
              "ac": ["create", "read", "update", "delete"], "project": ["read", "write", "delete"]},
    "member": {"ac": ["read"], "project": ["read"]},
    "billing": {"organization": ["delete"]},
    "viewer": {"project": ["read"]}
  }
}"#;

fn organization_statements() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        ("organization", vec!["update", "delete"]),
        ("member", vec!["create", "update", "delete"]),
        ("invitation", vec!["create", "cancel"]),
        ("team", vec!["create", "update", "delete"]),
        ("ac", vec!["create", "read", "update", "delete"]),
        ("project", vec!["read", "write", "delete"]),
    ]
}

fn admin_statements() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        (
            "user",
            vec![
                "create",
                "list",
                "set-role",
                "ban",
                "impersonate",
                "impersonate-admins",
                "delete",
                "set-password",
                "set-email",
                "set-phone",
                "get",
                "update",
            ],
        ),
        ("session", vec!["list", "revoke", "delete"]),
    ]
}

/// `{"permissions": {...}}` with the resources in this order (JSON text: order matters to
/// Better Auth, and `serde_json::Value` would sort the keys).
fn permissions_body(entries: &[(&str, Vec<&str>)]) -> String {
    format!("{{\"permissions\":{}}}", permissions_object(entries))
}

/// The JSON object's text, resources in this order.
fn permissions_object(entries: &[(&str, Vec<&str>)]) -> String {
    let inner: Vec<String> = entries
        .iter()
        .map(|(resource, actions)| {
            format!(
                "{}:{}",
                serde_json::to_string(resource).unwrap(),
                serde_json::to_string(actions).unwrap()
            )
        })
        .collect();
    format!("{{{}}}", inner.join(","))
}

type PermissionSet<'a> = Vec<(&'a str, Vec<&'a str>)>;

/// Every permission set asked: single actions, all actions, consecutive pairs, empty lists,
/// pairs of resources, unknown resources and actions, names JavaScript objects inherit,
/// array-index and `__proto__` keys.
fn permission_sets<'a>(
    statements: &'a [(&'static str, Vec<&'static str>)],
    known: &'a str,
) -> Vec<PermissionSet<'a>> {
    let mut sets: Vec<PermissionSet<'a>> = Vec::new();
    for (resource, actions) in statements {
        for action in actions {
            sets.push(vec![(resource, vec![action])]);
        }
        sets.push(vec![(resource, actions.clone())]);
        for pair in actions.windows(2) {
            sets.push(vec![(resource, pair.to_vec())]);
        }
        sets.push(vec![(resource, vec![])]);
        sets.push(vec![(resource, vec![actions[0], "fly"])]);
    }
    for (i, (first, first_actions)) in statements.iter().enumerate() {
        for (second, second_actions) in &statements[i + 1..] {
            sets.push(vec![
                (first, vec![first_actions[0]]),
                (second, vec![second_actions[0]]),
            ]);
            let last = |actions: &Vec<&'static str>| actions[actions.len() - 1];
            sets.push(vec![
                (first, vec![last(first_actions)]),
                (second, vec![last(second_actions)]),
            ]);
        }
    }
    sets.extend([
        vec![],
        vec![("billing", vec!["read"])],
        vec![(known, vec!["fly"])],
        vec![(known, vec!["read"]), ("billing", vec!["read"])],
        vec![("billing", vec!["read"]), (known, vec!["read"])],
        vec![("constructor", vec!["x"])],
        vec![("constructor", vec![])],
        vec![(known, vec!["fly"]), ("toString", vec!["x"])],
        vec![("toString", vec!["x"]), (known, vec!["fly"])],
        vec![(known, vec!["read"]), ("1", vec!["x"])],
        vec![("toString", vec!["x"]), ("1", vec!["x"])],
        vec![("__proto__", vec!["x"]), (known, vec!["read"])],
        vec![("Member", vec!["create"])],
        vec![("member", vec!["Create"])],
        vec![(known, vec!["read", "read"])],
    ]);
    sets
}

/// Every body asked: [`permission_sets`], the deprecated key and the body-validation cases.
fn bodies(statements: &[(&'static str, Vec<&'static str>)], known: &str) -> Vec<String> {
    let sets = permission_sets(statements, known);
    let mut bodies: Vec<String> = sets.iter().map(|set| permissions_body(set)).collect();
    bodies.extend(
        [
            json!({"permission": {known: ["read"]}}),
            json!({"permission": {known: ["read"]}, "permissions": {known: ["read"]}}),
            json!({"permissions": 5, "permission": {known: ["read"]}}),
            json!({"permissions": {known: ["read"]}, "permission": 5}),
            json!({"permissions": {known: "read"}}),
            json!({}),
        ]
        .iter()
        .map(Value::to_string),
    );
    bodies
}

/// `body` (a JSON object's text) with `"organizationId"` first.
fn with_organization(body: &str, organization: &str) -> String {
    let rest = body.strip_prefix('{').expect("a JSON object");
    let separator = if rest.trim_start().starts_with('}') {
        ""
    } else {
        ","
    };
    format!(
        "{{\"organizationId\":{}{separator}{rest}",
        serde_json::to_string(organization).unwrap()
    )
}

/// One verdict: granted or not, or the status of a refusal to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Success(bool),
    Status(u16),
}

struct Client {
    http: reqwest::Client,
    base_url: String,
}

impl Client {
    async fn verdict(&self, path: &str, body: &str, cookie: &str) -> Verdict {
        let response = self
            .http
            .post(format!("{}/api/auth{path}", self.base_url))
            .header("origin", &self.base_url)
            .header("content-type", "application/json")
            .header("cookie", cookie)
            .body(body.to_owned())
            .send()
            .await
            .unwrap_or_else(|error| panic!("Better Auth {path} did not answer: {error}"));
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        if status != 200 {
            return Verdict::Status(status);
        }
        let value: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{path}: 200 without JSON: {text}"));
        match value["success"] {
            Value::Bool(success) => Verdict::Success(success),
            _ => panic!("{path}: 200 without success: {text}"),
        }
    }
}

fn ours_organization(role: &str, rows: &[DynamicRole], body: &str, config: &AuthConfig) -> Verdict {
    match HasPermissionBody::parse_organization(body.as_bytes()) {
        Err(_) => Verdict::Status(400),
        Ok(parsed) => match organization_check(role, rows, &parsed.check, &config.access_control) {
            Ok(success) => Verdict::Success(success),
            Err(error) => Verdict::Status(error.status().as_u16()),
        },
    }
}

fn ours_admin(role: Option<&str>, user_id: &str, body: &str, config: &AuthConfig) -> Verdict {
    match HasPermissionBody::parse_admin(body.as_bytes()) {
        Err(_) => Verdict::Status(400),
        Ok(parsed) => match admin_check(role, user_id, &parsed.check, &config.admin_plugin()) {
            Ok(success) => Verdict::Success(success),
            Err(error) => Verdict::Status(error.status().as_u16()),
        },
    }
}

struct User {
    id: String,
    cookie: String,
}

/// Everything read back from the database for our side.
struct Snapshot {
    /// Per user: `user.role`.
    user_roles: Vec<Option<String>>,
    /// Per organization, per user: `member.role`.
    member_roles: Vec<Vec<String>>,
    /// Per organization: its `organizationRole` rows.
    rows: Vec<Vec<DynamicRole>>,
}

async fn snapshot(pool: &SqlitePool, users: &[User], organizations: &[String]) -> Snapshot {
    let mut user_roles = Vec::new();
    for user in users {
        let row = sqlx::query("SELECT \"role\" FROM \"user\" WHERE \"id\" = ?1")
            .bind(&user.id)
            .fetch_one(pool)
            .await
            .expect("the user row");
        user_roles.push(row.get::<Option<String>, _>(0));
    }
    let mut member_roles = Vec::new();
    let mut rows = Vec::new();
    for organization in organizations {
        let mut roles = Vec::new();
        for user in users {
            let row = sqlx::query(
                "SELECT \"role\" FROM \"member\" WHERE \"organizationId\" = ?1 AND \"userId\" = ?2",
            )
            .bind(organization)
            .bind(&user.id)
            .fetch_one(pool)
            .await
            .expect("the member row");
            roles.push(row.get::<String, _>(0));
        }
        member_roles.push(roles);
        let dynamic = sqlx::query(
            "SELECT \"role\", \"permission\" FROM \"organizationRole\" WHERE \"organizationId\" = ?1",
        )
        .bind(organization)
        .fetch_all(pool)
        .await
        .expect("the organizationRole rows")
        .iter()
        .map(|row| DynamicRole::new(row.get::<String, _>(0), row.get::<String, _>(1)))
        .collect();
        rows.push(dynamic);
    }
    Snapshot {
        user_roles,
        member_roles,
        rows,
    }
}

/// Asks Better Auth and our evaluator every pair; returns (pairs checked, disagreements).
async fn compare(
    server: &BetterAuthServer,
    users: &[User],
    organizations: &[String],
    snapshot: &Snapshot,
    config: &AuthConfig,
) -> (usize, Vec<String>) {
    let client = Arc::new(Client {
        http: reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        base_url: server.base_url().to_owned(),
    });
    let organization_bodies = bodies(&organization_statements(), "ac");
    let admin_bodies = bodies(&admin_statements(), "user");
    // (path, body sent, user index, organization index or None for admin)
    let mut jobs: Vec<(&str, String, usize, Option<usize>)> = Vec::new();
    for user in 0..users.len() {
        for (org, organization) in organizations.iter().enumerate() {
            // Organization B (index 1) answers 500 to every valid body (its malformed row):
            // a sample of the permission sets is enough there, with every other body (the
            // deprecated key too: the rows are checked first).
            let sampled = organization_bodies
                .iter()
                .enumerate()
                .filter(|(index, body)| {
                    org != 1 || index % 7 == 0 || !body.starts_with("{\"permissions\":{")
                });
            for (_, body) in sampled {
                // The organization asked for in the body (the session's active one is the
                // same code path once the organization is known).
                let body = with_organization(body, organization);
                jobs.push(("/organization/has-permission", body, user, Some(org)));
            }
        }
        for body in &admin_bodies {
            jobs.push(("/admin/has-permission", body.clone(), user, None));
        }
    }
    let total = jobs.len();
    let results: Vec<(Verdict, Option<String>)> = stream::iter(jobs)
        .map(|(path, body, user, org)| {
            let client = client.clone();
            async move {
                let theirs = client.verdict(path, &body, &users[user].cookie).await;
                let ours = match org {
                    Some(org) => ours_organization(
                        &snapshot.member_roles[org][user],
                        &snapshot.rows[org],
                        &body,
                        config,
                    ),
                    None => ours_admin(
                        snapshot.user_roles[user].as_deref(),
                        &users[user].id,
                        &body,
                        config,
                    ),
                };
                let disagreement = (theirs != ours).then(|| {
                    let role = match org {
                        Some(org) => format!("member.role={:?}", snapshot.member_roles[org][user]),
                        None => format!("user.role={:?}", snapshot.user_roles[user]),
                    };
                    format!("{path} {role} body={body}: Better Auth {theirs:?}, ours {ours:?}")
                });
                (theirs, disagreement)
            }
        })
        .buffer_unordered(6)
        .collect()
        .await;
    let count = |verdict: Verdict| {
        results
            .iter()
            .filter(|(theirs, _)| *theirs == verdict)
            .count()
    };
    println!(
        "Better Auth's verdicts: {} true, {} false, {} x 400, {} x 500",
        count(Verdict::Success(true)),
        count(Verdict::Success(false)),
        count(Verdict::Status(400)),
        count(Verdict::Status(500)),
    );
    (
        total,
        results
            .into_iter()
            .filter_map(|(_, disagreement)| disagreement)
            .collect(),
    )
}

fn disagreements_report(phase: &str, total: usize, disagreements: &[String]) {
    println!(
        "access control, {phase}: {total} verdicts compared, {} disagreements",
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{phase}: {} of {total} verdicts differ from Better Auth's, e.g.:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

async fn post_ok(server: &BetterAuthServer, path: &str, body: Value, cookie: &str) -> Value {
    let response = server.post(path, body.clone(), Some(cookie)).await;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path} {body}: {status} {answer}");
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_control_verdicts_match_better_auth() {
    let db = TestDb::sqlite();
    let TestDb::Sqlite { path, .. } = &db else {
        unreachable!("a SQLite test database")
    };
    let organization_plugin =
        json!({"teams": {"enabled": true}, "dynamicAccessControl": {"enabled": true}});
    let server = BetterAuthServer::start(
        db.server_config(json!({"admin": {}, "organization": organization_plugin})),
    )
    .await;

    // The owner of three organizations: A (a dynamic role made through the API, rows merged
    // into built-in and custom roles, a mixed-case row), B (one malformed row), C (none).
    let owner = server
        .sign_up("ac-owner@example.com", "correct horse battery", "Owner")
        .await;
    let owner_cookie = owner.cookie_header();
    let mut organizations = Vec::new();
    for name in ["alpha", "bravo", "charlie"] {
        let created = post_ok(
            &server,
            "/organization/create",
            json!({"name": name, "slug": format!("ac-{name}")}),
            &owner_cookie,
        )
        .await;
        organizations.push(created["id"].as_str().expect("organization id").to_owned());
    }
    let created = post_ok(
        &server,
        "/organization/create-role",
        json!({"organizationId": organizations[0], "role": "Auditor",
               "permission": {"member": ["create"], "ac": ["read"]}}),
        &owner_cookie,
    )
    .await;
    assert_eq!(created["roleData"]["role"], "auditor", "{created}");

    let pool = SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("open the test database");
    let insert_row =
        |org: String, id: &'static str, role: &'static str, permission: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query(
                    "INSERT INTO \"organizationRole\" (\"id\", \"organizationId\", \"role\", \
                 \"permission\", \"createdAt\") SELECT ?1, ?2, ?3, ?4, \"createdAt\" FROM \
                 \"organization\" WHERE \"id\" = ?2",
                )
                .bind(id)
                .bind(&org)
                .bind(role)
                .bind(permission)
                .execute(&pool)
                .await
                .expect("insert an organizationRole row");
            }
        };
    insert_row(
        organizations[0].clone(),
        "row-member",
        "member",
        r#"{"team":["create"]}"#,
    )
    .await;
    insert_row(
        organizations[0].clone(),
        "row-mixed",
        "Mixed",
        r#"{"invitation":["create"]}"#,
    )
    .await;
    insert_row(
        organizations[0].clone(),
        "row-billing",
        "billing",
        r#"{"team":["delete"]}"#,
    )
    .await;
    insert_row(
        organizations[1].clone(),
        "row-broken",
        "broken",
        r#"{"team":"create"}"#,
    )
    .await;

    // The users: sign-up, membership in every organization (Better Auth's addMember), then the
    // odd role values written with SQL.
    let mut users = Vec::new();
    for (index, (member_role, user_role)) in MEMBER_ROLES.iter().zip(USER_ROLES).enumerate() {
        let signed = server
            .sign_up(
                &format!("ac-user-{index}@example.com"),
                "correct horse battery",
                &format!("User {index}"),
            )
            .await;
        let user = User {
            id: signed.user_id(),
            cookie: signed.cookie_header(),
        };
        for organization in &organizations {
            let added = server
                .test_hook(
                    "add-member",
                    json!({"organizationId": organization, "userId": user.id, "role": "member"}),
                )
                .await;
            assert!(added.get("thrown").is_none(), "addMember: {added}");
        }
        sqlx::query("UPDATE \"member\" SET \"role\" = ?1 WHERE \"userId\" = ?2")
            .bind(member_role)
            .bind(&user.id)
            .execute(&pool)
            .await
            .expect("set member.role");
        sqlx::query("UPDATE \"user\" SET \"role\" = ?1 WHERE \"id\" = ?2")
            .bind(user_role)
            .bind(&user.id)
            .execute(&pool)
            .await
            .expect("set user.role");
        users.push(user);
    }
    // And one role set the ordinary way, by an admin through Better Auth's API.
    post_ok(
        &server,
        "/admin/set-role",
        json!({"userId": users[19].id, "role": "user"}),
        &users[0].cookie,
    )
    .await;

    // Phase 1: Better Auth's default roles.
    let snapshot = snapshot(&pool, &users, &organizations).await;
    assert!(snapshot.rows[0].iter().any(|row| row.role == "auditor"));
    let config = test_config();
    let (total_defaults, disagreements) =
        compare(&server, &users, &organizations, &snapshot, &config).await;
    disagreements_report("default roles", total_defaults, &disagreements);
    drop(server);

    // Phase 2: the same database, custom roles on both sides, and `adminUserIds`.
    let admin_user_id = users[ADMIN_USER_ID_INDEX].id.clone();
    let mut server_config = db.server_config(json!({
        "admin": {"adminUserIds": [admin_user_id]},
        "organization": organization_plugin,
    }));
    server_config["accessControl"] = serde_json::from_str(DEFINITIONS).unwrap();
    let server = BetterAuthServer::start(server_config).await;
    let mut config = test_config();
    config.access_control = AccessControl::from_json(DEFINITIONS).expect("the definitions");
    config.admin_user_ids = vec![admin_user_id];
    let (total_custom, disagreements) =
        compare(&server, &users, &organizations, &snapshot, &config).await;
    disagreements_report("custom roles", total_custom, &disagreements);
    println!(
        "access control: {} (user, organization or admin, body) verdicts in all, 0 disagreements",
        total_defaults + total_custom
    );
    pool.close().await;
}

/// `role.authorize(request, connector)` itself, both connectors (the endpoints only use `AND`):
/// Better Auth's own function, called by the harness, against `Role::authorize`, for every
/// default role of both plugins and every permission set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_authorize_matches_better_auth_with_both_connectors() {
    let db = TestDb::sqlite();
    let server =
        BetterAuthServer::start(db.server_config(json!({"admin": {}, "organization": {}}))).await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}/__test/authorize", server.base_url());
    let organization = organization_statements();
    let admin = admin_statements();
    let plugins = [
        (
            "organization",
            organization_default_roles(),
            permission_sets(&organization, "ac"),
        ),
        (
            "admin",
            admin_default_roles(),
            permission_sets(&admin, "user"),
        ),
    ];
    let mut jobs = Vec::new();
    for (plugin, roles, sets) in &plugins {
        for (name, role) in roles.iter() {
            // JSON.parse keeps `__proto__` as an own key (zod drops it before the endpoints'
            // checks, `Permissions` does too): not asked here.
            for set in sets
                .iter()
                .filter(|set| set.iter().all(|(r, _)| *r != "__proto__"))
            {
                for (connector, word) in [(Connector::And, "AND"), (Connector::Or, "OR")] {
                    let body = format!(
                        "{{\"plugin\":\"{plugin}\",\"role\":\"{name}\",\"connector\":\"{word}\",\"request\":{}}}",
                        permissions_object(set)
                    );
                    let ours = match role.authorize(&Permissions::new(set.clone()), connector) {
                        Ok(success) => Verdict::Success(success),
                        Err(error) => Verdict::Status(error.status().as_u16()),
                    };
                    jobs.push((body, ours));
                }
            }
        }
    }
    let total = jobs.len();
    let disagreements: Vec<String> = stream::iter(jobs)
        .map(|(body, ours)| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let answer: Value = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .expect("the authorize hook answers")
                    .json()
                    .await
                    .expect("JSON from the authorize hook");
                let theirs = match (&answer["success"], answer.get("thrown")) {
                    (Value::Bool(success), None) => Verdict::Success(*success),
                    (_, Some(_)) => Verdict::Status(500),
                    _ => panic!("not an authorize result for {body}: {answer}"),
                };
                (theirs != ours).then(|| format!("{body}: Better Auth {theirs:?}, ours {ours:?}"))
            }
        })
        .buffer_unordered(6)
        .filter_map(|disagreement| async move { disagreement })
        .collect()
        .await;
    disagreements_report("role.authorize, AND and OR", total, &disagreements);
}

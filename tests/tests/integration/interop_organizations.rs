//! The organization plugin's memberships, read as Better Auth reads them: the session's active
//! organization, the user's `member` row (role as stored) and the organization, against a real
//! Better Auth on each database; refusals when there is no active organization or no longer a
//! membership.

use std::sync::Arc;

use better_auth_core::{
    AuthError, Authenticator, CacheOptions,
    http::HeaderMap,
    store::{self, OrganizationStore, SqlOptions},
};
use better_auth_tests::{better_auth::BetterAuthServer, db::TestDb, test_config, unique_suffix};
use serde_json::{Value, json};

fn cookie(value: &str) -> HeaderMap {
    better_auth_tests::header_map(&[("cookie", value)])
}

async fn organizations(db: &TestDb) -> Arc<dyn OrganizationStore> {
    store::connect_stores(&db.url(), SqlOptions::default())
        .await
        .unwrap()
        .organizations
        .expect("the organization plugin's tables are found")
}

async fn authenticator(db: &TestDb) -> Authenticator {
    let stores = store::connect_stores(&db.url(), SqlOptions::default())
        .await
        .unwrap();
    let organizations = stores
        .organizations
        .clone()
        .expect("the organization plugin's tables are found");
    Authenticator::builder(test_config())
        .session_store_arc(stores.sessions)
        .organization_store_arc(organizations)
        .build()
        .unwrap()
}

/// Better Auth's `get-active-member` for this cookie (`null` without one).
async fn active_member(server: &BetterAuthServer, cookie_header: &str) -> Value {
    let response = server
        .get("/organization/get-active-member", cookie(cookie_header))
        .await;
    response.json().await.unwrap_or(Value::Null)
}

/// Our membership for this cookie: the membership, or the refusal's error.
async fn ours(
    auth: &Authenticator,
    cookie_header: &str,
) -> Result<better_auth_core::Membership, AuthError> {
    let user = auth
        .authenticate_request("GET", &cookie(cookie_header))
        .await
        .required()
        .expect("authenticated");
    user.membership()
        .await
        .map_err(|rejection| rejection.error().clone())
}

/// The same, in remote mode: sessions and memberships asked of Better Auth (no cache).
fn remote_authenticator(server: &BetterAuthServer, cache: Option<CacheOptions>) -> Authenticator {
    let mut config = test_config();
    config.base_url = Some(url::Url::parse(server.base_url()).unwrap());
    let options = store::RemoteOptions::default();
    let mut builder = Authenticator::builder(config.clone())
        .session_store(store::RemoteSessionStore::new(&config, options.clone()).unwrap())
        .organization_store_arc(Arc::new(
            store::RemoteOrganizationStore::new(&config, options).unwrap(),
        ));
    if let Some(cache) = cache {
        builder = builder.cache(cache);
    }
    builder.build().unwrap()
}

async fn memberships_match_better_auth(db: TestDb, remote: bool) {
    let mut config = db.server_config(json!({"organization": {
        "teams": {"enabled": true},
        "dynamicAccessControl": {"enabled": true}
    }}));
    config["options"] = json!({});
    let server = BetterAuthServer::start(config).await;
    let suffix = unique_suffix();
    let owner = server
        .sign_up(
            &format!("owner-{suffix}@example.com"),
            "correct horse battery",
            "Owner",
        )
        .await;
    let owner_cookie = owner.cookie_header();
    let organization = server
        .create_organization(&owner_cookie, "Acme Ünïcode", &format!("acme-{suffix}"))
        .await;
    let auth = if remote {
        remote_authenticator(&server, None)
    } else {
        authenticator(&db).await
    };

    // The creator: owner of the active organization, as Better Auth says.
    let theirs = active_member(&server, &owner_cookie).await;
    let membership = ours(&auth, &owner_cookie).await.expect("a member");
    assert_eq!(
        membership.organization.id,
        organization["id"].as_str().unwrap()
    );
    assert_eq!(membership.organization.name, "Acme Ünïcode");
    assert_eq!(membership.organization.slug, format!("acme-{suffix}"));
    assert_eq!(
        membership.member.id,
        theirs["id"].as_str().unwrap(),
        "{theirs}"
    );
    assert_eq!(membership.member.role, theirs["role"].as_str().unwrap());
    assert_eq!(membership.member.role, "owner");
    assert_eq!(membership.member.user_id, owner.user_id());
    // Creating an organization with teams on makes a default team and makes it active
    // (Better Auth's `organization/create` sets the session's `activeTeamId` to it).
    let session = server.get_session(&owner_cookie).await;
    let active_team = session["session"]["activeTeamId"]
        .as_str()
        .expect("an active team");
    let team = membership
        .team
        .as_ref()
        .expect("the owner's team membership");
    assert_eq!(team.team_id, active_team);
    assert_eq!(team.user_id, owner.user_id());

    // Dynamic roles: the organization's `organizationRole` rows, as stored.
    let created_at = match db.kind() {
        "postgres" => "now()".to_owned(),
        "mysql" => "UTC_TIMESTAMP(3)".to_owned(),
        _ => format!("'{}'", chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ")),
    };
    let inserted = db
        .execute(
            &format!(
                r#"INSERT INTO "organizationRole" ("id", "organizationId", "role", "permission", "createdAt") VALUES ('role-{suffix}', {{}}, 'auditor', '{{"member":["create"],"ac":["read"]}}', {created_at})"#
            ),
            organization["id"].as_str().unwrap(),
        )
        .await;
    assert_eq!(inserted, 1);
    let roles = organizations(&db)
        .await
        .organization_roles(organization["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].role, "auditor");
    assert_eq!(
        roles[0].permission,
        r#"{"member":["create"],"ac":["read"]}"#
    );
    assert!(
        organizations(&db)
            .await
            .organization_roles("no-such-organization")
            .await
            .unwrap()
            .is_empty()
    );

    // A second user, added with two roles: the column as stored, the roles as the plugin
    // reads them.
    let other = server
        .sign_up(
            &format!("other-{suffix}@example.com"),
            "correct horse battery",
            "Other",
        )
        .await;
    let other_cookie = other.cookie_header();
    let refused = ours(&auth, &other_cookie).await.unwrap_err();
    assert!(
        matches!(refused, AuthError::NoActiveOrganization),
        "no active organization yet: {refused:?}"
    );
    server
        .add_member(
            &organization["id"],
            &other.user_id(),
            json!(["admin", " member "]),
        )
        .await;
    server
        .set_active_organization(&other_cookie, &organization["id"])
        .await;
    let theirs = active_member(&server, &other_cookie).await;
    let membership = ours(&auth, &other_cookie).await.expect("a member");
    assert_eq!(
        membership.member.role,
        theirs["role"].as_str().unwrap(),
        "{theirs}"
    );
    assert_eq!(membership.member.roles(), ["admin", "member"]);
    assert!(
        membership.team.is_none(),
        "set-active leaves activeTeamId null: no team"
    );
    assert!(membership.member.has_role("member"));

    // Removed behind Better Auth's back: no longer a member, for both.
    let removed = db
        .execute(
            r#"DELETE FROM "member" WHERE "id" = {}"#,
            &membership.member.id,
        )
        .await;
    assert_eq!(removed, 1);
    let refused = ours(&auth, &other_cookie).await.unwrap_err();
    assert!(matches!(refused, AuthError::NotAMember), "{refused:?}");
    let theirs = active_member(&server, &other_cookie).await;
    assert!(
        theirs.get("id").is_none(),
        "Better Auth: no member either: {theirs}"
    );

    // One lookup per request, however often the handler asks.
    let user = auth
        .authenticate_request("GET", &cookie(&owner_cookie))
        .await
        .required()
        .unwrap();
    let (first, second) = (
        user.membership().await.unwrap(),
        user.membership().await.unwrap(),
    );
    assert!(
        Arc::ptr_eq(&first.member, &second.member),
        "asked once per request"
    );
    assert_eq!(
        user.require_organization_role("owner")
            .await
            .unwrap()
            .member
            .role,
        "owner"
    );
    let refused = user.require_organization_role("admin").await.unwrap_err();
    assert!(
        matches!(refused.error(), AuthError::MissingRole),
        "{refused:?}"
    );
}

#[tokio::test]
async fn memberships_match_better_auth_on_sqlite() {
    memberships_match_better_auth(TestDb::sqlite(), false).await;
}

#[tokio::test]
async fn memberships_match_better_auth_in_remote_mode() {
    memberships_match_better_auth(TestDb::sqlite(), true).await;
}

/// Remote mode fails closed: with the session cached but Better Auth gone, a membership is a
/// 503, never a pass (and never "not a member").
#[tokio::test]
async fn remote_memberships_are_503_when_better_auth_is_down() {
    let db = TestDb::sqlite();
    let server = BetterAuthServer::start(db.server_config(json!({"organization": {}}))).await;
    let owner = server
        .sign_up("down@example.com", "correct horse battery", "Owner")
        .await;
    let owner_cookie = owner.cookie_header();
    server
        .create_organization(&owner_cookie, "Acme", "acme-down")
        .await;
    let auth = remote_authenticator(
        &server,
        Some(CacheOptions::with_ttl(std::time::Duration::from_secs(60))),
    );
    let user = auth
        .authenticate_request("GET", &cookie(&owner_cookie))
        .await
        .required()
        .expect("authenticated");
    drop(server);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let user_again = auth
        .authenticate_request("GET", &cookie(&owner_cookie))
        .await
        .required()
        .expect("the session is cached");
    for user in [user, user_again] {
        let refused = user.membership().await.unwrap_err();
        assert_eq!(refused.response().status, 503, "{refused:?}");
        assert!(
            matches!(refused.error(), AuthError::Backend(_)),
            "{refused:?}"
        );
    }
}

#[tokio::test]
async fn memberships_match_better_auth_on_postgres() {
    memberships_match_better_auth(TestDb::postgres().await, false).await;
}

#[tokio::test]
async fn memberships_match_better_auth_on_mysql() {
    memberships_match_better_auth(TestDb::mysql().await, false).await;
}

/// With the in-process cache on, memberships are cached with its lifetimes: a removed member
/// stays a member here for at most the TTL (measured), then is refused.
#[tokio::test]
async fn a_removed_membership_is_seen_within_the_cache_ttl() {
    use std::time::{Duration, Instant};

    let db = TestDb::sqlite();
    let server = BetterAuthServer::start(db.server_config(json!({"organization": {}}))).await;
    let owner = server
        .sign_up("cached-owner@example.com", "correct horse battery", "Owner")
        .await;
    let cookie_header = owner.cookie_header();
    server
        .create_organization(&cookie_header, "Cached", "cached")
        .await;
    let stores = store::connect_stores(&db.url(), SqlOptions::default())
        .await
        .unwrap();
    let ttl = Duration::from_millis(1_000);
    let auth = Authenticator::builder(test_config())
        .session_store_arc(stores.sessions)
        .organization_store_arc(stores.organizations.unwrap())
        .cache(better_auth_core::CacheOptions::with_ttl(ttl))
        .build()
        .unwrap();
    let membership = ours(&auth, &cookie_header).await.expect("a member");
    let removed_at = Instant::now();
    let removed = db
        .execute(
            r#"DELETE FROM "member" WHERE "id" = {}"#,
            &membership.member.id,
        )
        .await;
    assert_eq!(removed, 1);
    assert!(
        ours(&auth, &cookie_header).await.is_ok(),
        "still a member from the cache right after the removal"
    );
    let refused_after = loop {
        match ours(&auth, &cookie_header).await {
            Err(AuthError::NotAMember) => break removed_at.elapsed(),
            Ok(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(other) => panic!("{other:?}"),
        }
        assert!(removed_at.elapsed() < ttl * 3, "never refused");
    };
    eprintln!("membership removal seen after {refused_after:?} (cache TTL {ttl:?})");
    assert!(
        refused_after <= ttl + Duration::from_millis(100),
        "refused {refused_after:?} after the removal (TTL {ttl:?})"
    );
}

/// Remote mode with the cache on: Better Auth's verdict is cached with the session cache's TTL,
/// so a role changed in Better Auth changes the verdict here at most the TTL later (measured),
/// and each different permission set is asked on its own.
#[tokio::test]
async fn remote_verdicts_are_cached_for_the_ttl() {
    use better_auth_core::access_control::Permissions;
    use std::time::{Duration, Instant};

    let db = TestDb::sqlite();
    let server = BetterAuthServer::start(db.server_config(json!({"organization": {}}))).await;
    let owner = server
        .sign_up(
            "remote-cached@example.com",
            "correct horse battery",
            "Owner",
        )
        .await;
    let cookie_header = owner.cookie_header();
    server
        .create_organization(&cookie_header, "Remote cached", "remote-cached")
        .await;
    let ttl = Duration::from_millis(1_000);
    let auth = remote_authenticator(&server, Some(CacheOptions::with_ttl(ttl)));
    let delete = Permissions::new([("organization", ["delete"])]);
    let read = Permissions::new([("ac", ["read"])]);
    let check = |permissions: Permissions| {
        let auth = auth.clone();
        let cookie_header = cookie_header.clone();
        async move {
            auth.authenticate_request("GET", &cookie(&cookie_header))
                .await
                .required()
                .unwrap()
                .has_organization_permission(&permissions)
                .await
                .unwrap()
        }
    };
    assert!(check(delete.clone()).await, "the owner may delete");
    assert!(check(read.clone()).await);
    // The owner becomes a plain member in Better Auth.
    let changed_at = Instant::now();
    let changed = db
        .execute(
            r#"UPDATE "member" SET "role" = 'member' WHERE "userId" = {}"#,
            &owner.user_id(),
        )
        .await;
    assert_eq!(changed, 1);
    assert!(check(delete.clone()).await, "still the cached verdict");
    let refused_after = loop {
        if !check(delete.clone()).await {
            break changed_at.elapsed();
        }
        assert!(changed_at.elapsed() < ttl * 3, "the verdict never changed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    eprintln!("remote verdict changed after {refused_after:?} (cache TTL {ttl:?})");
    assert!(
        refused_after <= ttl + Duration::from_millis(200),
        "{refused_after:?}"
    );
    assert!(check(read).await, "a member may still read the roles");
}

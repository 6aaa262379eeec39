//! What the kit's credentials prove to the kit's authenticator: each accepted as the user it
//! was made for, each refusal with the code production gives, counters and refreshes written to
//! the memory store as the database stores write them.

use better_auth_core::{
    AuthError, Via,
    access_control::Permissions,
    http::{HeaderMap, HeaderValue},
};
use better_auth_testkit::TestAuth;
use chrono::Duration;
use serde_json::json;

fn headers(name: &'static str, value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(name, HeaderValue::from_str(value).unwrap());
    headers
}

#[tokio::test]
async fn every_credential_is_accepted_as_its_user() {
    let auth = TestAuth::new();
    let alice = auth
        .user("alice@example.com")
        .name("Alice")
        .role("admin")
        .email_verified(true)
        .field("plan", json!("pro"))
        .create();
    let session = auth
        .session(&alice)
        .field("device", json!("laptop"))
        .create();
    let authenticator = auth.authenticator();

    let by_cookie = authenticator
        .authenticate(&headers("cookie", &session.cookie()))
        .await
        .unwrap();
    assert_eq!(by_cookie.via, Via::Cookie);
    assert_eq!(by_cookie.user.id, alice.id);
    assert_eq!(by_cookie.user.name, "Alice");
    assert!(by_cookie.user.email_verified);
    assert_eq!(by_cookie.user.extra["plan"], "pro");
    let row = by_cookie.session.as_ref().unwrap();
    assert_eq!(row.token, session.token());
    assert_eq!(row.extra["device"], "laptop");

    let by_bearer = authenticator
        .authenticate(&headers("authorization", &session.bearer()))
        .await
        .unwrap();
    assert_eq!(
        (by_bearer.via, &*by_bearer.user.id),
        (Via::Bearer, &*alice.id)
    );

    let jwt = auth.jwt(&alice).bearer();
    let by_jwt = authenticator
        .authenticate(&headers("authorization", &jwt))
        .await
        .unwrap();
    assert_eq!((by_jwt.via, &*by_jwt.user.id), (Via::Jwt, &*alice.id));
    assert_eq!(by_jwt.user.email, "alice@example.com");

    let key = auth.api_key(&alice).create();
    let by_key = authenticator
        .authenticate(&headers("x-api-key", key.key()))
        .await
        .unwrap();
    assert_eq!((by_key.via, &*by_key.user.id), (Via::ApiKey, &*alice.id));
    assert_eq!(key.key().len(), 64);
    assert_eq!(
        auth.jwks()["keys"][0]["kid"],
        better_auth_testkit::TEST_KEY_ID
    );
}

#[tokio::test]
async fn refusals_are_those_of_production() {
    let auth = TestAuth::new();
    let authenticator = auth.authenticator();
    let code = |result: Result<_, AuthError>| result.map(|_| ()).unwrap_err().code();

    let alice = auth.user("alice@example.com").create();
    let expired = auth.session(&alice).expired().create();
    assert_eq!(
        code(
            authenticator
                .authenticate(&headers("cookie", &expired.cookie()))
                .await
        ),
        "session_expired"
    );
    let banned = auth
        .user("mallory@example.com")
        .banned("spam", None)
        .create();
    let banned_session = auth.session(&banned).create();
    assert_eq!(
        code(
            authenticator
                .authenticate(&headers("cookie", &banned_session.cookie()))
                .await
        ),
        "user_banned"
    );
    let old_jwt = auth.jwt(&alice).expires_in(Duration::minutes(-5)).bearer();
    assert_eq!(
        code(
            authenticator
                .authenticate(&headers("authorization", &old_jwt))
                .await
        ),
        "token_expired"
    );
    let foreign = auth
        .jwt(&alice)
        .claim("iss", json!("https://evil.example"))
        .bearer();
    assert!(
        authenticator
            .authenticate(&headers("authorization", &foreign))
            .await
            .is_err()
    );
    // A cookie signed with another secret (another kit) is refused.
    let other = TestAuth::with_config(better_auth_core::AuthConfig::new(
        better_auth_core::SecretSet::single("another-secret-of-at-least-32-characters").unwrap(),
    ));
    let stranger = other.user("alice@example.com").create();
    let forged = other.session(&stranger).create();
    assert_eq!(
        code(
            authenticator
                .authenticate(&headers("cookie", &forged.cookie()))
                .await
        ),
        "invalid_signature"
    );
    // Sign-out: the row is gone.
    let live = auth.session(&alice).create();
    assert!(auth.store().remove_session(live.token()));
    assert_eq!(
        code(
            authenticator
                .authenticate(&headers("cookie", &live.cookie()))
                .await
        ),
        "session_not_found"
    );
    // The backend down: a 503, never a pass.
    let live = auth.session(&alice).create();
    auth.store().set_down(true);
    let refused = authenticator
        .authenticate(&headers("cookie", &live.cookie()))
        .await
        .unwrap_err();
    assert_eq!(refused.status().as_u16(), 503);
    auth.store().set_down(false);
    authenticator
        .authenticate(&headers("cookie", &live.cookie()))
        .await
        .unwrap();
}

#[tokio::test]
async fn api_keys_are_counted_as_better_auth_counts_them() {
    let auth = TestAuth::new();
    let authenticator = auth.authenticator();
    let alice = auth.user("alice@example.com").create();

    let key = auth.api_key(&alice).remaining(2).rate_limit(None).create();
    for left in [1, 0] {
        authenticator
            .authenticate(&headers("x-api-key", key.key()))
            .await
            .unwrap();
        assert_eq!(
            auth.store().api_key(key.hashed()).unwrap().remaining,
            Some(left)
        );
    }
    let refused = authenticator
        .authenticate(&headers("x-api-key", key.key()))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "api_key_exhausted");
    assert!(
        auth.store().api_key(key.hashed()).is_none(),
        "deleted, as Better Auth does"
    );

    // The plugin's default rate limit: 10 a day.
    let key = auth.api_key(&alice).create();
    for _ in 0..10 {
        authenticator
            .authenticate(&headers("x-api-key", key.key()))
            .await
            .unwrap();
    }
    let refused = authenticator
        .authenticate(&headers("x-api-key", key.key()))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "api_key_rate_limited");

    let disabled = auth.api_key(&alice).disabled().create();
    let refused = authenticator
        .authenticate(&headers("x-api-key", disabled.key()))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "api_key_disabled");
}

#[tokio::test]
async fn a_due_session_is_refreshed_in_the_store() {
    let auth = TestAuth::new();
    let authenticator = auth.authenticator();
    let alice = auth.user("alice@example.com").create();
    // Better Auth's defaults: 7 days, refreshed when last refreshed over a day ago.
    let session = auth
        .session(&alice)
        .created_ago(Duration::days(2))
        .expires_in(Duration::days(5))
        .create();
    let outcome = authenticator
        .authenticate_request("GET", &headers("cookie", &session.cookie()))
        .await;
    let refresh = outcome.take_refresh_headers().expect("refreshed");
    let set_cookie = refresh
        .iter()
        .find(|(name, _)| *name == "set-cookie")
        .map(|(_, value)| value.to_owned())
        .expect("the session cookie is set again");
    assert!(set_cookie.starts_with(&session.cookie()), "{set_cookie}");
    let stored = auth.store().session(session.token()).unwrap();
    assert!(
        stored.expires_at > session.session().expires_at + Duration::days(1),
        "expiresAt moved to 7 days from now: {}",
        stored.expires_at
    );
}

#[tokio::test]
async fn memberships_and_permissions_come_from_the_kit_rows() {
    let auth = TestAuth::new();
    let authenticator = auth.authenticator();
    let alice = auth.user("alice@example.com").create();
    let acme = auth.organization("Acme Inc").create();
    assert_eq!(acme.slug, "acme-inc");
    auth.add_member(&acme, &alice, "member,auditor");
    auth.add_organization_role(&acme, "auditor", json!({"invitation": ["create"]}));
    let team = auth.add_team(&acme, &[&alice]);
    let session = auth
        .session(&alice)
        .active_organization(&acme)
        .active_team(&team)
        .create();

    let user = authenticator
        .authenticate_request("GET", &headers("cookie", &session.cookie()))
        .await
        .required()
        .unwrap();
    let membership = user.membership().await.unwrap();
    assert_eq!(membership.organization.name, "Acme Inc");
    assert_eq!(membership.member.roles(), ["member", "auditor"]);
    assert_eq!(membership.team.as_ref().unwrap().team_id, team);
    let invite = Permissions::new([("invitation", ["create"])]);
    assert!(
        user.has_organization_permission(&invite).await.unwrap(),
        "from the dynamic role"
    );
    let delete = Permissions::new([("organization", ["delete"])]);
    assert!(!user.has_organization_permission(&delete).await.unwrap());

    // Removed: not a member any more.
    assert_eq!(auth.store().remove_member(&acme.id, &alice.id), 1);
    let user = authenticator
        .authenticate_request("GET", &headers("cookie", &session.cookie()))
        .await
        .required()
        .unwrap();
    let refused = user.membership().await.unwrap_err();
    assert_eq!(refused.error().code(), "not_a_member");
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Billing {
    plan: String,
    seats: Option<u32>,
    email: String,
}

#[derive(Debug, serde::Deserialize)]
struct Device {
    device: String,
}

#[tokio::test]
async fn custom_fields_are_read_as_the_apps_types_once_per_request() {
    let auth = TestAuth::new();
    let authenticator = auth.authenticator();
    let alice = auth
        .user("alice@example.com")
        .field("plan", json!("pro"))
        .field("seats", json!(5))
        .create();
    let session = auth
        .session(&alice)
        .field("device", json!("laptop"))
        .create();
    let user = authenticator
        .authenticate_request("GET", &headers("cookie", &session.cookie()))
        .await
        .required()
        .unwrap();
    let billing = user.user_fields::<Billing>().unwrap();
    assert_eq!(
        (billing.plan.as_str(), billing.seats, billing.email.as_str()),
        ("pro", Some(5), "alice@example.com")
    );
    let again = user.clone().user_fields::<Billing>().unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&billing, &again),
        "read once per request"
    );
    let device = user.session_fields::<Device>().unwrap().expect("a session");
    assert_eq!(device.device, "laptop");

    // A type the stored fields do not fit: a 500 that names the problem, not a panic.
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Wrong {
        seats: String,
    }
    let refused = user.user_fields::<Wrong>().unwrap_err();
    assert_eq!(refused.response().status, 500);
    assert_eq!(refused.error().code(), "fields_mismatch");
    assert!(
        refused.error().to_string().contains("seats")
            || refused.error().to_string().contains("string"),
        "{}",
        refused.error()
    );
    let body = String::from_utf8(refused.response().body.clone()).unwrap();
    assert!(
        !body.contains("pro"),
        "no stored value in the response: {body}"
    );

    // A JWT request has no session.
    let by_jwt = authenticator
        .authenticate_request("GET", &headers("authorization", &auth.jwt(&alice).bearer()))
        .await
        .required()
        .unwrap();
    assert!(by_jwt.session_fields::<Device>().unwrap().is_none());
    assert_eq!(
        by_jwt.user_fields::<Billing>().unwrap().plan,
        "pro",
        "the JWT carries the user's fields"
    );
}

#[tokio::test]
async fn api_keys_of_other_configurations_follow_the_service_configurations() {
    use better_auth_core::{ApiKeyConfig, ApiKeyOwner, AuthConfig, SecretSet};
    let mut config =
        AuthConfig::new(SecretSet::single("a-32+char-test-secret-for-the-kit-0123").unwrap());
    config.api_key_configs = vec![
        ApiKeyConfig::new("sessions").with_sessions(true),
        ApiKeyConfig::new("plain"),
        ApiKeyConfig::new("orgs")
            .with_sessions(true)
            .with_references(ApiKeyOwner::Organization)
            .with_headers(["x-org-key"]),
    ];
    let auth = TestAuth::with_config(config);
    let authenticator = auth.authenticator();
    let alice = auth.user("alice@example.com").create();
    let verdict = |header: &'static str, key: String| {
        let authenticator = authenticator.clone();
        async move {
            authenticator
                .authenticate(&headers(header, &key))
                .await
                .map(|identity| identity.user.id.clone())
                .map_err(|error| error.code())
        }
    };
    let sessions = auth.api_key(&alice).config_id("sessions").create();
    assert_eq!(
        verdict("x-api-key", sessions.key().to_owned()).await,
        Ok(alice.id.clone())
    );
    let plain = auth.api_key(&alice).config_id("plain").create();
    assert_eq!(
        verdict("x-api-key", plain.key().to_owned()).await,
        Err("invalid_api_key")
    );
    let orgs = auth.api_key(&alice).config_id("orgs").create();
    assert_eq!(
        verdict("x-org-key", orgs.key().to_owned()).await,
        Err("api_key_not_user_owned")
    );
    assert_eq!(
        verdict("x-api-key", "short".to_owned()).await,
        Err("api_key_too_short")
    );
}

/// A session made "two days ago" is the row Better Auth wrote then: created, last refreshed and
/// given its 7 days two days ago. With the default `updateAge` (1 day) it is due, and the
/// authenticator refreshes it as Better Auth would.
#[tokio::test]
async fn a_session_made_two_days_ago_is_due_for_a_refresh() {
    let auth = TestAuth::new();
    let authenticator = auth.authenticator();
    let alice = auth.user("alice@example.com").create();
    // Better Auth's dates are milliseconds: the kit's too.
    let before =
        chrono::DateTime::from_timestamp_millis(chrono::Utc::now().timestamp_millis()).unwrap();
    let session = auth.session(&alice).created_ago(Duration::days(2)).create();
    let after = chrono::Utc::now();
    let row = session.session();
    assert!(
        before - Duration::days(2) <= row.created_at && row.created_at <= after - Duration::days(2),
        "createdAt is two days ago: {}",
        row.created_at
    );
    assert_eq!(row.updated_at, row.created_at);
    assert_eq!(row.expires_at, row.created_at + Duration::days(7));

    let outcome = authenticator
        .authenticate_request("GET", &headers("cookie", &session.cookie()))
        .await;
    let refresh = outcome
        .take_refresh_headers()
        .expect("a two-day-old session is refreshed");
    assert!(
        refresh
            .iter()
            .any(|(name, value)| name == "set-cookie" && value.starts_with(&session.cookie())),
        "the session cookie is set again"
    );
    let stored = auth.store().session(session.token()).unwrap();
    assert!(
        stored.expires_at >= before + Duration::days(7),
        "expiresAt slid to 7 days from now: {}",
        stored.expires_at
    );
    assert!(
        stored.updated_at >= before,
        "updatedAt is now: {}",
        stored.updated_at
    );
    assert_eq!(stored.created_at, row.created_at);
}

/// A session made an hour ago was refreshed (created) less than `updateAge` ago: nothing is
/// written, no cookie goes back.
#[tokio::test]
async fn a_session_made_an_hour_ago_is_not_refreshed() {
    let auth = TestAuth::new();
    let authenticator = auth.authenticator();
    let alice = auth.user("alice@example.com").create();
    let session = auth
        .session(&alice)
        .created_ago(Duration::hours(1))
        .create();
    assert_eq!(
        session.session().expires_at,
        session.session().created_at + Duration::days(7)
    );
    let outcome = authenticator
        .authenticate_request("GET", &headers("cookie", &session.cookie()))
        .await;
    assert!(outcome.required().is_ok());
    assert!(outcome.take_refresh_headers().is_none());
    let stored = auth.store().session(session.token()).unwrap();
    assert_eq!(stored.expires_at, session.session().expires_at);
    assert_eq!(stored.updated_at, session.session().updated_at);
}

/// A session made longer ago than its lifetime, never refreshed, has expired, as it would have
/// in Better Auth.
#[tokio::test]
async fn a_session_made_eight_days_ago_has_expired() {
    let auth = TestAuth::new();
    let alice = auth.user("alice@example.com").create();
    let session = auth.session(&alice).created_ago(Duration::days(8)).create();
    let refused = auth
        .authenticator()
        .authenticate(&headers("cookie", &session.cookie()))
        .await
        .map(|_| ())
        .unwrap_err();
    assert_eq!(refused.code(), "session_expired");
}

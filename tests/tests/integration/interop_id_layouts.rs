//! Layouts Better Auth itself makes with its options, not written by hand: `generateId: "uuid"`
//! (PostgreSQL `uuid` columns) and `generateId: "serial"` (integer identity columns), and the
//! bearer plugin's `requireSignature`. A REAL Better Auth creates the tables and signs a user up;
//! our store must find exactly what its own `get-session` finds.

use better_auth_core::{
    AuthError, BearerPolicy, Via,
    http::{HeaderMap, HeaderValue},
};
use better_auth_tests::{better_auth::BetterAuthServer, db::TestDb, test_config};
use serde_json::json;

fn headers(name: &'static str, value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(name, HeaderValue::from_str(value).unwrap());
    headers
}

/// Better Auth with `generateId` on PostgreSQL: the id columns are of `expected_type`, and the
/// session Better Auth issued is found, with Better Auth's ids.
async fn generated_ids(generate_id: &str, expected_type: &str) {
    let db = TestDb::postgres().await;
    let mut config = db.server_config(json!({"bearer": {}}));
    config["options"] = json!({"advanced": {"database": {"generateId": generate_id}}});
    let server = BetterAuthServer::start(config).await;
    let signed = server
        .sign_up("ids@example.com", "correct horse battery", "Ids")
        .await;

    let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
    let types: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, data_type::text FROM information_schema.columns \
         WHERE column_name = 'id' AND table_name IN ('user', 'session') ORDER BY table_name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        types,
        [
            ("session".to_owned(), expected_type.to_owned()),
            ("user".to_owned(), expected_type.to_owned())
        ],
        "Better Auth's migration made these id columns"
    );

    let auth = db.authenticator(test_config()).await;
    let cookie = signed.cookie_header();
    let ours = auth
        .authenticate(&headers("cookie", &cookie))
        .await
        .unwrap();
    let theirs = server.get_session(&cookie).await;
    assert_eq!(ours.user.id, signed.user_id());
    let their_session_id = match &theirs["session"]["id"] {
        serde_json::Value::Number(id) => id.to_string(),
        other => other.as_str().unwrap().to_owned(),
    };
    assert_eq!(ours.session.as_ref().unwrap().id, their_session_id);
    assert_eq!(ours.user.email, "ids@example.com");
}

#[tokio::test]
async fn uuid_ids_made_by_better_auth() {
    generated_ids("uuid", "uuid").await;
}

#[tokio::test]
async fn serial_ids_made_by_better_auth() {
    generated_ids("serial", "integer").await;
}

/// The bearer plugin's `requireSignature: true` is our `BearerPolicy::SignedOnly`: a raw token is
/// refused by both, the signed one accepted by both.
#[tokio::test]
async fn require_signature_matches_the_bearer_plugin() {
    let db = TestDb::sqlite();
    let server =
        BetterAuthServer::start(db.server_config(json!({"bearer": {"requireSignature": true}})))
            .await;
    let signed = server
        .sign_up("signed@example.com", "correct horse battery", "Signed")
        .await;
    let mut config = test_config();
    config.bearer = BearerPolicy::SignedOnly;
    let auth = db.authenticator(config).await;

    let raw = headers("authorization", &format!("Bearer {}", signed.token()));
    assert!(
        server.get_session_with(raw.clone()).await.is_null(),
        "Better Auth refuses the raw token"
    );
    assert!(matches!(
        auth.authenticate(&raw).await,
        Err(AuthError::MalformedCredentials { .. })
    ));

    let auth_token = signed.auth_token.clone().expect("set-auth-token");
    let bearer = headers("authorization", &format!("Bearer {auth_token}"));
    assert_eq!(
        server.get_session_with(bearer.clone()).await["user"]["id"],
        signed.user_id().as_str()
    );
    let identity = auth.authenticate(&bearer).await.unwrap();
    assert_eq!(
        (identity.via, identity.user.id.as_str()),
        (Via::Bearer, signed.user_id().as_str())
    );
}

/// `generateId: "serial"` on PostgreSQL, the organization plugin: `has-permission`'s
/// `organizationId` comes from the request body. A value the integer column cannot hold (text,
/// SQL, a line break, a number out of range) is an organization the user is not a member of:
/// 403 `not_a_member`, asked of nobody; never a 503 (PostgreSQL refusing the cast) nor a log
/// line the client wrote. Better Auth itself answers those with a 500 (its adapter's
/// `Number()` gives NaN); a real id of another organization is `not_a_member` on both sides,
/// and the user's own organization is answered by both.
#[tokio::test]
async fn organization_ids_a_serial_column_cannot_hold_are_no_membership() {
    use better_auth_core::store::{self, SqlOptions};
    use std::sync::Arc;

    let db = TestDb::postgres().await;
    let mut config = db.server_config(json!({"bearer": {}, "organization": {}}));
    config["options"] = json!({"advanced": {"database": {"generateId": "serial"}}});
    let server = BetterAuthServer::start(config).await;
    let signed = server
        .sign_up("serial-org@example.com", "correct horse battery", "S")
        .await;
    let cookie = signed.cookie_header();
    let organization = server
        .create_organization(&cookie, "Serial", "serial-org")
        .await;
    let organization_id = match &organization["id"] {
        serde_json::Value::String(id) => id.clone(),
        other => other.to_string(),
    };
    let stores = store::connect_stores(&db.url(), SqlOptions::default())
        .await
        .unwrap();
    let auth = better_auth_core::Authenticator::builder(test_config())
        .session_store_arc(stores.sessions)
        .organization_store_arc(Arc::clone(stores.organizations.as_ref().unwrap()))
        .build()
        .unwrap();
    let user = auth
        .authenticate_request("GET", &headers("cookie", &cookie))
        .await
        .required()
        .unwrap();
    let body = |id: &str| {
        json!({"organizationId": id, "permissions": {"member": ["create"]}})
            .to_string()
            .into_bytes()
    };
    assert!(
        user.organization_has_permission_answer(&body(&organization_id))
            .await
            .unwrap(),
        "the owner of organization {organization_id}"
    );
    for id in [
        "x'; DROP TABLE member; --".to_owned(),
        "1\n2026-12-07T00:00:00Z ERROR forged".to_owned(),
        format!("{organization_id}abc"),
        "99999999999999".to_owned(),
        "424242".to_owned(),
    ] {
        let refused = user
            .organization_has_permission_answer(&body(&id))
            .await
            .expect_err("not a member");
        assert_eq!(
            (refused.error().status().as_u16(), refused.error().code()),
            (403, "not_a_member"),
            "{id:?}"
        );
    }
}

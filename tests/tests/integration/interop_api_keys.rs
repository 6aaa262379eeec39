//! API keys created through the REAL Better Auth API key plugin (`@better-auth/api-key`),
//! accepted from `x-api-key` by hash lookup in its `apikey` table; disabled, expired, exhausted,
//! deleted and unknown keys refused; permissions exposed. Better Auth's own `api-key/verify`
//! gives the verdict alongside.

use better_auth_core::{
    AuthConfig, AuthError, Authenticator, SecretSet, Via,
    http::{HeaderMap, HeaderValue},
    store::{self, SqlOptions},
};
use better_auth_tests::{SECRET, better_auth::BetterAuthServer, db::TestDb};
use serde_json::{Value, json};

fn api_key_headers(key: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("x-api-key", HeaderValue::from_str(key).unwrap());
    headers
}

async fn create_key(server: &BetterAuthServer, cookie: &str, name: &str) -> Value {
    let response = server
        .post("/api-key/create", json!({"name": name}), Some(cookie))
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "api-key/create: {status} {body}");
    body
}

/// Better Auth's own verdict (`auth.api.verifyApiKey`, server-only: through the harness hook):
/// `Ok(())` for a valid key, `Err(code)` with the plugin's error code for a refused one. A call
/// that throws is a failed test, never read as a refusal. (Each call spends one of the key's
/// requests, as the plugin counts them.)
async fn verify_with_better_auth(server: &BetterAuthServer, key: &str) -> Result<(), String> {
    let verdict = server
        .test_hook("verify-api-key", json!({"key": key}))
        .await;
    assert!(
        verdict.get("thrown").is_none(),
        "Better Auth threw instead of answering: {verdict}"
    );
    match (&verdict["valid"], verdict["error"]["code"].as_str()) {
        (Value::Bool(true), None) => Ok(()),
        (Value::Bool(false), Some(code)) => Err(code.to_owned()),
        _ => panic!("not a verifyApiKey result: {verdict}"),
    }
}

async fn run(db: TestDb) {
    let server = BetterAuthServer::start(db.server_config(json!({"apiKey": {}}))).await;
    let signed = server
        .sign_up(
            &format!("keys-{}@example.com", db.kind()),
            "correct horse battery",
            "Key Owner",
        )
        .await;
    let cookie = signed.cookie_header();
    let created = create_key(&server, &cookie, "ci").await;
    let key = created["key"]
        .as_str()
        .expect("the plain key, shown once")
        .to_owned();
    let id = created["id"].as_str().unwrap().to_owned();

    let (sessions, api_keys) = store::connect_with_api_keys(&db.url(), SqlOptions::default())
        .await
        .unwrap();
    let auth = Authenticator::builder(AuthConfig::new(SecretSet::single(SECRET).unwrap()))
        .session_store_arc(sessions)
        .api_key_store_arc(api_keys.expect("the apikey table is there"))
        .build()
        .unwrap();

    // Accepted: the owner, via the API key, its metadata.
    assert_eq!(verify_with_better_auth(&server, &key).await, Ok(()));
    let identity = auth.authenticate(&api_key_headers(&key)).await.unwrap();
    assert_eq!(identity.via, Via::ApiKey);
    assert_eq!(identity.user.id, signed.user_id());
    assert!(identity.session.is_none());
    let api_key = identity.api_key.as_ref().unwrap();
    assert_eq!(
        (api_key.id.as_str(), api_key.name.as_deref()),
        (id.as_str(), Some("ci"))
    );
    assert_eq!(api_key.enabled, Some(true));

    // Permissions (set server-side) are exposed.
    db.execute(
        r#"UPDATE "apikey" SET "permissions" = '{"files":["read","write"]}' WHERE "id" = {}"#,
        &id,
    )
    .await;
    let identity = auth.authenticate(&api_key_headers(&key)).await.unwrap();
    let api_key = identity.api_key.as_ref().unwrap();
    assert!(api_key.allows("files", "write"));
    assert!(!api_key.allows("billing", "read"));

    // Short, unknown and tampered keys: a key shorter than the configuration's 64 characters
    // is refused before any lookup (403, as Better Auth's session hook refuses it).
    let error = auth
        .authenticate(&api_key_headers("definitely-not-a-key"))
        .await
        .unwrap_err();
    assert!(matches!(error, AuthError::ApiKeyTooShort), "{error:?}");
    assert_eq!(
        (error.status().as_u16(), error.better_auth_code()),
        (403, Some("INVALID_API_KEY"))
    );
    let error = auth
        .authenticate(&api_key_headers(&"Zq".repeat(32)))
        .await
        .unwrap_err();
    assert!(
        matches!(error, AuthError::InvalidApiKey { .. }),
        "{error:?}"
    );
    let mut tampered = key.clone();
    tampered.replace_range(0..1, if key.starts_with('a') { "b" } else { "a" });
    assert_eq!(
        verify_with_better_auth(&server, &tampered).await,
        Err("INVALID_API_KEY".to_owned())
    );
    assert!(matches!(
        auth.authenticate(&api_key_headers(&tampered)).await,
        Err(AuthError::InvalidApiKey { .. })
    ));

    // Disabled through the plugin.
    let response = server
        .post(
            "/api-key/update",
            json!({"keyId": id, "enabled": false}),
            Some(&cookie),
        )
        .await;
    assert!(
        response.status().is_success(),
        "api-key/update: {}",
        response.status()
    );
    assert_eq!(
        verify_with_better_auth(&server, &key).await,
        Err("KEY_DISABLED".to_owned())
    );
    let error = auth.authenticate(&api_key_headers(&key)).await.unwrap_err();
    assert_eq!(
        (error.status().as_u16(), error.better_auth_code()),
        (401, Some("KEY_DISABLED"))
    );

    // Exhausted: a second key with no requests left: 429 USAGE_EXCEEDED here, and the key is
    // deleted as Better Auth deletes it (checked on a third key: Better Auth's own verdict on
    // the same state), after which both say it is unknown.
    let second = create_key(&server, &cookie, "second").await;
    let second_key = second["key"].as_str().unwrap().to_owned();
    let second_id = second["id"].as_str().unwrap().to_owned();
    auth.authenticate(&api_key_headers(&second_key))
        .await
        .unwrap();
    db.execute(
        r#"UPDATE "apikey" SET "remaining" = 0 WHERE "id" = {}"#,
        &second_id,
    )
    .await;
    let error = auth
        .authenticate(&api_key_headers(&second_key))
        .await
        .unwrap_err();
    assert_eq!(
        (
            error.status().as_u16(),
            error.code(),
            error.better_auth_code()
        ),
        (429, "api_key_exhausted", Some("USAGE_EXCEEDED"))
    );
    assert_eq!(
        verify_with_better_auth(&server, &second_key).await,
        Err("INVALID_API_KEY".to_owned()),
        "we deleted the exhausted key"
    );
    assert!(matches!(
        auth.authenticate(&api_key_headers(&second_key)).await,
        Err(AuthError::InvalidApiKey { .. })
    ));
    let fifth = create_key(&server, &cookie, "fifth").await;
    let fifth_key = fifth["key"].as_str().unwrap().to_owned();
    db.execute(
        r#"UPDATE "apikey" SET "remaining" = 0 WHERE "id" = {}"#,
        fifth["id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(
        verify_with_better_auth(&server, &fifth_key).await,
        Err("USAGE_EXCEEDED".to_owned())
    );
    assert_eq!(
        verify_with_better_auth(&server, &fifth_key).await,
        Err("INVALID_API_KEY".to_owned()),
        "Better Auth deletes the exhausted key too"
    );

    // Expired: 401 here, KEY_EXPIRED there.
    let fourth = create_key(&server, &cookie, "fourth").await;
    let fourth_key = fourth["key"].as_str().unwrap().to_owned();
    let fourth_id = fourth["id"].as_str().unwrap().to_owned();
    auth.authenticate(&api_key_headers(&fourth_key))
        .await
        .unwrap();
    let past = match db.kind() {
        "postgres" => "now() - interval '1 minute'",
        "mysql" => "UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE",
        _ => "'2020-01-01T00:00:00.000Z'",
    };
    db.execute(
        &format!(r#"UPDATE "apikey" SET "expiresAt" = {past} WHERE "id" = {{}}"#),
        &fourth_id,
    )
    .await;
    let error = auth
        .authenticate(&api_key_headers(&fourth_key))
        .await
        .unwrap_err();
    assert_eq!(
        (
            error.status().as_u16(),
            error.code(),
            error.better_auth_code()
        ),
        (401, "api_key_expired", Some("KEY_EXPIRED"))
    );
    // Better Auth deletes an expired key when it refuses it; so do we.
    assert_eq!(
        verify_with_better_auth(&server, &fourth_key).await,
        Err("INVALID_API_KEY".to_owned())
    );

    // Deleted through the plugin.
    let third = create_key(&server, &cookie, "third").await;
    let third_key = third["key"].as_str().unwrap().to_owned();
    auth.authenticate(&api_key_headers(&third_key))
        .await
        .unwrap();
    let response = server
        .post(
            "/api-key/delete",
            json!({"keyId": third["id"]}),
            Some(&cookie),
        )
        .await;
    assert!(
        response.status().is_success(),
        "api-key/delete: {}",
        response.status()
    );
    assert!(matches!(
        auth.authenticate(&api_key_headers(&third_key)).await,
        Err(AuthError::InvalidApiKey { .. })
    ));
}

#[tokio::test]
async fn sqlite_api_keys_match_better_auth() {
    run(TestDb::sqlite()).await;
}

#[tokio::test]
async fn postgres_api_keys_match_better_auth() {
    run(TestDb::postgres().await).await;
}

#[tokio::test]
async fn mysql_api_keys_match_better_auth() {
    run(TestDb::mysql().await).await;
}

/// `BETTER_AUTH_API_KEYS=true` with the sessions in the same `DATABASE_URL`: one pool serves both,
/// of `BETTER_AUTH_DB_POOL_SIZE` connections, however many requests of both kinds arrive.
#[tokio::test]
async fn sessions_and_api_keys_share_one_pool_of_the_configured_size() {
    const POOL_SIZE: usize = 2;
    let db = TestDb::postgres().await;
    let server = BetterAuthServer::start(db.server_config(json!({"apiKey": {}}))).await;
    let signed = server
        .sign_up("pool@example.com", "correct horse battery", "Pool")
        .await;
    let cookie = signed.cookie_header();
    // Every use is counted: a key without the default rate limit (10 a day) serves them all.
    let created = server
        .test_hook(
            "create-api-key",
            json!({"name": "pool", "userId": signed.user_id(), "rateLimitEnabled": false}),
        )
        .await;
    let key = created["key"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    // Our connections carry their own application name, apart from Better Auth's.
    let url = format!("{}?application_name=better-auth-rs-pool-test", db.url());
    let pool_size = POOL_SIZE.to_string();
    let vars = [
        ("BETTER_AUTH_SECRET", SECRET),
        ("DATABASE_URL", url.as_str()),
        ("BETTER_AUTH_API_KEYS", "true"),
        ("BETTER_AUTH_DB_POOL_SIZE", pool_size.as_str()),
    ];
    let auth = better_auth_core::EnvSettings::from_vars(|name| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    })
    .unwrap()
    .authenticator()
    .await
    .unwrap();

    let mut cookie_headers = HeaderMap::new();
    cookie_headers.insert("cookie", HeaderValue::from_str(&cookie).unwrap());
    let requests = (0..64).map(|n| {
        let auth = auth.clone();
        let headers = if n % 2 == 0 {
            cookie_headers.clone()
        } else {
            api_key_headers(&key)
        };
        tokio::spawn(async move {
            auth.authenticate(&headers)
                .await
                .map(|identity| identity.via)
        })
    });
    let mut vias = Vec::new();
    for request in requests {
        vias.push(request.await.unwrap().unwrap());
    }
    assert!(vias.contains(&Via::Cookie) && vias.contains(&Via::ApiKey));

    let observer = sqlx::PgPool::connect(&db.url()).await.unwrap();
    let (ours,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = 'better-auth-rs-pool-test'",
    )
    .fetch_one(&observer)
    .await
    .unwrap();
    assert!(ours >= 1, "the test sees our connections");
    assert!(
        ours <= POOL_SIZE as i64,
        "{ours} connections for a pool of {POOL_SIZE}: a second pool is open"
    );
}

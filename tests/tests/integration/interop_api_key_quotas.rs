//! API key quotas that count (issue 11, item 4): keys the REAL Better Auth API key plugin
//! creates with server-only properties (`remaining`, refill, rate limit) are consumed by our
//! authenticator, then read back by Better Auth (its adapter's view of the row, and its own
//! `verifyApiKey` on the row we wrote): both count the same uses, refuse with the same codes,
//! and delete an exhausted key alike. 100 concurrent requests on a key with 10 uses left get
//! exactly 10 successes on PostgreSQL, MariaDB and SQLite.

use std::time::Duration;

use better_auth_core::{
    ApiKeyConfig, ApiKeyOwner, ApiKeyUsage, AuthConfig, AuthError, Authenticator, ErrorResponse,
    Identity,
    http::HeaderMap,
    store::{self, SqlOptions},
};
use better_auth_tests::{better_auth::BetterAuthServer, db::TestDb, test_config};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

fn api_key_headers(key: &str) -> HeaderMap {
    better_auth_tests::header_map(&[("x-api-key", key)])
}

/// A Better Auth server with the API key plugin (`plugin` its options) on `db`, a signed-up
/// user, and our authenticator (`usage`) on the same database.
struct Setup {
    server: BetterAuthServer,
    user_id: String,
    auth: Authenticator,
}

impl Setup {
    async fn start(db: &TestDb, plugins: Value, usage: ApiKeyUsage) -> Self {
        let server = BetterAuthServer::start(db.server_config(plugins)).await;
        let signed = server
            .sign_up(
                &format!("quota-{}@example.com", db.kind()),
                "correct horse battery",
                "Quota Owner",
            )
            .await;
        let auth = authenticator(db, usage).await;
        Self {
            server,
            user_id: signed.user_id(),
            auth,
        }
    }

    /// A key Better Auth creates server-side for the user, with `body`'s server-only
    /// properties: (plain key, id).
    async fn create_key(&self, mut body: Value) -> (String, String) {
        body["userId"] = json!(self.user_id);
        let created = self.server.test_hook("create-api-key", body).await;
        let (Some(key), Some(id)) = (created["key"].as_str(), created["id"].as_str()) else {
            panic!("createApiKey: {created}\n{}", self.server.stderr());
        };
        (key.to_owned(), id.to_owned())
    }

    /// Better Auth's own reading of the row (its adapter), `Null` once deleted.
    async fn row(&self, id: &str) -> Value {
        let answer = self
            .server
            .test_hook("api-key-row", json!({"id": id}))
            .await;
        assert!(
            answer.get("thrown").is_none(),
            "Better Auth threw: {answer}"
        );
        answer["row"].clone()
    }

    /// Better Auth's `verifyApiKey` (which counts a use too): `Ok(key)` or `Err(error)`.
    async fn verify_with_better_auth(&self, key: &str) -> Result<Value, Value> {
        let verdict = self
            .server
            .test_hook("verify-api-key", json!({"key": key}))
            .await;
        assert!(
            verdict.get("thrown").is_none(),
            "Better Auth threw instead of answering: {verdict}"
        );
        match &verdict["valid"] {
            Value::Bool(true) => Ok(verdict["key"].clone()),
            Value::Bool(false) => Err(verdict["error"].clone()),
            _ => panic!("not a verifyApiKey result: {verdict}"),
        }
    }

    async fn ours(&self, key: &str) -> Result<Identity, AuthError> {
        self.auth.authenticate(&api_key_headers(key)).await
    }
}

async fn authenticator(db: &TestDb, usage: ApiKeyUsage) -> Authenticator {
    authenticator_with(db, usage, ApiKeyConfig::default_sessions()).await
}

/// Our authenticator with one API key configuration, mirroring the plugin's.
async fn authenticator_with(
    db: &TestDb,
    usage: ApiKeyUsage,
    api_keys_config: ApiKeyConfig,
) -> Authenticator {
    let (sessions, api_keys) = store::connect_with_api_keys(&db.url(), SqlOptions::default())
        .await
        .unwrap();
    let mut config: AuthConfig = test_config();
    config.api_key_usage = usage;
    config.api_key_configs = vec![api_keys_config];
    Authenticator::builder(config)
        .session_store_arc(sessions)
        .api_key_store_arc(api_keys.expect("the apikey table is there"))
        .build()
        .unwrap()
}

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .unwrap_or_else(|| panic!("not a date: {value}"))
        .with_timezone(&Utc)
}

/// Asserts a date Better Auth read back is `within` of `now`, to the millisecond.
fn recent(value: &Value, now: DateTime<Utc>) {
    let at = time(value);
    assert!(
        (now - at).num_milliseconds().abs() < 5_000,
        "{value} is not about now ({now})"
    );
    assert_eq!(at.timestamp_subsec_nanos() % 1_000_000, 0, "{value}");
}

/// `remaining` counts down in both, Better Auth's verify works on rows we wrote, the key is
/// deleted on the first call that finds no use left, and is then unknown to both.
async fn remaining_counts_down(db: &TestDb, setup: &Setup) {
    let (key, id) = setup
        .create_key(json!({"remaining": 5, "rateLimitEnabled": false}))
        .await;
    let created = setup.row(&id).await;
    for left in [4, 3] {
        let identity = setup.ours(&key).await.unwrap();
        assert_eq!(identity.user.id, setup.user_id);
        assert_eq!(identity.api_key.as_ref().unwrap().remaining, Some(left));
        let row = setup.row(&id).await;
        assert_eq!(row["remaining"], left, "{row}");
        assert_eq!(row["requestCount"], 0, "rate limit off: not counted");
        recent(&row["lastRequest"], Utc::now());
        recent(&row["updatedAt"], Utc::now());
        assert!(time(&row["updatedAt"]) >= time(&created["updatedAt"]));
    }
    // Better Auth reads the row we wrote and counts on from it.
    let verified = setup.verify_with_better_auth(&key).await.unwrap();
    assert_eq!(verified["remaining"], 2, "{verified}");
    assert_eq!(
        setup.ours(&key).await.unwrap().api_key.unwrap().remaining,
        Some(1)
    );
    assert_eq!(
        setup.ours(&key).await.unwrap().api_key.unwrap().remaining,
        Some(0)
    );
    assert_eq!(setup.row(&id).await["remaining"], 0);
    // The call that finds none left: USAGE_EXCEEDED, 429, and the row is gone.
    let error = setup.ours(&key).await.unwrap_err();
    assert_eq!(
        (
            error.status().as_u16(),
            error.code(),
            error.better_auth_code()
        ),
        (429, "api_key_exhausted", Some("USAGE_EXCEEDED"))
    );
    assert_eq!(
        setup.row(&id).await,
        Value::Null,
        "the exhausted key is deleted"
    );
    assert_eq!(
        setup.verify_with_better_auth(&key).await.unwrap_err()["code"],
        "INVALID_API_KEY"
    );
    assert!(matches!(
        setup.ours(&key).await,
        Err(AuthError::InvalidApiKey { .. })
    ));
    if let TestDb::Sqlite { path, .. } = db {
        sqlite_dates_are_iso_text(path, setup).await;
    }
}

/// On SQLite, the dates we write are the text `toISOString()` writes.
async fn sqlite_dates_are_iso_text(path: &std::path::Path, setup: &Setup) {
    let (key, id) = setup
        .create_key(json!({"remaining": 2, "refillAmount": 2, "refillInterval": 1}))
        .await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    setup.ours(&key).await.unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let (last_request, updated_at, last_refill_at): (String, String, String) = sqlx::query_as(
        r#"SELECT "lastRequest", "updatedAt", "lastRefillAt" FROM "apikey" WHERE "id" = ?1"#,
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .unwrap();
    for text in [last_request, updated_at, last_refill_at] {
        let parsed = DateTime::parse_from_rfc3339(&text).unwrap();
        assert_eq!(
            parsed
                .with_timezone(&Utc)
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string(),
            text,
            "written as toISOString() writes it"
        );
    }
    pool.close().await;
}

/// The per-key rate limit: 2 per 10 s; the third call is RATE_LIMITED with when to retry,
/// still spends `remaining` and leaves `lastRequest`; Better Auth agrees on the row we wrote.
async fn rate_limit(setup: &Setup) {
    let (key, id) = setup
        .create_key(json!({
            "remaining": 5, "rateLimitEnabled": true, "rateLimitTimeWindow": 10_000, "rateLimitMax": 2,
        }))
        .await;
    setup.ours(&key).await.unwrap();
    assert_eq!(setup.row(&id).await["requestCount"], 1);
    setup.ours(&key).await.unwrap();
    let allowed = setup.row(&id).await;
    assert_eq!(
        (&allowed["requestCount"], &allowed["remaining"]),
        (&json!(2), &json!(3))
    );
    let error = setup.ours(&key).await.unwrap_err();
    let AuthError::ApiKeyRateLimited { try_again_in } = error else {
        panic!("{error:?}")
    };
    assert!(
        try_again_in > Duration::from_secs(8) && try_again_in <= Duration::from_secs(10),
        "{try_again_in:?}"
    );
    assert_eq!(error.better_auth_code(), Some("RATE_LIMITED"));
    let response = ErrorResponse::json(&error);
    assert_eq!(response.status, 429);
    let retry_after = response
        .headers
        .iter()
        .find(|(name, _)| *name == "retry-after")
        .map(|(_, value)| value.clone());
    assert_eq!(
        retry_after.as_deref(),
        Some(try_again_in.as_millis().div_ceil(1000).to_string().as_str())
    );
    let body: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(body["code"], "api_key_rate_limited");
    assert_eq!(
        body["details"]["tryAgainIn"],
        try_again_in.as_millis() as u64
    );
    let denied = setup.row(&id).await;
    assert_eq!(
        denied["remaining"], 2,
        "a rate-limited call still spends remaining"
    );
    assert_eq!(denied["requestCount"], 2);
    assert_eq!(
        denied["lastRequest"], allowed["lastRequest"],
        "a denied call leaves lastRequest"
    );
    // Better Auth, on the row we wrote: rate limited too, with a shorter wait.
    let refused = setup.verify_with_better_auth(&key).await.unwrap_err();
    assert_eq!(refused["code"], "RATE_LIMITED", "{refused}");
    let their_wait = refused["details"]["tryAgainIn"].as_u64().unwrap();
    assert!(their_wait <= try_again_in.as_millis() as u64, "{refused}");
    assert_eq!(setup.row(&id).await["remaining"], 1);
}

/// Refill: a key with none left and a refill due gets `refillAmount - 1`, `lastRefillAt` now;
/// before it is due it is refused (429) but kept, as Better Auth does with a refill set.
async fn refill(setup: &Setup) {
    let (key, id) = setup
        .create_key(json!({
            "remaining": 1, "refillAmount": 3, "refillInterval": 1500, "rateLimitEnabled": false,
        }))
        .await;
    setup.ours(&key).await.unwrap();
    let error = setup.ours(&key).await.unwrap_err();
    assert_eq!(error.better_auth_code(), Some("USAGE_EXCEEDED"));
    let kept = setup.row(&id).await;
    assert_eq!(kept["remaining"], 0, "kept: a refill is coming ({kept})");
    assert_eq!(
        setup.verify_with_better_auth(&key).await.unwrap_err()["code"],
        "USAGE_EXCEEDED"
    );
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let identity = setup.ours(&key).await.unwrap();
    assert_eq!(identity.api_key.unwrap().remaining, Some(2));
    let refilled = setup.row(&id).await;
    assert_eq!(refilled["remaining"], 2, "{refilled}");
    recent(&refilled["lastRefillAt"], Utc::now());
    // Better Auth reads our lastRefillAt: no second refill, one more use.
    let verified = setup.verify_with_better_auth(&key).await.unwrap();
    assert_eq!(verified["remaining"], 1, "{verified}");
}

async fn quotas(db: TestDb) {
    let setup = Setup::start(&db, json!({"apiKey": {}}), ApiKeyUsage::Count).await;
    remaining_counts_down(&db, &setup).await;
    rate_limit(&setup).await;
    refill(&setup).await;
}

#[tokio::test]
async fn sqlite_quotas_count_like_better_auth() {
    quotas(TestDb::sqlite()).await;
}

#[tokio::test]
async fn postgres_quotas_count_like_better_auth() {
    quotas(TestDb::postgres().await).await;
}

#[tokio::test]
async fn mysql_quotas_count_like_better_auth() {
    quotas(TestDb::mysql().await).await;
}

/// 100 concurrent requests, 10 uses left: exactly 10 pass, the 90 others are refused with
/// USAGE_EXCEEDED (or INVALID_API_KEY once the row is deleted), never a 5xx.
async fn exactly_ten_of_a_hundred(db: TestDb) {
    let setup = Setup::start(&db, json!({"apiKey": {}}), ApiKeyUsage::Count).await;
    let (key, id) = setup
        .create_key(json!({"remaining": 10, "rateLimitEnabled": false}))
        .await;
    let requests: Vec<_> = (0..100)
        .map(|_| {
            let auth = setup.auth.clone();
            let headers = api_key_headers(&key);
            tokio::spawn(async move { auth.authenticate(&headers).await })
        })
        .collect();
    let (mut passed, mut exhausted, mut unknown) = (0, 0, 0);
    for request in requests {
        match request.await.unwrap() {
            Ok(_) => passed += 1,
            Err(AuthError::ApiKeyExhausted) => exhausted += 1,
            Err(AuthError::InvalidApiKey { .. }) => unknown += 1,
            Err(other) => panic!("{} ({}): {other}", other.status(), other.code()),
        }
    }
    assert_eq!(
        passed,
        10,
        "{passed} passed, {exhausted} exhausted, {unknown} unknown ({})",
        db.kind()
    );
    assert_eq!(exhausted + unknown, 90);
    assert!(exhausted >= 1, "the first refusal deletes the key");
    assert_eq!(setup.row(&id).await, Value::Null);
}

#[tokio::test]
async fn sqlite_hundred_concurrent_uses_of_ten() {
    exactly_ten_of_a_hundred(TestDb::sqlite()).await;
}

#[tokio::test]
async fn postgres_hundred_concurrent_uses_of_ten() {
    exactly_ten_of_a_hundred(TestDb::postgres().await).await;
}

#[tokio::test]
async fn mysql_hundred_concurrent_uses_of_ten() {
    exactly_ten_of_a_hundred(TestDb::mysql().await).await;
}

/// Organization-owned keys (`references: "organization"`): Better Auth's get-session counts
/// the use, then refuses the key with 401 INVALID_REFERENCE_ID_FROM_API_KEY (its session needs
/// a user). We do the same.
#[tokio::test]
async fn organization_keys_are_counted_then_refused_like_better_auth() {
    let db = TestDb::sqlite();
    let mut setup = Setup::start(
        &db,
        json!({
            "organization": {},
            "apiKey": {"references": "organization", "enableSessionForAPIKeys": true},
        }),
        ApiKeyUsage::Count,
    )
    .await;
    setup.auth = authenticator_with(
        &db,
        ApiKeyUsage::Count,
        ApiKeyConfig::default_sessions().with_references(ApiKeyOwner::Organization),
    )
    .await;
    let org = setup
        .server
        .test_hook(
            "create-organization",
            json!({"name": "Acme", "slug": "acme", "userId": setup.user_id}),
        )
        .await;
    let org_id = org["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{org}"))
        .to_owned();
    let (key, id) = setup
        .create_key(json!({"organizationId": org_id, "remaining": 5}))
        .await;
    assert_eq!(setup.row(&id).await["referenceId"], json!(org_id));

    // Better Auth: get-session with the key spends a use, then refuses it.
    let response = setup
        .server
        .get("/get-session", {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert("x-api-key", key.parse().unwrap());
            headers
        })
        .await;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (status, &body["code"]),
        (401, &json!("INVALID_REFERENCE_ID_FROM_API_KEY")),
        "{body}"
    );
    assert_eq!(setup.row(&id).await["remaining"], 4);

    // Us: the same refusal, after the same count.
    let error = setup.ours(&key).await.unwrap_err();
    assert_eq!(
        (error.status().as_u16(), error.better_auth_code()),
        (401, Some("INVALID_REFERENCE_ID_FROM_API_KEY"))
    );
    assert!(matches!(error, AuthError::ApiKeyNotUserOwned), "{error:?}");
    let row = setup.row(&id).await;
    assert_eq!(
        (&row["remaining"], &row["requestCount"]),
        (&json!(3), &json!(2))
    );
}

/// `ApiKeyUsage::ReadOnly`: keys are checked, nothing is written.
#[tokio::test]
async fn read_only_mode_writes_nothing() {
    let db = TestDb::sqlite();
    let setup = Setup::start(&db, json!({"apiKey": {}}), ApiKeyUsage::ReadOnly).await;
    let (key, id) = setup.create_key(json!({"remaining": 2})).await;
    let before = setup.row(&id).await;
    for _ in 0..5 {
        setup.ours(&key).await.unwrap();
    }
    assert_eq!(setup.row(&id).await, before, "the row is untouched");
}

//! Several API key configurations (issue 22, findings 3 and 10): a REAL Better Auth with
//! `apiKey([...])` and our authenticator from the environment with the same options as JSON
//! (`BETTER_AUTH_API_KEY_CONFIGS`), asked about the same requests. For each kind of key (a
//! session configuration's, a configuration without sessions', an organization
//! configuration's on either header, a prefixed key of a shorter `defaultKeyLength` on its own
//! header and on another, a short key, an unknown key) and each of them beside another user's
//! session cookie, our verdict is Better Auth's own `get-session`: the same user, or the same
//! status and Better Auth code. The uses counted (or not) are read back by Better Auth.

use better_auth_core::{AuthError, Authenticator, EnvSettings};
use better_auth_tests::{
    LETTERS, SECRET, better_auth::BetterAuthServer, db::TestDb, header_map, random_text,
};
use serde_json::{Value, json};

/// The plugin's options, given as they are to Better Auth's `apiKey()` and to us. Each key's
/// own rate limit is off: every case uses its key twice (Better Auth, then us).
fn configurations() -> Value {
    let no_limit = json!({"enabled": false});
    json!([
        {"configId": "sessions", "enableSessionForAPIKeys": true, "rateLimit": no_limit},
        {"configId": "plain", "rateLimit": no_limit},
        {"configId": "orgs", "references": "organization", "apiKeyHeaders": "x-org-key",
         "enableSessionForAPIKeys": true, "rateLimit": no_limit},
        {"configId": "pref", "defaultPrefix": "ba_", "defaultKeyLength": 32,
         "apiKeyHeaders": "x-pref-key", "enableSessionForAPIKeys": true, "rateLimit": no_limit},
    ])
}

/// A request's headers, (name, value).
type Headers = Vec<(String, String)>;

/// A verdict on a request: whose session it is, none, or a refusal (status, Better Auth's code).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    User(String),
    NoSession,
    Refused(u16, String),
}

fn user(id: &str) -> Verdict {
    Verdict::User(id.to_owned())
}

fn refused(status: u16, code: &str) -> Verdict {
    Verdict::Refused(status, code.to_owned())
}

/// Better Auth's own verdict: `GET /get-session` with these headers.
async fn theirs(server: &BetterAuthServer, headers: &[(&str, String)]) -> Verdict {
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let response = server.get("/get-session", header_map(&pairs)).await;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    match (status, &body) {
        (200, Value::Null) => Verdict::NoSession,
        (200, body) => match &body["user"]["id"] {
            Value::String(id) => user(id),
            Value::Number(id) => user(&id.to_string()),
            other => panic!("get-session answered 200 without a user id: {other}"),
        },
        (status, body) => Verdict::Refused(
            status,
            body["code"]
                .as_str()
                .unwrap_or_else(|| panic!("a refusal without a code: {status} {body}"))
                .to_owned(),
        ),
    }
}

/// Our verdict on the same headers.
async fn ours(auth: &Authenticator, headers: &[(&str, String)]) -> Verdict {
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    match auth.authenticate(&header_map(&pairs)).await {
        Ok(identity) => Verdict::User(identity.user.id.clone()),
        Err(AuthError::MissingCredentials) => Verdict::NoSession,
        Err(error) => Verdict::Refused(
            error.status().as_u16(),
            error
                .better_auth_code()
                .unwrap_or_else(|| error.code())
                .to_owned(),
        ),
    }
}

/// Our authenticator from the environment a deployment sets: the database, and the plugin's
/// options as JSON.
async fn authenticator(db: &TestDb, configurations: &Value) -> Authenticator {
    let url = db.url();
    let json = configurations.to_string();
    let vars = [
        ("BETTER_AUTH_SECRET", SECRET),
        ("DATABASE_URL", url.as_str()),
        ("BETTER_AUTH_API_KEY_CONFIGS", json.as_str()),
    ];
    EnvSettings::from_vars(|name| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    })
    .unwrap()
    .authenticator()
    .await
    .unwrap()
}

/// A key Better Auth creates server-side (`body`: `configId`, `userId` or `organizationId`,
/// server-only fields): (plain key, id).
async fn create_key(server: &BetterAuthServer, body: Value) -> (String, String) {
    let created = server.test_hook("create-api-key", body).await;
    let (Some(key), Some(id)) = (created["key"].as_str(), created["id"].as_str()) else {
        panic!("createApiKey: {created}\n{}", server.stderr());
    };
    (key.to_owned(), id.to_owned())
}

/// Better Auth's reading of a key's row (its adapter).
async fn row(server: &BetterAuthServer, id: &str) -> Value {
    let answer = server.test_hook("api-key-row", json!({"id": id})).await;
    assert!(
        answer.get("thrown").is_none(),
        "Better Auth threw: {answer}"
    );
    answer["row"].clone()
}

async fn configs_match_better_auth(db: TestDb) {
    let mut config = db.server_config(json!({"organization": {}, "apiKey": configurations()}));
    // Production's rate limiter on (Better Auth's own, per client address).
    config["options"] = json!({"rateLimit": {"enabled": true}});
    let server = BetterAuthServer::start(config).await;
    let alice = server
        .sign_up(
            &format!("alice-{}@example.com", db.kind()),
            "correct horse battery",
            "Alice",
        )
        .await;
    let bob = server
        .sign_up(
            &format!("bob-{}@example.com", db.kind()),
            "correct horse battery",
            "Bob",
        )
        .await;
    let alice_id = alice.user_id();
    let bob_cookie = bob.cookie_header();

    let (sessions_key, _) =
        create_key(&server, json!({"configId": "sessions", "userId": alice_id})).await;
    let (plain_key, plain_id) = create_key(
        &server,
        json!({"configId": "plain", "userId": alice_id, "remaining": 10}),
    )
    .await;
    let org = server
        .test_hook(
            "create-organization",
            json!({"name": "Acme", "slug": format!("acme-{}", db.kind()), "userId": alice_id}),
        )
        .await;
    let org_id = org["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{org}"))
        .to_owned();
    let (orgs_key, orgs_id) = create_key(
        &server,
        json!({"configId": "orgs", "organizationId": org_id, "userId": alice_id, "remaining": 10}),
    )
    .await;
    let (pref_key, _) = create_key(&server, json!({"configId": "pref", "userId": alice_id})).await;
    assert!(
        pref_key.starts_with("ba_") && pref_key.len() == 35,
        "the prefix counts toward the length: {pref_key}"
    );
    let short_key = "a".repeat(20);
    let random_key = random_text(64, LETTERS);

    let auth = authenticator(&db, &configurations()).await;
    let key = |header: &str, value: &str| vec![(header.to_owned(), value.to_owned())];
    let with_cookie = |mut headers: Headers| {
        headers.push(("cookie".to_owned(), bob_cookie.clone()));
        headers
    };
    let cases: Vec<(&str, Headers, Verdict)> = vec![
        (
            "a session configuration's key",
            key("x-api-key", &sessions_key),
            user(&alice_id),
        ),
        (
            "a key of a configuration without sessions",
            key("x-api-key", &plain_key),
            refused(401, "INVALID_API_KEY"),
        ),
        (
            "an organization configuration's key on another configuration's header",
            key("x-api-key", &orgs_key),
            refused(401, "INVALID_API_KEY"),
        ),
        (
            "an organization configuration's key on its header",
            key("x-org-key", &orgs_key),
            refused(401, "INVALID_REFERENCE_ID_FROM_API_KEY"),
        ),
        (
            "a prefixed key on its header",
            key("x-pref-key", &pref_key),
            user(&alice_id),
        ),
        (
            "a prefixed key of 35 characters on a 64-character configuration's header",
            key("x-api-key", &pref_key),
            refused(403, "INVALID_API_KEY"),
        ),
        (
            "a 20-character key",
            key("x-api-key", &short_key),
            refused(403, "INVALID_API_KEY"),
        ),
        (
            "an unknown 64-character key",
            key("x-api-key", &random_key),
            refused(401, "INVALID_API_KEY"),
        ),
        (
            "a session key beside another user's cookie",
            with_cookie(key("x-api-key", &sessions_key)),
            user(&alice_id),
        ),
        (
            "an unknown key beside a valid cookie",
            with_cookie(key("x-api-key", &random_key)),
            refused(401, "INVALID_API_KEY"),
        ),
        (
            "a short key beside a valid cookie",
            with_cookie(key("x-api-key", &short_key)),
            refused(403, "INVALID_API_KEY"),
        ),
        (
            "a key without sessions beside a valid cookie",
            with_cookie(key("x-api-key", &plain_key)),
            refused(401, "INVALID_API_KEY"),
        ),
        (
            "an organization's key beside a valid cookie",
            with_cookie(key("x-org-key", &orgs_key)),
            refused(401, "INVALID_REFERENCE_ID_FROM_API_KEY"),
        ),
        (
            "a header no configuration reads, beside a valid cookie",
            with_cookie(key("x-plain-key", &plain_key)),
            user(&bob.user_id()),
        ),
    ];
    for (name, headers, expected) in &cases {
        let headers: Vec<(&str, String)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.clone()))
            .collect();
        let theirs = theirs(&server, &headers).await;
        let ours = ours(&auth, &headers).await;
        assert_eq!(
            (&theirs, &ours),
            (expected, expected),
            "{name} ({}): Better Auth, us",
            db.kind()
        );
    }

    // The organization's key was counted by both at each use (Better Auth counts, then refuses
    // it): 10 - 2 cases x 2; the key without sessions by neither.
    let orgs_row = row(&server, &orgs_id).await;
    assert_eq!(orgs_row["remaining"], 6, "{orgs_row}");
    let plain_row = row(&server, &plain_id).await;
    assert_eq!(
        (&plain_row["remaining"], &plain_row["lastRequest"]),
        (&json!(10), &Value::Null),
        "{plain_row}"
    );
}

#[tokio::test]
async fn postgres_api_key_configurations_match_better_auth() {
    configs_match_better_auth(TestDb::postgres().await).await;
}

#[tokio::test]
async fn sqlite_api_key_configurations_match_better_auth() {
    configs_match_better_auth(TestDb::sqlite()).await;
}

#[tokio::test]
async fn mysql_api_key_configurations_match_better_auth() {
    configs_match_better_auth(TestDb::mysql().await).await;
}

/// Without a configuration whose keys are sessions (the plugin's default), Better Auth does not
/// read the header at all: a key alone is no session, and beside a cookie the cookie decides.
#[tokio::test]
async fn without_session_configurations_the_cookie_decides() {
    let db = TestDb::sqlite();
    let server = BetterAuthServer::start(db.server_config(json!({"apiKey": {}}))).await;
    let alice = server
        .sign_up(
            "alice-nosessions@example.com",
            "correct horse battery",
            "Alice",
        )
        .await;
    let bob = server
        .sign_up("bob-nosessions@example.com", "correct horse battery", "Bob")
        .await;
    let (key, _) = create_key(&server, json!({"userId": alice.user_id()})).await;
    let auth = authenticator(&db, &json!({})).await;
    for (headers, expected) in [
        (vec![("x-api-key", key.clone())], Verdict::NoSession),
        (
            vec![("x-api-key", key.clone()), ("cookie", bob.cookie_header())],
            user(&bob.user_id()),
        ),
        (
            vec![
                ("x-api-key", "short".to_owned()),
                ("cookie", bob.cookie_header()),
            ],
            user(&bob.user_id()),
        ),
    ] {
        assert_eq!(
            (theirs(&server, &headers).await, ours(&auth, &headers).await),
            (expected.clone(), expected),
            "{headers:?}"
        );
    }
}

/// `generateId: "serial"`: user and organization ids are both numbers from 1, and `referenceId`
/// is text. An organization's key never stands for the user with the same number (the key row
/// is never joined to `user`); a user's key finds its user by id on PostgreSQL's integer
/// column (where comparing it with the text `referenceId` is no valid query).
async fn serial_ids(db: TestDb) {
    let mut config = db.server_config(json!({"organization": {}, "apiKey": configurations()}));
    config["options"] = json!({"advanced": {"database": {"generateId": "serial"}}});
    let server = BetterAuthServer::start(config).await;
    let alice = server
        .sign_up("serial@example.com", "correct horse battery", "Serial")
        .await;
    let alice_id = alice.user_id();
    let org = server
        .test_hook(
            "create-organization",
            json!({"name": "Acme", "slug": "acme", "userId": alice_id}),
        )
        .await;
    let org_id = match &org["id"] {
        Value::Number(id) => id.to_string(),
        Value::String(id) => id.clone(),
        other => panic!("{other}"),
    };
    assert_eq!(
        org_id, alice_id,
        "the organization and the user share a number"
    );
    let (orgs_key, _) = create_key(
        &server,
        json!({"configId": "orgs", "organizationId": org_id, "userId": alice_id}),
    )
    .await;
    let (sessions_key, _) =
        create_key(&server, json!({"configId": "sessions", "userId": alice_id})).await;
    let auth = authenticator(&db, &configurations()).await;
    for (headers, expected) in [
        (
            vec![("x-org-key", orgs_key)],
            refused(401, "INVALID_REFERENCE_ID_FROM_API_KEY"),
        ),
        (vec![("x-api-key", sessions_key)], user(&alice_id)),
    ] {
        assert_eq!(
            (theirs(&server, &headers).await, ours(&auth, &headers).await),
            (expected.clone(), expected),
            "{headers:?} ({})",
            db.kind()
        );
    }
}

#[tokio::test]
async fn mysql_serial_ids_keep_organization_keys_apart() {
    serial_ids(TestDb::mysql().await).await;
}

#[tokio::test]
async fn postgres_serial_ids_find_a_keys_user() {
    serial_ids(TestDb::postgres().await).await;
}

#[tokio::test]
async fn sqlite_serial_ids_keep_organization_keys_apart() {
    serial_ids(TestDb::sqlite()).await;
}

/// Finding 6: an unknown key takes no lock. On SQLite, while another connection holds the
/// database's write lock (`BEGIN IMMEDIATE`, as a Better Auth write does), an unknown key is
/// answered (401) instead of waiting for that lock (a 503 once the query timeout passes), and a
/// known key, whose use is counted, waits for the lock and is counted once it is released.
#[tokio::test]
async fn sqlite_unknown_keys_take_no_lock() {
    use sqlx::{Connection, Executor};
    let db = TestDb::sqlite();
    let server =
        BetterAuthServer::start(db.server_config(json!({"apiKey": configurations()}))).await;
    let alice = server
        .sign_up("lock@example.com", "correct horse battery", "Lock")
        .await;
    let (key, id) = create_key(
        &server,
        json!({"configId": "sessions", "userId": alice.user_id(), "remaining": 5}),
    )
    .await;
    let auth = authenticator(&db, &configurations()).await;
    let headers = |key: &str| header_map(&[("x-api-key", key)]);
    // The pool's connections are open before the lock is taken.
    auth.authenticate(&headers(&key)).await.unwrap();

    let mut writer = sqlx::SqliteConnection::connect(&db.url()).await.unwrap();
    writer.execute("BEGIN IMMEDIATE").await.unwrap();
    for _ in 0..3 {
        let verdict = auth.authenticate(&headers(&random_text(64, LETTERS))).await;
        assert!(
            matches!(verdict, Err(AuthError::InvalidApiKey { .. })),
            "an unknown key while the write lock is held: {verdict:?}"
        );
    }
    let counted = tokio::spawn({
        let auth = auth.clone();
        let headers = headers(&key);
        async move { auth.authenticate(&headers).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !counted.is_finished(),
        "a counted use waits for the write lock"
    );
    writer.execute("ROLLBACK").await.unwrap();
    let identity = counted.await.unwrap().unwrap();
    assert_eq!(identity.api_key.unwrap().remaining, Some(3));
    assert_eq!(row(&server, &id).await["remaining"], 3);
}

/// The counted use reads the row again under its lock and checks its configuration again: a key
/// of another configuration is not counted even when the store is asked to (a key's `configId`
/// does not change in Better Auth, so this only guards the store's own contract).
async fn the_counted_use_checks_the_configuration(db: TestDb) {
    use better_auth_core::{
        ApiKeyConfig,
        store::ApiKeyVerdict,
        store::{self, SqlOptions},
    };
    let server =
        BetterAuthServer::start(db.server_config(json!({"apiKey": configurations()}))).await;
    let alice = server
        .sign_up("recheck@example.com", "correct horse battery", "Recheck")
        .await;
    let (key, id) = create_key(
        &server,
        json!({"configId": "plain", "userId": alice.user_id(), "remaining": 5}),
    )
    .await;
    let (_, api_keys) = store::connect_with_api_keys(&db.url(), SqlOptions::default())
        .await
        .unwrap();
    let api_keys = api_keys.expect("the apikey table is there");
    let plain = ApiKeyConfig::new("plain");
    let stored = plain.stored_key(&key);
    let sessions = ApiKeyConfig::new("sessions").with_sessions(true);
    let verdict = api_keys.use_api_key(&stored, &sessions).await.unwrap();
    assert!(matches!(verdict, ApiKeyVerdict::Unknown), "{verdict:?}");
    assert_eq!(row(&server, &id).await["remaining"], 5, "not counted");
    let verdict = api_keys.use_api_key(&stored, &plain).await.unwrap();
    assert!(
        matches!(verdict, ApiKeyVerdict::Accepted { .. }),
        "{verdict:?}"
    );
    assert_eq!(row(&server, &id).await["remaining"], 4);
}

#[tokio::test]
async fn postgres_the_counted_use_checks_the_configuration() {
    the_counted_use_checks_the_configuration(TestDb::postgres().await).await;
}

#[tokio::test]
async fn sqlite_the_counted_use_checks_the_configuration() {
    the_counted_use_checks_the_configuration(TestDb::sqlite()).await;
}

#[tokio::test]
async fn mysql_the_counted_use_checks_the_configuration() {
    the_counted_use_checks_the_configuration(TestDb::mysql().await).await;
}

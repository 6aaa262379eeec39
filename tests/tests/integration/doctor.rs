//! The doctor (`better-auth-cli`) against a real Better Auth: `check` reports the service's
//! backends as they are, `explain` names the step that refuses each credential (and writes
//! nothing), every finding computed with the environment a service would have.

use std::collections::HashMap;

use better_auth_cli::{Report, Status};
use better_auth_tests::{SECRET, better_auth::BetterAuthServer, db::TestDb};
use serde_json::{Value, json};

struct Doctor {
    env: HashMap<&'static str, String>,
}

impl Doctor {
    fn new(db: &TestDb, server: &BetterAuthServer) -> Self {
        let env = HashMap::from([
            ("DATABASE_URL", db.url()),
            ("BETTER_AUTH_SECRET", SECRET.to_owned()),
            ("BETTER_AUTH_URL", server.base_url().to_owned()),
            ("BETTER_AUTH_API_KEYS", "true".to_owned()),
        ]);
        Self { env }
    }

    fn with(mut self, name: &'static str, value: &str) -> Self {
        self.env.insert(name, value.to_owned());
        self
    }

    async fn run(&self, args: &[&str]) -> Report {
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        let var = |name: &str| self.env.get(name).cloned();
        better_auth_cli::run(&args, &var).await.expect("a command")
    }
}

/// The finding about `topic`, asserting its status.
fn finding<'a>(report: &'a Report, topic: &str, status: Status) -> &'a str {
    let found = report
        .about(topic)
        .unwrap_or_else(|| panic!("no `{topic}` finding:\n{report}"));
    assert_eq!(found.status, status, "`{topic}`:\n{report}");
    &found.text
}

#[tokio::test]
async fn the_doctor_checks_and_explains_against_a_real_better_auth() {
    let db = TestDb::sqlite();
    let server = BetterAuthServer::start(db.server_config(json!({
        "bearer": {}, "jwt": {}, "admin": {}, "apiKey": {}
    })))
    .await;
    let alice = server
        .sign_up("doctor@example.com", "correct horse battery", "Doctor")
        .await;
    let cookie = alice.cookie_header();
    let jwt = server.get_jwt(&cookie).await;
    let doctor = Doctor::new(&db, &server);

    // check: everything answers.
    let report = doctor.run(&["check"]).await;
    assert_eq!(report.exit_code(), 0, "{report}");
    assert!(finding(&report, "cookie", Status::Info).contains("better-auth.session_token"));
    finding(&report, "database", Status::Ok);
    finding(&report, "api keys", Status::Ok);
    assert!(
        finding(&report, "jwks", Status::Ok).contains("1 key(s)"),
        "{report}"
    );
    finding(&report, "service", Status::Ok);
    // ... and the problems, each with its fix.
    let empty = tempfile::NamedTempFile::new().unwrap();
    let report = Doctor::new(&db, &server)
        .with(
            "DATABASE_URL",
            &format!("sqlite://{}", empty.path().display()),
        )
        .run(&["check"])
        .await;
    assert_eq!(report.exit_code(), 1);
    let database = report.about("database").unwrap();
    assert_eq!(database.status, Status::Fail, "{report}");
    assert!(
        database.fix.as_deref().unwrap().contains("migrate"),
        "{report}"
    );
    let report = Doctor::new(&db, &server)
        .with("BETTER_AUTH_URL", "http://127.0.0.1:9")
        .run(&["check"])
        .await;
    finding(&report, "jwks", Status::Fail);
    let report = Doctor::new(&db, &server)
        .with("BETTER_AUTH_SECRET", "short")
        .run(&["check"])
        .await;
    assert!(
        finding(&report, "secret", Status::Fail).contains("fewer than 32"),
        "{report}"
    );
    let report = Doctor::new(&db, &server)
        .with("BETTER_AUTH_API_KEYS", "maybe")
        .run(&["check"])
        .await;
    assert!(
        finding(&report, "environment", Status::Fail).contains("BETTER_AUTH_API_KEYS"),
        "{report}"
    );

    // explain: the cookie, accepted, and who it is.
    let report = doctor.run(&["explain", &cookie]).await;
    assert_eq!(report.exit_code(), 0, "{report}");
    assert!(finding(&report, "signature", Status::Ok).contains("current secret"));
    assert!(finding(&report, "verdict", Status::Ok).contains("doctor@example.com"));
    // The same cookie for a service with another secret: the signature step.
    let report = Doctor::new(&db, &server)
        .with(
            "BETTER_AUTH_SECRET",
            "another-secret-another-secret-another",
        )
        .run(&["explain", &cookie])
        .await;
    finding(&report, "signature", Status::Fail);
    assert!(finding(&report, "verdict", Status::Fail).contains("invalid_signature"));
    // Under another cookie name (Better Auth on https).
    let secure = cookie.replace(
        "better-auth.session_token",
        "__Secure-better-auth.session_token",
    );
    let report = doctor.run(&["explain", &secure]).await;
    let step = report.about("cookie").unwrap();
    assert_eq!(step.status, Status::Fail, "{report}");
    assert!(step.fix.as_deref().unwrap().contains("https"), "{report}");
    // The bearer token, and the JWT.
    let bearer = format!("Bearer {}", alice.auth_token.clone().unwrap());
    let report = doctor.run(&["explain", &bearer]).await;
    assert!(
        finding(&report, "verdict", Status::Ok).contains("via bearer"),
        "{report}"
    );
    let report = doctor.run(&["explain", &jwt]).await;
    finding(&report, "key", Status::Ok);
    assert!(
        finding(&report, "verdict", Status::Ok).contains("via jwt"),
        "{report}"
    );
    // A JWT for another issuer: the issuer step, then the verdict.
    let report = Doctor::new(&db, &server)
        .with("BETTER_AUTH_URL", "http://elsewhere.example")
        .with(
            "BETTER_AUTH_JWKS_URL",
            &format!("{}/api/auth/jwks", server.base_url()),
        )
        .run(&["explain", &jwt])
        .await;
    finding(&report, "issuer", Status::Warn);
    assert!(
        finding(&report, "verdict", Status::Fail).contains("invalid_token"),
        "{report}"
    );

    // An API key: read, not counted.
    let created: Value = server
        .post("/api-key/create", json!({"name": "doctor"}), Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let report = doctor.run(&["explain", &key]).await;
        assert!(
            finding(&report, "api key", Status::Ok).contains("doctor"),
            "{report}"
        );
        finding(&report, "verdict", Status::Ok);
    }
    let count = db
        .execute(
            r#"UPDATE "apikey" SET "name" = 'doctor' WHERE "requestCount" = 0 AND "id" = {}"#,
            created["id"].as_str().unwrap(),
        )
        .await;
    assert_eq!(count, 1, "explain counted no use of the key");
    let report = doctor.run(&["explain", &"Z".repeat(64)]).await;
    finding(&report, "api key", Status::Fail);
    assert!(finding(&report, "verdict", Status::Fail).contains("invalid_api_key"));
    // The plugin's configurations: check lists them; a key of a configuration the service
    // does not turn into sessions is explained as such (and refused).
    let configured = Doctor::new(&db, &server).with(
        "BETTER_AUTH_API_KEY_CONFIGS",
        r#"[{"configId":"sessions","enableSessionForAPIKeys":true},{"configId":"default"}]"#,
    );
    let report = configured.run(&["check"]).await;
    assert!(
        finding(&report, "api key configs", Status::Info)
            .contains("`default`: no enableSessionForAPIKeys"),
        "{report}"
    );
    assert!(
        report
            .to_string()
            .contains("configuration `sessions`: keys read from x-api-key, at least 64 characters"),
        "{report}"
    );
    let report = configured.run(&["explain", &key]).await;
    assert!(
        report
            .to_string()
            .contains("configuration `default` has no enableSessionForAPIKeys"),
        "{report}"
    );
    assert!(finding(&report, "verdict", Status::Fail).contains("invalid_api_key"));
    let report = configured.run(&["explain", &"Z".repeat(20)]).await;
    assert!(finding(&report, "verdict", Status::Fail).contains("api_key_too_short"));

    // Banned, then expired, then signed out: the step says which.
    db.ban_user(&alice.user_id()).await;
    let report = doctor.run(&["explain", &cookie]).await;
    finding(&report, "user", Status::Fail);
    assert!(
        finding(&report, "verdict", Status::Fail).contains("user_banned"),
        "{report}"
    );
    db.expire_session(&alice.token()).await;
    let report = doctor.run(&["explain", &cookie]).await;
    assert!(
        finding(&report, "session", Status::Fail).contains("ago"),
        "{report}"
    );
    assert!(
        finding(&report, "verdict", Status::Fail).contains("session_expired"),
        "{report}"
    );
    let other = server
        .sign_up("doctor-2@example.com", "correct horse battery", "Two")
        .await;
    server.sign_out(&other.cookie_header()).await;
    let report = doctor.run(&["explain", &other.cookie_header()]).await;
    assert!(finding(&report, "session", Status::Fail).contains("no session"));
    assert!(finding(&report, "verdict", Status::Fail).contains("session_not_found"));

    // Nothing it printed holds a credential or the secret.
    let printed = format!("{report}");
    for secret in [alice.token(), key.clone(), jwt.clone(), SECRET.to_owned()] {
        assert!(!printed.contains(&secret));
    }
}

/// A Better Auth whose sessions last an hour, and a service left at the 7-day default: the
/// doctor reads the lifetime the rows show and names the setting to fix; set right, it agrees.
#[tokio::test]
async fn the_doctor_compares_the_session_lifetime_with_the_rows() {
    let db = TestDb::sqlite();
    let mut config = db.server_config(json!({"bearer": {}}));
    config["options"] = json!({"session": {"expiresIn": 3600, "updateAge": 600}});
    let server = BetterAuthServer::start(config).await;
    server
        .sign_up("lifetime@example.com", "correct horse battery", "L")
        .await;
    let report = Doctor::new(&db, &server).run(&["check"]).await;
    let text = finding(&report, "session lifetime", Status::Warn);
    assert!(
        text.contains("3600 s") && text.contains("BETTER_AUTH_SESSION_EXPIRES_IN"),
        "{report}"
    );
    let report = Doctor::new(&db, &server)
        .with("BETTER_AUTH_SESSION_EXPIRES_IN", "3600")
        .run(&["check"])
        .await;
    finding(&report, "session lifetime", Status::Ok);
}

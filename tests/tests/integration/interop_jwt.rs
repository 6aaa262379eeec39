//! Tokens from a REAL Better Auth 1.7 JWT plugin, verified through its JWKS, for each of its
//! five algorithms; its `set-auth-jwt` header; key rotation; expiry; issuer and audience.

use std::time::Duration;

use better_auth_core::{
    AuthConfig, AuthError, Authenticator, SecretSet, Via,
    http::{HeaderMap, HeaderValue},
    jwt::{FetchOptions, JwksVerifier, JwtValidation, KeyCacheOptions, TokenVerifier},
};
use better_auth_tests::{SECRET, better_auth::BetterAuthServer, db::TestDb};
use serde_json::{Value, json};

fn bearer(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    headers
}

fn base_url(server: &BetterAuthServer) -> url::Url {
    url::Url::parse(server.base_url()).unwrap()
}

/// A verifier for the server with a short refetch interval (tests rotate keys quickly).
fn quick_verifier(server: &BetterAuthServer, validation: JwtValidation) -> JwksVerifier {
    let url = url::Url::parse(&format!("{}/api/auth/jwks", server.base_url())).unwrap();
    let mut options = KeyCacheOptions::default();
    options.min_refetch_interval = Duration::from_millis(50);
    JwksVerifier::from_url(url, FetchOptions::default(), options, validation).unwrap()
}

async fn jwt_server(jwt_options: Value) -> (TestDb, BetterAuthServer) {
    let db = TestDb::sqlite();
    let server =
        BetterAuthServer::start(db.server_config(json!({"jwt": jwt_options, "admin": {}}))).await;
    (db, server)
}

async fn check_algorithm(key_pair_config: Value, alg: &str) {
    let (_db, server) = jwt_server(json!({"jwks": {"keyPairConfig": key_pair_config}})).await;
    let email = format!("{}@example.com", alg.to_lowercase());
    let signed = server
        .sign_up(&email, "correct horse battery", "Zoë 🎉")
        .await;
    let token = server.get_jwt(&signed.cookie_header()).await;
    let header: Value =
        serde_json::from_slice(&base64_url_decode(token.split('.').next().unwrap())).unwrap();
    assert_eq!(header["alg"], alg, "Better Auth signed with {alg}");
    let jwks = server.jwks().await;
    assert_eq!(jwks["keys"][0]["alg"], alg);

    let verifier = JwksVerifier::for_better_auth(&base_url(&server)).unwrap();
    let claims = verifier
        .verify_token(&token)
        .await
        .unwrap_or_else(|e| panic!("{alg}: {e:?}"));
    assert_eq!(claims.subject, signed.user_id());
    let user = claims.user();
    let theirs = server.get_session(&signed.cookie_header()).await;
    assert_eq!(user.id, theirs["user"]["id"].as_str().unwrap());
    assert_eq!(user.email, email);
    assert_eq!(user.name, "Zoë 🎉");
    assert_eq!(
        user.role.as_deref(),
        Some("user"),
        "plugin fields come through"
    );
    assert_eq!(
        serde_json::to_value(user.created_at).unwrap(),
        theirs["user"]["createdAt"]
    );
    assert_eq!(claims.issuer.as_deref(), Some(server.base_url()));
    assert_eq!(verifier.fetch_count(), 1);

    // Through the authenticator, as a bearer: the same user, via JWT.
    let auth = Authenticator::builder(AuthConfig::new(SecretSet::single(SECRET).unwrap()))
        .token_verifier(verifier.clone())
        .build()
        .unwrap();
    let identity = auth.authenticate(&bearer(&token)).await.unwrap();
    assert_eq!(identity.via, Via::Jwt);
    assert_eq!(identity.user.id, signed.user_id());
    assert!(identity.session.is_none());

    // One flipped signature bit: refused.
    let mut tampered = token.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let error = verifier
        .verify_token(std::str::from_utf8(&tampered).unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(error, AuthError::InvalidToken { .. }),
        "{alg}: {error:?}"
    );
}

fn base64_url_decode(segment: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap()
}

#[tokio::test]
async fn eddsa_default() {
    check_algorithm(json!({"alg": "EdDSA", "crv": "Ed25519"}), "EdDSA").await;
}

#[tokio::test]
async fn es256() {
    check_algorithm(json!({"alg": "ES256"}), "ES256").await;
}

#[tokio::test]
async fn es512() {
    check_algorithm(json!({"alg": "ES512"}), "ES512").await;
}

#[tokio::test]
async fn ps256() {
    check_algorithm(json!({"alg": "PS256", "modulusLength": 2048}), "PS256").await;
}

#[tokio::test]
async fn rs256() {
    check_algorithm(json!({"alg": "RS256", "modulusLength": 2048}), "RS256").await;
}

#[tokio::test]
async fn the_set_auth_jwt_header_of_get_session_verifies() {
    let (_db, server) = jwt_server(json!({})).await;
    let signed = server
        .sign_up("header@example.com", "correct horse battery", "H")
        .await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", signed.cookie_header().parse().unwrap());
    let response = server.get("/get-session", headers).await;
    let token = response
        .headers()
        .get("set-auth-jwt")
        .expect("get-session sets set-auth-jwt")
        .to_str()
        .unwrap()
        .to_owned();
    let verifier = JwksVerifier::for_better_auth(&base_url(&server)).unwrap();
    assert_eq!(
        verifier.verify_token(&token).await.unwrap().subject,
        signed.user_id()
    );
}

#[tokio::test]
async fn rotation_new_keys_are_fetched_and_removed_keys_stop_verifying() {
    // A key lives 2 s, then stays published for a 1 s grace period.
    let (_db, server) =
        jwt_server(json!({"jwks": {"rotationInterval": 2, "gracePeriod": 1}})).await;
    let signed = server
        .sign_up("rotate@example.com", "correct horse battery", "R")
        .await;
    let verifier = quick_verifier(&server, JwtValidation::for_origin(server.base_url()));

    let old_token = server.get_jwt(&signed.cookie_header()).await;
    verifier.verify_token(&old_token).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2200)).await;

    // The old key expired: Better Auth signs with a new one, still publishing the old.
    let new_token = server.get_jwt(&signed.cookie_header()).await;
    let kid = |token: &str| -> Value {
        serde_json::from_slice::<Value>(&base64_url_decode(token.split('.').next().unwrap()))
            .unwrap()["kid"]
            .clone()
    };
    assert_ne!(
        kid(&old_token),
        kid(&new_token),
        "Better Auth rotated its key"
    );
    let fetches = verifier.fetch_count();
    verifier
        .verify_token(&new_token)
        .await
        .expect("the unknown kid triggers a refetch");
    assert_eq!(verifier.fetch_count(), fetches + 1);
    verifier
        .verify_token(&old_token)
        .await
        .expect("the old key is still published");

    // Past the grace period the old key leaves the set; after a refresh it stops verifying.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let published = server.jwks().await["keys"].as_array().unwrap().len();
    assert_eq!(published, 1, "only the new key is published");
    verifier.refresh().await.unwrap();
    assert!(matches!(
        verifier.verify_token(&old_token).await,
        Err(AuthError::UnknownKey)
    ));
    verifier.verify_token(&new_token).await.unwrap();
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let (_db, server) = jwt_server(json!({"jwt": {"expirationTime": "3s"}})).await;
    let signed = server
        .sign_up("expire@example.com", "correct horse battery", "E")
        .await;
    let token = server.get_jwt(&signed.cookie_header()).await;
    let mut validation = JwtValidation::for_origin(server.base_url());
    validation.leeway = Duration::ZERO;
    let verifier = quick_verifier(&server, validation);
    verifier
        .verify_token(&token)
        .await
        .expect("valid for up to 3 s (exp is in whole seconds)");
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let error = verifier.verify_token(&token).await.unwrap_err();
    assert!(matches!(error, AuthError::TokenExpired), "{error:?}");
    assert_eq!(
        (error.status().as_u16(), error.code()),
        (401, "token_expired")
    );
}

#[tokio::test]
async fn issuer_and_audience_must_match() {
    let (_db, server) = jwt_server(json!({})).await;
    let signed = server
        .sign_up("aud@example.com", "correct horse battery", "A")
        .await;
    let token = server.get_jwt(&signed.cookie_header()).await;

    let mut wrong_issuer = JwtValidation::for_origin(server.base_url());
    wrong_issuer.issuer = Some("https://other.example".into());
    let error = quick_verifier(&server, wrong_issuer)
        .verify_token(&token)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            AuthError::InvalidToken {
                reason: "wrong issuer"
            }
        ),
        "{error:?}"
    );

    let mut wrong_audience = JwtValidation::for_origin(server.base_url());
    wrong_audience.audience = vec!["https://other.example".into()];
    let error = quick_verifier(&server, wrong_audience)
        .verify_token(&token)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            AuthError::InvalidToken {
                reason: "wrong audience"
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn keys_read_from_the_jwks_table_verify_too() {
    let (db, server) = jwt_server(json!({})).await;
    let signed = server
        .sign_up("table@example.com", "correct horse battery", "T")
        .await;
    let token = server.get_jwt(&signed.cookie_header()).await;
    let pool = sqlx::SqlitePool::connect(&db.url()).await.unwrap();
    let source = better_auth_core::jwt::JwksTable::sqlite(
        pool,
        better_auth_core::jwt::JwksTableOptions::default(),
    );
    let verifier = JwksVerifier::new(
        source,
        KeyCacheOptions::default(),
        JwtValidation::for_origin(server.base_url()),
    );
    assert_eq!(
        verifier.verify_token(&token).await.unwrap().subject,
        signed.user_id()
    );
}

/// A request with both a session cookie and a JWT: the configured order decides, and only the
/// first credential present is used.
#[tokio::test]
async fn the_order_of_checks_is_configurable() {
    let (db, server) = jwt_server(json!({})).await;
    let signed = server
        .sign_up("order@example.com", "correct horse battery", "O")
        .await;
    let token = server.get_jwt(&signed.cookie_header()).await;
    let store =
        better_auth_core::store::connect(&db.url(), better_auth_core::store::SqlOptions::default())
            .await
            .unwrap();
    let mut headers = bearer(&token);
    headers.insert(
        "cookie",
        HeaderValue::from_str(&signed.cookie_header()).unwrap(),
    );
    for (order, via) in [
        (better_auth_core::CredentialOrder::CookieFirst, Via::Cookie),
        (better_auth_core::CredentialOrder::BearerFirst, Via::Jwt),
    ] {
        let mut config = AuthConfig::new(SecretSet::single(SECRET).unwrap());
        config.order = order;
        let auth = Authenticator::builder(config)
            .session_store_arc(store.clone())
            .token_verifier(JwksVerifier::for_better_auth(&base_url(&server)).unwrap())
            .build()
            .unwrap();
        let identity = auth.authenticate(&headers).await.unwrap();
        assert_eq!(identity.via, via);
        assert_eq!(identity.user.id, signed.user_id());
    }
}

/// Keys read from the `jwks` table of `db` (written by a real Better Auth with `alg`) verify the
/// JWT it issued: the table source reads through the stores' SQL dialect.
async fn keys_from_the_jwks_table_of(db: TestDb, alg: &str) {
    let server = BetterAuthServer::start(
        db.server_config(json!({"jwt": {"jwks": {"keyPairConfig": {"alg": alg}}}})),
    )
    .await;
    let signed = server
        .sign_up("table@example.com", "correct horse battery", "T")
        .await;
    let token = server.get_jwt(&signed.cookie_header()).await;
    let options = better_auth_core::jwt::JwksTableOptions::default();
    let source = match db.kind() {
        "postgres" => better_auth_core::jwt::JwksTable::postgres(
            sqlx::PgPool::connect(&db.url()).await.unwrap(),
            options,
        ),
        "mysql" => better_auth_core::jwt::JwksTable::mysql(
            sqlx::MySqlPool::connect(&db.url()).await.unwrap(),
            options,
        ),
        other => panic!("no table source test for {other}"),
    };
    let verifier = JwksVerifier::new(
        source,
        KeyCacheOptions::default(),
        JwtValidation::for_origin(server.base_url()),
    );
    assert_eq!(
        verifier.verify_token(&token).await.unwrap().subject,
        signed.user_id()
    );
}

#[tokio::test]
async fn keys_read_from_a_postgres_jwks_table_verify_too() {
    keys_from_the_jwks_table_of(TestDb::postgres().await, "ES512").await;
}

#[tokio::test]
async fn keys_read_from_a_mysql_jwks_table_verify_too() {
    keys_from_the_jwks_table_of(TestDb::mysql().await, "RS256").await;
}

/// A Better Auth without the JWT plugin, and a service configured as `from_env` does with its
/// URL (`BETTER_AUTH_URL`, the `jwks` feature): its JWKS path answers 404, so a JWT-shaped bearer
/// token is refused with 401 `unknown_key`, as Better Auth answers it (no session, its bearer
/// plugin ignores a value whose signature does not verify), never a 503 for a backend that is up.
/// A JWT of another Better Auth (with the plugin) is the attacker's best try.
#[tokio::test]
async fn a_jwt_against_a_better_auth_without_the_jwt_plugin_is_a_401() {
    let db = TestDb::sqlite();
    let plain = BetterAuthServer::start(db.server_config(json!({"bearer": {}}))).await;
    let (_other_db, other) = jwt_server(json!({})).await;
    let signed = other
        .sign_up("elsewhere@example.com", "correct horse battery", "E")
        .await;
    let jwt = other.get_jwt(&signed.cookie_header()).await;

    let settings = better_auth_core::EnvSettings::from_vars(|name| match name {
        "BETTER_AUTH_SECRET" => Some(SECRET.to_owned()),
        "BETTER_AUTH_URL" => Some(plain.base_url().to_owned()),
        "DATABASE_URL" => Some(db.url()),
        _ => None,
    })
    .unwrap();
    let auth = settings.authenticator().await.unwrap();
    for _ in 0..3 {
        let outcome = auth.authenticate_request("GET", &bearer(&jwt)).await;
        let error = outcome.result().as_ref().unwrap_err();
        assert_eq!(
            (error.status().as_u16(), error.code()),
            (401, "unknown_key")
        );
    }
    let theirs = plain.get("/get-session", bearer(&jwt)).await;
    assert_eq!(theirs.status(), 200);
    assert_eq!(
        theirs.text().await.unwrap(),
        "null",
        "Better Auth: no session"
    );
    auth.check_health()
        .await
        .expect("healthy: Better Auth is up");
}

//! Interoperability with a REAL Better Auth 1.7 server: it signs users up and in over HTTP, and
//! our store, on the same PostgreSQL or SQLite database, must accept exactly the sessions Better
//! Auth accepts (its own `get-session` is asked for the verdict on every case) and nothing else.

use std::sync::Arc;

use better_auth_core::{
    AuthConfig, AuthError, Authenticator, BearerPolicy, SecretSet, Via,
    http::{HeaderMap, HeaderValue},
    internals as signing,
    store::SessionStore,
    store::{self, SqlOptions},
};
use better_auth_tests::{SECRET, better_auth::BetterAuthServer, db::TestDb};
use serde_json::{Value, json};

const COOKIE: &str = "better-auth.session_token";

fn cookie_headers(cookie: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("cookie", HeaderValue::from_str(cookie).unwrap());
    headers
}

fn bearer_headers(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    headers
}

fn authenticator(store: Arc<dyn SessionStore>, config: AuthConfig) -> Authenticator {
    Authenticator::builder(config)
        .session_store_arc(store)
        .build()
        .unwrap()
}

fn default_config() -> AuthConfig {
    AuthConfig::new(SecretSet::single(SECRET).unwrap())
}

/// Better Auth and we agree on a cookie header: both accept it or both refuse it.
async fn assert_same_verdict(
    server: &BetterAuthServer,
    auth: &Authenticator,
    cookie: &str,
) -> Result<(), AuthError> {
    let theirs = server.get_session(cookie).await;
    let ours = auth.authenticate(&cookie_headers(cookie)).await;
    assert_eq!(
        theirs.is_null(),
        ours.is_err(),
        "Better Auth says {theirs}, we say {ours:?} for cookie {cookie}"
    );
    ours.map(|_| ())
}

/// Every field of Better Auth's user JSON that we type or keep comes out of our store equal.
fn assert_same_user(theirs: &Value, ours: &better_auth_core::User) {
    let ours = serde_json::to_value(ours).unwrap();
    let theirs = theirs.as_object().unwrap();
    for (key, value) in theirs {
        if value.is_null() {
            // We leave absent plugin fields out rather than writing null.
            assert!(
                ours.get(key).is_none_or(Value::is_null),
                "{key}: ours {:?}",
                ours.get(key)
            );
            continue;
        }
        assert_eq!(ours.get(key), Some(value), "user field {key}");
    }
}

async fn run_session_interop(db: TestDb) {
    let plugins = json!({"bearer": {}, "admin": {}});
    let mut config = db.server_config(plugins);
    config["options"] =
        json!({"user": {"additionalFields": {"plan": {"type": "string", "defaultValue": "free"}}}});
    let server = BetterAuthServer::start(config).await;
    let kind = db.kind();

    let name = "Zoë \"Q\" O'Brien 🎉";
    let signed = server
        .sign_up(
            &format!("zoe-{kind}@example.com"),
            "correct horse battery",
            name,
        )
        .await;
    let store = store::connect(&db.url(), SqlOptions::default())
        .await
        .unwrap();
    let auth = authenticator(store.clone(), default_config());

    // 1. The cookie Better Auth set: accepted, same user as get-session says.
    let cookie = signed.cookie_header();
    assert!(cookie.contains(COOKIE), "{cookie}");
    assert_same_verdict(&server, &auth, &cookie).await.unwrap();
    let identity = auth.authenticate(&cookie_headers(&cookie)).await.unwrap();
    assert_eq!(identity.via, Via::Cookie);
    let theirs = server.get_session(&cookie).await;
    assert_same_user(&theirs["user"], &identity.user);
    assert_eq!(identity.user.name, name);
    assert_eq!(
        identity.user.role.as_deref(),
        Some("user"),
        "admin plugin role"
    );
    assert_eq!(
        identity.user.extra["plan"], "free",
        "additionalFields reach the caller"
    );
    let session = identity.session.as_ref().unwrap();
    assert_eq!(session.token, signed.token());
    assert_eq!(session.id, theirs["session"]["id"].as_str().unwrap());
    assert_eq!(
        serde_json::to_value(session.expires_at).unwrap(),
        theirs["session"]["expiresAt"],
        "expiresAt read back to the millisecond"
    );

    // 2. The bearer token (set-auth-token), signed; percent-encoded; raw.
    let auth_token = signed
        .auth_token
        .clone()
        .expect("bearer plugin sets set-auth-token");
    let by_bearer = auth
        .authenticate(&bearer_headers(&auth_token))
        .await
        .unwrap();
    assert_eq!(by_bearer.via, Via::Bearer);
    assert_eq!(by_bearer.user.id, identity.user.id);
    // `encodeURIComponent(TOKEN.SIG)`: the cookie's form.
    let encoded = signing::cookie_value(&signed.token(), auth.config().secrets.current());
    assert_ne!(
        encoded, auth_token,
        "the signature has characters to escape"
    );
    auth.authenticate(&bearer_headers(&encoded)).await.unwrap();
    auth.authenticate(&bearer_headers(&signed.token()))
        .await
        .unwrap();
    let theirs_raw = server
        .get_session_with(bearer_headers(&signed.token()))
        .await;
    assert!(
        !theirs_raw.is_null(),
        "Better Auth accepts raw bearer tokens by default"
    );
    let mut signed_only = default_config();
    signed_only.bearer = BearerPolicy::SignedOnly;
    let strict = authenticator(store.clone(), signed_only);
    assert!(matches!(
        strict.authenticate(&bearer_headers(&signed.token())).await,
        Err(AuthError::MalformedCredentials { .. })
    ));
    strict
        .authenticate(&bearer_headers(&auth_token))
        .await
        .unwrap();

    // 3. Quoted cookie values are unquoted, as better-call does.
    let quoted = format!("{COOKIE}=\"{}\"", signed.cookie(COOKIE).unwrap());
    assert_same_verdict(&server, &auth, &quoted).await.unwrap();

    // 4. Tampered token, tampered signature, another secret: refused by both, before any I/O.
    let wire = signed.cookie(COOKIE).unwrap();
    let mut tampered = wire.clone();
    let first = if tampered.starts_with('A') { "B" } else { "A" };
    tampered.replace_range(0..1, first);
    let error = assert_same_verdict(&server, &auth, &format!("{COOKIE}={tampered}"))
        .await
        .unwrap_err();
    assert!(matches!(error, AuthError::InvalidSignature), "{error:?}");
    // Flip a letter or digit of the signature (its first character may be a `%XX` escape of
    // `+` or `/`, which must stay whole or the signature is merely malformed).
    let dot = wire.rfind('.').unwrap();
    let at = {
        // The first letter or digit of the signature outside a `%XX` escape.
        let bytes = wire.as_bytes();
        let mut at = dot + 1;
        while bytes[at] == b'%' || !bytes[at].is_ascii_alphanumeric() {
            at += if bytes[at] == b'%' { 3 } else { 1 };
        }
        at
    };
    let mut forged_sig = wire.clone();
    let replacement = if &wire[at..=at] == "A" { "B" } else { "A" };
    forged_sig.replace_range(at..=at, replacement);
    let error = assert_same_verdict(&server, &auth, &format!("{COOKIE}={forged_sig}"))
        .await
        .unwrap_err();
    assert!(matches!(error, AuthError::InvalidSignature), "{error:?}");
    let foreign = SecretSet::single("another-secret-that-is-32-chars-or-more").unwrap();
    let foreign_cookie = format!(
        "{COOKIE}={}",
        signing::cookie_value(&signed.token(), foreign.current())
    );
    let error = assert_same_verdict(&server, &auth, &foreign_cookie)
        .await
        .unwrap_err();
    assert!(matches!(error, AuthError::InvalidSignature), "{error:?}");
    // The unsigned token as a cookie: Better Auth refuses it; so do we.
    let error = assert_same_verdict(&server, &auth, &format!("{COOKIE}={}", signed.token()))
        .await
        .unwrap_err();
    assert!(
        matches!(error, AuthError::MalformedCredentials { .. }),
        "{error:?}"
    );

    // 5. Signed out: the row is gone; both refuse the cookie.
    server.sign_out(&cookie).await;
    let error = assert_same_verdict(&server, &auth, &cookie)
        .await
        .unwrap_err();
    assert!(matches!(error, AuthError::SessionNotFound), "{error:?}");
    let error = auth
        .authenticate(&bearer_headers(&auth_token))
        .await
        .unwrap_err();
    assert!(matches!(error, AuthError::SessionNotFound), "{error:?}");

    // 6. Expired (expiresAt in the past, written in the backend's own date format).
    let again = server
        .sign_in(&format!("zoe-{kind}@example.com"), "correct horse battery")
        .await;
    let cookie = again.cookie_header();
    assert_same_verdict(&server, &auth, &cookie).await.unwrap();
    db.expire_session(&again.token()).await;
    let ours = auth
        .authenticate(&cookie_headers(&cookie))
        .await
        .unwrap_err();
    assert!(matches!(ours, AuthError::SessionExpired), "{ours:?}");
    assert_eq!(ours.status(), 401);
    assert!(
        server.get_session(&cookie).await.is_null(),
        "Better Auth refuses it too"
    );

    // 7. Banned (admin plugin): 403.
    let third = server
        .sign_in(&format!("zoe-{kind}@example.com"), "correct horse battery")
        .await;
    db.ban_user(&third.user_id()).await;
    let ours = auth
        .authenticate(&cookie_headers(&third.cookie_header()))
        .await
        .unwrap_err();
    assert!(matches!(ours, AuthError::UserBanned), "{ours:?}");
    assert_eq!(ours.status(), 403);
}

#[tokio::test]
async fn sqlite_sessions_match_better_auth() {
    run_session_interop(TestDb::sqlite()).await;
}

#[tokio::test]
async fn mysql_sessions_match_better_auth() {
    run_session_interop(TestDb::mysql().await).await;
}

#[tokio::test]
async fn postgres_sessions_match_better_auth() {
    run_session_interop(TestDb::postgres().await).await;
}

/// Cookie names: a custom prefix, and `__Secure-` cookies (`useSecureCookies`).
#[tokio::test]
async fn cookie_prefix_and_secure_cookies_match_better_auth() {
    let db = TestDb::sqlite();
    let mut config = db.server_config(json!({}));
    config["options"] = json!({"advanced": {"cookiePrefix": "my-app", "useSecureCookies": true}});
    let server = BetterAuthServer::start(config).await;
    let signed = server
        .sign_up("secure@example.com", "correct horse battery", "S")
        .await;
    let name = "__Secure-my-app.session_token";
    assert!(signed.cookie(name).is_some(), "{:?}", signed.set_cookies);
    let store = store::connect(&db.url(), SqlOptions::default())
        .await
        .unwrap();

    let mut config = default_config();
    config.cookie_prefix = "my-app".into();
    config.secure_cookies = Some(true);
    let auth = authenticator(store.clone(), config);
    assert_same_verdict(&server, &auth, &signed.cookie_header())
        .await
        .unwrap();

    // Configured for plain cookies, we do not read the __Secure- one (nor does Better Auth read
    // a plain one when it uses secure cookies).
    let mut plain = default_config();
    plain.cookie_prefix = "my-app".into();
    let plain = authenticator(store, plain);
    assert!(matches!(
        plain
            .authenticate(&cookie_headers(&signed.cookie_header()))
            .await,
        Err(AuthError::MissingCredentials)
    ));
    let downgraded = signed.cookie_header().replace("__Secure-", "");
    let theirs = server.get_session(&downgraded).await;
    assert!(
        theirs.is_null(),
        "Better Auth ignores the unprefixed cookie"
    );
}

/// Secret rotation with BETTER_AUTH_SECRETS: Better Auth 1.7 signs and verifies session cookies
/// with the CURRENT secret only. We do the same by default; `accept_previous` is opt-in.
#[tokio::test]
async fn rotated_secrets_match_better_auth() {
    let db = TestDb::sqlite();
    let old = SECRET;
    let new = "the-new-secret-after-rotation-0123456789";
    let list = format!("2:{new},1:{old}");
    let mut config = db.server_config(json!({}));
    config.as_object_mut().unwrap().remove("secret");
    let server = BetterAuthServer::start_with_env(config, &[("BETTER_AUTH_SECRETS", &list)]).await;
    let signed = server
        .sign_up("rotate@example.com", "correct horse battery", "R")
        .await;
    let store = store::connect(&db.url(), SqlOptions::default())
        .await
        .unwrap();
    let secrets = SecretSet::parse_versioned(&list).unwrap();
    let auth = authenticator(store.clone(), AuthConfig::new(secrets.clone()));

    // Issued after the rotation: signed with the new secret; both accept.
    assert_same_verdict(&server, &auth, &signed.cookie_header())
        .await
        .unwrap();

    // The same session signed with the old secret (a cookie from before the rotation).
    let old_secret = SecretSet::single(old).unwrap();
    let old_cookie = format!(
        "{COOKIE}={}",
        signing::cookie_value(&signed.token(), old_secret.current())
    );
    let error = assert_same_verdict(&server, &auth, &old_cookie)
        .await
        .unwrap_err();
    assert!(matches!(error, AuthError::InvalidSignature));
    let lenient = authenticator(store, AuthConfig::new(secrets.accept_previous(true)));
    lenient
        .authenticate(&cookie_headers(&old_cookie))
        .await
        .unwrap();
}

/// Renamed tables and columns, configured the way Better Auth itself is configured.
#[tokio::test]
async fn renamed_schema_matches_better_auth() {
    let db = TestDb::postgres().await;
    let renames = json!({
        "user": {"modelName": "app_users", "fields": {"emailVerified": "email_verified", "createdAt": "created_at"}},
        "session": {"modelName": "app_sessions", "fields": {"expiresAt": "expires_at", "userId": "user_id", "token": "session_token"}}
    });
    let mut config = db.server_config(json!({"bearer": {}}));
    config["options"] = renames.clone();
    let server = BetterAuthServer::start(config).await;
    let signed = server
        .sign_up("renamed@example.com", "correct horse battery", "N")
        .await;

    let schema = better_auth_core::Schema::from_json(&renames.to_string()).unwrap();
    let store = store::connect(&db.url(), SqlOptions::with_schema(schema))
        .await
        .unwrap();
    let auth = authenticator(store, default_config());
    assert_same_verdict(&server, &auth, &signed.cookie_header())
        .await
        .unwrap();
    let identity = auth
        .authenticate(&cookie_headers(&signed.cookie_header()))
        .await
        .unwrap();
    assert_same_user(
        &server.get_session(&signed.cookie_header()).await["user"],
        &identity.user,
    );

    // Without the renames, startup fails and names what is missing.
    let error = store::connect(&db.url(), SqlOptions::default())
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("table `session` not found"),
        "{error}"
    );
}

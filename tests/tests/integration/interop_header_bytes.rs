//! Headers read the way Better Auth (on Node) reads them, byte for byte, with a REAL Better Auth
//! (`NODE_ENV=production`) giving the verdict on every case: the same raw request bytes go to
//! its `get-session` (or, for the Origin check, a cookie-authenticated `update-user`) and, as a
//! header map, to our authenticator. Latin-1 bytes, JavaScript's `trim`, repeated headers as
//! Node joins them, `blob:` and `null` origins.

use better_auth_core::{
    AuthError, Authenticator,
    http::{HeaderMap, HeaderName, HeaderValue},
};
use better_auth_tests::{better_auth::BetterAuthServer, db::TestDb, raw_http, test_config};
use serde_json::json;

const S: &str = "better-auth.session_token";

struct Setup {
    _db: TestDb,
    server: BetterAuthServer,
    auth: Authenticator,
    /// Two users' cookie values (percent-encoded, as set) and their signed bearer tokens.
    alice: (String, String),
    bob: (String, String),
}

async fn setup() -> Setup {
    let db = TestDb::sqlite();
    let config = db.server_config(json!({"bearer": {}}));
    let server = BetterAuthServer::start(config).await;
    let mut users = Vec::new();
    for name in ["alice", "bob"] {
        let signed = server
            .sign_up(
                &format!("{name}@bytes.example"),
                "correct horse battery",
                name,
            )
            .await;
        users.push((
            signed.cookie(S).expect("a session cookie"),
            signed.auth_token.clone().expect("set-auth-token"),
        ));
    }
    let mut auth_config = test_config();
    auth_config.base_url = Some(url::Url::parse(server.base_url()).unwrap());
    let auth = db.authenticator(auth_config).await;
    let bob = users.pop().unwrap();
    let alice = users.pop().unwrap();
    Setup {
        _db: db,
        server,
        auth,
        alice,
        bob,
    }
}

fn header_map(headers: &[(&str, Vec<u8>)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_bytes(value).unwrap(),
        );
    }
    map
}

fn bytes(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Better Auth's verdict (the user's name, or none) and ours, for one request.
async fn verdicts(setup: &Setup, headers: &[(&str, Vec<u8>)]) -> (Option<String>, Option<String>) {
    let raw: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(name, value)| (*name, value.as_slice()))
        .collect();
    let response = setup.server.get_session_raw(&raw).await;
    assert_eq!(response.status, 200, "get-session: {response:?}");
    let theirs = response.json()["user"]["name"].as_str().map(str::to_owned);
    let ours = setup
        .auth
        .authenticate(&header_map(headers))
        .await
        .ok()
        .map(|identity| identity.user.name.clone());
    (theirs, ours)
}

#[tokio::test]
async fn cookie_and_bearer_bytes_get_better_auths_verdict() {
    let setup = setup().await;
    let a = setup.alice.0.as_bytes();
    let b = setup.bob.0.as_bytes();
    let a_bearer = setup.alice.1.as_bytes();
    let name = S.as_bytes();
    let a_unencoded = setup.alice.1.as_bytes();
    let mut bad_signature = setup.alice.0.clone();
    let at = bad_signature.rfind('.').unwrap()
        + 1
        + bad_signature[bad_signature.rfind('.').unwrap() + 1..]
            .find(|c: char| c.is_ascii_alphanumeric())
            .unwrap();
    let flipped = if &bad_signature[at..=at] == "A" {
        "B"
    } else {
        "A"
    };
    bad_signature.replace_range(at..=at, flipped);
    let cookie = |value: Vec<u8>| vec![("cookie", value)];
    type Headers<'a> = Vec<(&'a str, Vec<u8>)>;
    let cases: Vec<(&str, Headers<'_>)> = vec![
        ("plain", cookie(bytes(&[name, b"=", a]))),
        (
            "Latin-1 NBSP after the name",
            cookie(bytes(&[name, b"\xA0=", a])),
        ),
        (
            "Latin-1 NBSP before the name",
            cookie(bytes(&[b"x=1;\xA0", name, b"=", a])),
        ),
        (
            "Latin-1 NBSP after the value",
            cookie(bytes(&[name, b"=", a, b"\xA0"])),
        ),
        (
            "UTF-8 NBSP after the name",
            cookie(bytes(&[name, b"\xC2\xA0=", a])),
        ),
        (
            "UTF-8 NBSP after the value",
            cookie(bytes(&[name, b"=", a, b"\xC2\xA0"])),
        ),
        ("NEL after the name", cookie(bytes(&[name, b"\x85=", a]))),
        (
            "spaces and tabs around",
            cookie(bytes(&[name, b" \t= \t", a])),
        ),
        (
            "bytes that are not UTF-8 in another cookie",
            cookie(bytes(&[b"junk=\xFF\xFE; ", name, b"=", a])),
        ),
        ("0xFF inside the value", cookie(bytes(&[name, b"=\xFF", a]))),
        (
            "the name in another case",
            cookie(bytes(&[b"Better-Auth.Session_Token=", a])),
        ),
        ("quoted", cookie(bytes(&[name, b"=\"", a, b"\""]))),
        ("%ZZ in the value", cookie(bytes(&[name, b"=%ZZ", a]))),
        (
            "not percent-encoded",
            cookie(bytes(&[name, b"=", a_unencoded])),
        ),
        (
            "two Cookie lines, Alice first",
            vec![
                ("cookie", bytes(&[name, b"=", a])),
                ("cookie", bytes(&[name, b"=", b])),
            ],
        ),
        (
            "two Cookie lines, Bob first",
            vec![
                ("cookie", bytes(&[name, b"=", b])),
                ("cookie", bytes(&[name, b"=", a])),
            ],
        ),
        (
            "a bad signature first, a good one second",
            vec![
                ("cookie", bytes(&[name, b"=", bad_signature.as_bytes()])),
                ("cookie", bytes(&[name, b"=", a])),
            ],
        ),
        (
            "an empty one first, a good one second",
            vec![
                ("cookie", bytes(&[name, b"="])),
                ("cookie", bytes(&[name, b"=", a])),
            ],
        ),
        (
            "a pair without '=' first",
            vec![
                ("cookie", b"garbage".to_vec()),
                ("cookie", bytes(&[name, b"=", a])),
            ],
        ),
        (
            "one line, twice",
            cookie(bytes(&[name, b"=", a, b"; ", name, b"=", b])),
        ),
        ("no separator", cookie(bytes(&[b"a=1 ", name, b"=", a]))),
        (
            "no space after ';'",
            cookie(bytes(&[b"a=1;", name, b"=", a])),
        ),
        (
            "a comma separator",
            cookie(bytes(&[b"a=1, ", name, b"=", a])),
        ),
        (
            "bearer",
            vec![("authorization", bytes(&[b"Bearer ", a_bearer]))],
        ),
        (
            "bearer, Latin-1 NBSP instead of the space",
            vec![("authorization", bytes(&[b"Bearer\xA0", a_bearer]))],
        ),
        (
            "bearer, UTF-8 NBSP after",
            vec![("authorization", bytes(&[b"Bearer ", a_bearer, b"\xC2\xA0"]))],
        ),
        (
            "bearer, 0xFF inside",
            vec![("authorization", bytes(&[b"Bearer \xFF", a_bearer]))],
        ),
        (
            "bearer, lower case and spaces",
            vec![("authorization", bytes(&[b"bearer    ", a_bearer]))],
        ),
        (
            "two Authorization lines, the good one first",
            vec![
                ("authorization", bytes(&[b"Bearer ", a_bearer])),
                ("authorization", b"Bearer garbage".to_vec()),
            ],
        ),
    ];
    let mut disagreements = Vec::new();
    for (case, headers) in &cases {
        let (theirs, ours) = verdicts(&setup, headers).await;
        if theirs != ours {
            disagreements.push(format!("{case}: Better Auth {theirs:?}, we {ours:?}"));
        }
    }
    assert!(
        disagreements.is_empty(),
        "verdicts differ:\n  {}",
        disagreements.join("\n  ")
    );

    // The one documented difference: an `Authorization` value that is not UTF-8 is ignored by
    // every adapter (Rocket 0.5 drops such a header before any guard runs; the others follow
    // it so the four answer alike), where Better Auth trims a trailing Latin-1 NBSP and
    // accepts the token.
    let headers = vec![("authorization", bytes(&[b"Bearer ", a_bearer, b"\xA0"]))];
    let (theirs, ours) = verdicts(&setup, &headers).await;
    assert_eq!(theirs.as_deref(), Some("alice"));
    assert_eq!(ours, None);
    let error = setup
        .auth
        .authenticate(&header_map(&headers))
        .await
        .unwrap_err();
    assert!(matches!(error, AuthError::MissingCredentials), "{error:?}");
}

/// Better Auth's Origin check on a cookie-authenticated POST, and ours on the same headers.
#[tokio::test]
async fn the_origin_check_gets_better_auths_verdict() {
    let setup = setup().await;
    let base = setup.server.base_url().to_owned();
    let cookie = format!("{S}={}", setup.alice.0);
    let blob = format!("blob:{base}/6f1c0a34-5e9b-4a53-9f43-1d9cc7a1d0a2");
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("trusted Origin", vec![("origin", base.clone())]),
        (
            "two trusted Origin headers",
            vec![("origin", base.clone()), ("origin", base.clone())],
        ),
        (
            "a trusted Origin with a path, then an evil one",
            vec![
                ("origin", format!("{base}/")),
                ("origin", "http://evil.example".to_owned()),
            ],
        ),
        ("blob: Origin", vec![("origin", blob.clone())]),
        ("blob: Referer", vec![("referer", blob.clone())]),
        ("null Origin", vec![("origin", "null".to_owned())]),
        (
            "null Origin, trusted Referer",
            vec![
                ("origin", "null".to_owned()),
                ("referer", format!("{base}/page")),
            ],
        ),
        (
            "empty Origin, trusted Referer",
            vec![
                ("origin", String::new()),
                ("referer", format!("{base}/page")),
            ],
        ),
        ("no Origin, no Referer", vec![]),
        (
            "a Referer that is no URL",
            vec![("referer", "notes".to_owned())],
        ),
        (
            "upper-case scheme",
            vec![("origin", base.replace("http://", "HTTP://"))],
        ),
        (
            "Origin with a path",
            vec![("origin", format!("{base}/some/path?q=1"))],
        ),
        (
            "two Referers, evil first",
            vec![
                ("referer", "http://evil.example/".to_owned()),
                ("referer", format!("{base}/")),
            ],
        ),
        (
            "two Referers, trusted first",
            vec![
                ("referer", format!("{base}/")),
                ("referer", "http://evil.example/".to_owned()),
            ],
        ),
        (
            "evil Origin, trusted Referer",
            vec![
                ("origin", "http://evil.example".to_owned()),
                ("referer", format!("{base}/")),
            ],
        ),
    ];
    let mut disagreements = Vec::new();
    for (case, extra) in &cases {
        let mut headers: Vec<(&str, Vec<u8>)> = vec![("cookie", cookie.clone().into_bytes())];
        headers.extend(
            extra
                .iter()
                .map(|(name, value)| (*name, value.clone().into_bytes())),
        );
        let raw: Vec<(&str, &[u8])> = headers
            .iter()
            .map(|(name, value)| (*name, value.as_slice()))
            .collect();
        let response = raw_http::send(
            &base,
            "POST",
            "/api/auth/update-user",
            &raw,
            Some(r#"{"name":"alice"}"#),
        )
        .await;
        let theirs = match (response.status, response.json()["code"].as_str()) {
            (200, _) => "pass",
            (403, Some("INVALID_ORIGIN")) => "untrusted_origin",
            (403, Some("MISSING_OR_NULL_ORIGIN")) => "missing_origin",
            other => panic!("{case}: Better Auth answered {other:?}: {response:?}"),
        };
        let ours = match setup
            .auth
            .authenticate_request("POST", &header_map(&headers))
            .await
            .result()
        {
            Ok(_) => "pass",
            Err(error @ (AuthError::UntrustedOrigin | AuthError::MissingOrigin)) => error.code(),
            Err(other) => panic!("{case}: we refused for another reason: {other:?}"),
        };
        if theirs != ours {
            disagreements.push(format!("{case}: Better Auth {theirs}, we {ours}"));
        }
    }
    assert!(
        disagreements.is_empty(),
        "verdicts differ:\n  {}",
        disagreements.join("\n  ")
    );
}

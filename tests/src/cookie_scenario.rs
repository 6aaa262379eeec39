//! Refresh cookies with the attributes Better Auth gives its own, run by every example's
//! end-to-end test: a real Better Auth configured with `advanced.crossSubDomainCookies` and
//! `advanced.defaultCookieAttributes`, the example binary configured with the matching
//! environment variables, and a session due for a refresh. The `Set-Cookie` headers the service
//! sends on its refresh (the session token and the cookie cache) are compared, attribute by
//! attribute, with the ones Better Auth sends on its own refresh of the same session
//! (`get-session`).

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

use crate::{SECRET, better_auth::BetterAuthServer, db::TestDb, scenario::ExampleService};

/// One cookie configuration: Better Auth's `advanced` options, the service's environment for
/// them, and attributes Better Auth's own session cookie must show (so the comparison cannot
/// pass on Better Auth's defaults).
struct Case {
    name: &'static str,
    advanced: Value,
    env: &'static [(&'static str, &'static str)],
    better_auth_shows: &'static [&'static str],
}

/// The cases: `crossSubDomainCookies` with a domain and `sameSite: "strict"`; without a
/// domain (the base URL's host) with `sameSite: "none"` and `partitioned` (`Secure` forced);
/// `secure: true` without the `__Secure-` prefix.
fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "cross-subdomain domain, SameSite=Strict",
            advanced: json!({
                "crossSubDomainCookies": {"enabled": true, "domain": "example.test"},
                "defaultCookieAttributes": {"sameSite": "strict"},
            }),
            env: &[
                ("BETTER_AUTH_CROSS_SUBDOMAIN_COOKIES", "true"),
                ("BETTER_AUTH_COOKIE_DOMAIN", "example.test"),
                ("BETTER_AUTH_COOKIE_SAME_SITE", "strict"),
            ],
            better_auth_shows: &["Domain=example.test", "SameSite=Strict"],
        },
        Case {
            name: "cross-subdomain on the base URL's host, SameSite=None, Partitioned",
            advanced: json!({
                "crossSubDomainCookies": {"enabled": true},
                "defaultCookieAttributes": {"sameSite": "none", "partitioned": true},
            }),
            env: &[
                ("BETTER_AUTH_CROSS_SUBDOMAIN_COOKIES", "true"),
                ("BETTER_AUTH_COOKIE_SAME_SITE", "none"),
                ("BETTER_AUTH_COOKIE_PARTITIONED", "true"),
            ],
            better_auth_shows: &["Domain=127.0.0.1", "Secure", "SameSite=None", "Partitioned"],
        },
        Case {
            name: "Secure without the __Secure- prefix",
            advanced: json!({"defaultCookieAttributes": {"secure": true}}),
            env: &[("BETTER_AUTH_COOKIE_SECURE", "true")],
            better_auth_shows: &["Secure", "SameSite=Lax"],
        },
    ]
}

/// Runs every case against the example binary at `binary`.
pub async fn run(binary: &str) {
    for case in cases() {
        run_case(binary, &case).await;
    }
}

/// `session.expiresIn` (the session cookie's `Max-Age`).
const EXPIRES_IN: &str = "60";
/// `session.cookieCache.maxAge` (the cookie cache's `Max-Age`).
const CACHE_MAX_AGE: &str = "30";
const SESSION_TOKEN: &str = "better-auth.session_token";
const SESSION_DATA: &str = "better-auth.session_data";

async fn run_case(binary: &str, case: &Case) {
    let db = TestDb::sqlite();
    let mut config = db.server_config(json!({}));
    config["options"] = json!({
        "session": {
            "expiresIn": EXPIRES_IN.parse::<u32>().unwrap(),
            // Every use refreshes: a refresh is due at once, on each side.
            "updateAge": 0,
            "cookieCache": {
                "enabled": true,
                "strategy": "compact",
                "maxAge": CACHE_MAX_AGE.parse::<u32>().unwrap(),
            },
        },
        "advanced": case.advanced,
    });
    // As production runs it (its rate limiter on): the cookies are what production sends.
    let server = BetterAuthServer::start(BetterAuthServer::production(config)).await;
    let url = db.url();
    let mut env = vec![
        ("DATABASE_URL", url.as_str()),
        ("BETTER_AUTH_SECRET", SECRET),
        ("BETTER_AUTH_URL", server.base_url()),
        ("BETTER_AUTH_SESSION_EXPIRES_IN", EXPIRES_IN),
        ("BETTER_AUTH_SESSION_UPDATE_AGE", "0"),
        ("BETTER_AUTH_COOKIE_CACHE", "compact"),
        ("BETTER_AUTH_COOKIE_CACHE_MAX_AGE", CACHE_MAX_AGE),
    ];
    env.extend_from_slice(case.env);
    let service = ExampleService::start(binary, &env).await;

    let signed = server
        .sign_up(
            &format!("cookie-attributes-{}@example.com", crate::unique_suffix()),
            "correct horse battery",
            "Cookies",
        )
        .await;
    let token = signed.cookie(SESSION_TOKEN).unwrap_or_else(|| {
        panic!(
            "{}: no session cookie in {:?}",
            case.name, signed.set_cookies
        )
    });
    // The session cookie only: without a cookie cache entry, both sides read the session from
    // the database and refresh it (with one, Better Auth would answer from it and not refresh).
    let cookie = format!("{SESSION_TOKEN}={token}");

    let (status, headers, me) = service
        .get_with_headers("/me", &[("cookie", &cookie)])
        .await;
    assert_eq!(status, 200, "{}: {me}", case.name);
    let ours = by_name(&set_cookies(&headers));

    let mut request = HeaderMap::new();
    request.insert("cookie", HeaderValue::from_str(&cookie).unwrap());
    let response = server.get("/get-session", request).await;
    assert_eq!(response.status(), 200, "{}: get-session", case.name);
    let theirs = by_name(&set_cookies(response.headers()));
    let body: Value = response.json().await.unwrap();
    assert!(body["session"].is_object(), "{}: {body}", case.name);

    let names = |cookies: &BTreeMap<String, SetCookie>| cookies.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&ours),
        names(&theirs),
        "{}: the cookies set on a refresh",
        case.name
    );
    assert_eq!(
        names(&theirs),
        [SESSION_DATA, SESSION_TOKEN],
        "{}: Better Auth's refresh sets the session cookie and the cookie cache",
        case.name
    );
    let session = &theirs[SESSION_TOKEN];
    for shown in case.better_auth_shows {
        assert!(
            session
                .attributes
                .iter()
                .any(|attribute| attribute == shown),
            "{}: Better Auth was not configured as the case says: {shown} missing from {}",
            case.name,
            session.raw
        );
    }
    for name in [SESSION_TOKEN, SESSION_DATA] {
        let (ours, theirs) = (&ours[name], &theirs[name]);
        assert_eq!(
            ours.attributes, theirs.attributes,
            "{}: {name}'s attributes (Max-Age included), in order:\n ours:   {}\n theirs: {}",
            case.name, ours.raw, theirs.raw
        );
    }
    assert_eq!(
        ours[SESSION_TOKEN].value, token,
        "{}: the refresh sets the same signed token",
        case.name
    );
    assert_eq!(
        theirs[SESSION_TOKEN].value, token,
        "{}: Better Auth's refresh sets the same signed token",
        case.name
    );
    assert!(
        theirs[SESSION_TOKEN].attributes[0] == format!("Max-Age={EXPIRES_IN}")
            && theirs[SESSION_DATA].attributes[0] == format!("Max-Age={CACHE_MAX_AGE}"),
        "{}: the Max-Ages are the configured ones: {} / {}",
        case.name,
        theirs[SESSION_TOKEN].raw,
        theirs[SESSION_DATA].raw
    );
}

/// A `Set-Cookie` value taken apart: `name=value`, then each attribute as written
/// (`Max-Age=60`, `Domain=example.test`, `HttpOnly`, ...), in order.
#[derive(Debug)]
struct SetCookie {
    value: String,
    attributes: Vec<String>,
    raw: String,
}

fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().expect("an ASCII Set-Cookie").to_owned())
        .collect()
}

/// The `Set-Cookie` values by cookie name (each name once).
fn by_name(values: &[String]) -> BTreeMap<String, SetCookie> {
    let mut cookies = BTreeMap::new();
    for raw in values {
        let mut parts = raw.split("; ");
        let (name, value) = parts
            .next()
            .and_then(|pair| pair.split_once('='))
            .unwrap_or_else(|| panic!("not a Set-Cookie: {raw}"));
        let cookie = SetCookie {
            value: value.to_owned(),
            attributes: parts.map(str::to_owned).collect(),
            raw: raw.clone(),
        };
        let earlier = cookies.insert(name.to_owned(), cookie);
        assert!(earlier.is_none(), "{name} set twice: {values:?}");
    }
    cookies
}

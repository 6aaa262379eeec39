//! Attack tokens against the JWT path, through the whole authenticator: each is a clear 401
//! with the expected code, none a panic, none a pass.

use better_auth_core::{
    AuthConfig, AuthError, Authenticator, SecretSet,
    http::{HeaderMap, HeaderValue},
    jwt::{FetchOptions, JwksVerifier, JwtValidation, KeyCacheOptions, TokenVerifier},
};
use better_auth_tests::{
    SECRET,
    jwks_server::{Behaviour, JwksServer},
    jws::{TestKey, claims, raw_token, sign_hs256},
};
use serde_json::json;

struct Setup {
    server: JwksServer,
    auth: Authenticator,
    verifier: JwksVerifier,
    ed: TestKey,
    rsa: TestKey,
}

async fn setup() -> Setup {
    let ed = TestKey::generate("EdDSA", "ed-key");
    let rsa = TestKey::generate("RS256", "rsa-key");
    let server = JwksServer::start(Behaviour::Keys(JwksServer::document(&[
        ed.jwk(),
        rsa.jwk(),
    ])))
    .await;
    let url = url::Url::parse(&format!("{}/api/auth/jwks", server.base_url())).unwrap();
    let verifier = JwksVerifier::from_url(
        url,
        FetchOptions::default(),
        KeyCacheOptions::default(),
        JwtValidation::for_origin(server.base_url()),
    )
    .unwrap();
    let auth = Authenticator::builder(AuthConfig::new(SecretSet::single(SECRET).unwrap()))
        .token_verifier(verifier.clone())
        .build()
        .unwrap();
    Setup {
        server,
        auth,
        verifier,
        ed,
        rsa,
    }
}

fn bearer(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    headers
}

/// The token is refused with 401 and `code`.
async fn refused(auth: &Authenticator, token: &str, code: &str) {
    let error = auth.authenticate(&bearer(token)).await.unwrap_err();
    assert_eq!(
        (error.status().as_u16(), error.code()),
        (401, code),
        "{error:?} for {token:.80}"
    );
}

#[tokio::test]
async fn attack_tokens_are_refused() {
    let s = setup().await;
    let iss = s.server.base_url();
    let good = claims("u1", &iss, 600);
    // Sanity: the honest tokens pass.
    s.auth
        .authenticate(&bearer(&s.ed.sign(&good)))
        .await
        .unwrap();
    s.auth
        .authenticate(&bearer(&s.rsa.sign(&good)))
        .await
        .unwrap();

    let ed_header = |alg: &str| json!({"alg": alg, "kid": s.ed.kid()});
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "alg none, no signature",
            raw_token(&json!({"alg": "none", "kid": s.ed.kid()}), &good, ""),
            "invalid_token",
        ),
        (
            "alg none, a signature",
            raw_token(&json!({"alg": "none", "kid": s.ed.kid()}), &good, "c2ln"),
            "invalid_token",
        ),
        (
            "alg None",
            raw_token(&json!({"alg": "None"}), &good, "c2ln"),
            "invalid_token",
        ),
        (
            "HS256 keyed with the Ed25519 public key",
            sign_hs256(&s.ed.public_bytes(), &ed_header("HS256"), &good),
            "invalid_token",
        ),
        (
            "HS256 keyed with the RSA public key",
            sign_hs256(
                &s.rsa.public_bytes(),
                &json!({"alg": "HS256", "kid": s.rsa.kid()}),
                &good,
            ),
            "invalid_token",
        ),
        (
            "HS256 keyed with the JWK's x",
            sign_hs256(
                s.ed.jwk()["x"].as_str().unwrap().as_bytes(),
                &ed_header("HS256"),
                &good,
            ),
            "invalid_token",
        ),
        (
            "RS256 claimed for the EdDSA key",
            s.rsa.sign_with_header(&ed_header("RS256"), &good),
            "invalid_token",
        ),
        (
            "EdDSA claimed for the RSA key",
            s.ed.sign_with_header(&json!({"alg": "EdDSA", "kid": s.rsa.kid()}), &good),
            "invalid_token",
        ),
        (
            "another key, same kid",
            TestKey::generate("EdDSA", "ed-key").sign(&good),
            "invalid_token",
        ),
        (
            "unknown kid",
            TestKey::generate("EdDSA", "nope").sign(&good),
            "unknown_key",
        ),
        (
            "kid path traversal",
            TestKey::generate("EdDSA", "../../etc/passwd").sign(&good),
            "unknown_key",
        ),
        (
            "kid SQL",
            TestKey::generate("EdDSA", "' OR 1=1 --").sign(&good),
            "unknown_key",
        ),
        (
            "kid NUL",
            TestKey::generate("EdDSA", "a\u{0}b").sign(&good),
            "unknown_key",
        ),
        (
            "huge kid",
            TestKey::generate("EdDSA", &"k".repeat(5000)).sign(&good),
            "invalid_token",
        ),
        (
            "kid not a string",
            s.ed.sign_with_header(&json!({"alg": "EdDSA", "kid": 7}), &good),
            "invalid_token",
        ),
        (
            "header jwk injection",
            {
                let attacker = TestKey::generate("EdDSA", "attacker");
                attacker.sign_with_header(&json!({"alg": "EdDSA", "jwk": attacker.jwk()}), &good)
            },
            "invalid_token",
        ),
        (
            "crit header",
            s.ed.sign_with_header(
                &json!({"alg": "EdDSA", "kid": s.ed.kid(), "crit": ["exp"]}),
                &good,
            ),
            "invalid_token",
        ),
        (
            "wrong issuer",
            s.ed.sign(&{
                let mut c = good.clone();
                c["iss"] = json!("https://evil.example");
                c
            }),
            "invalid_token",
        ),
        (
            "wrong audience",
            s.ed.sign(&{
                let mut c = good.clone();
                c["aud"] = json!(["https://evil.example"]);
                c
            }),
            "invalid_token",
        ),
        (
            "expired",
            s.ed.sign(&claims("u1", &iss, -60)),
            "token_expired",
        ),
        (
            "nbf in the future",
            s.ed.sign(&{
                let mut c = good.clone();
                c["nbf"] = json!(chrono::Utc::now().timestamp() + 3600);
                c
            }),
            "token_not_yet_valid",
        ),
        (
            "iat in the future",
            s.ed.sign(&{
                let mut c = good.clone();
                c["iat"] = json!(chrono::Utc::now().timestamp() + 3600);
                c
            }),
            "invalid_token",
        ),
        (
            "no exp",
            s.ed.sign(&{
                let mut c = good.clone();
                c.as_object_mut().unwrap().remove("exp");
                c
            }),
            "invalid_token",
        ),
        (
            "no sub",
            s.ed.sign(&{
                let mut c = good.clone();
                c.as_object_mut().unwrap().remove("sub");
                c
            }),
            "invalid_token",
        ),
        (
            "exp as string",
            s.ed.sign(&{
                let mut c = good.clone();
                c["exp"] = json!("9999999999");
                c
            }),
            "invalid_token",
        ),
        (
            "payload not JSON",
            s.ed.sign_with_header(&ed_header("EdDSA"), &json!("just a string")),
            "invalid_token",
        ),
        (
            "header not JSON",
            format!(
                "eyJub3QganNvbg.{}",
                s.ed.sign(&good).split('.').nth(1).unwrap()
            ) + ".c2ln",
            "invalid_token",
        ),
        (
            "four segments (not a JWT by shape)",
            format!("{}.extra", s.ed.sign(&good)),
            "malformed_credentials",
        ),
        (
            "padded segments (not a JWT by shape, nor a signed session token)",
            s.ed.sign(&good).replacen('.', "=.", 1),
            "malformed_credentials",
        ),
    ];
    for (name, token, code) in &cases {
        let error = s.auth.authenticate(&bearer(token)).await.unwrap_err();
        assert_eq!(
            (error.status().as_u16(), error.code()),
            (401, *code),
            "{name}: {error:?}"
        );
    }

    // A tampered payload, keeping the honest signature.
    let honest = s.ed.sign(&good);
    let mut parts: Vec<String> = honest.split('.').map(str::to_owned).collect();
    let mut admin = good.clone();
    admin["role"] = json!("admin");
    parts[1] = raw_token(&json!({}), &admin, "")
        .split('.')
        .nth(1)
        .unwrap()
        .to_owned();
    refused(&s.auth, &parts.join("."), "invalid_token").await;

    // A 1 MB token: refused at the header, before any parsing.
    let huge = format!(
        "eyJ{}.{}.{}",
        "A".repeat(1 << 20),
        "B".repeat(10),
        "C".repeat(10)
    );
    refused(&s.auth, &huge, "malformed_credentials").await;
    let error = s.verifier.verify_token(&huge).await.unwrap_err();
    assert!(
        matches!(
            error,
            AuthError::InvalidToken {
                reason: "token too long"
            }
        ),
        "{error:?}"
    );

    // All of the above cost at most one refetch (the unknown kids share the rate limit).
    assert!(s.server.hits() <= 2, "{} JWKS requests", s.server.hits());
}

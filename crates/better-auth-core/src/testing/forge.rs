//! Crafted credentials for the attack corpus: JWT variants (none, HMAC with the public key,
//! other keys, bad claims, odd `kid`s) and cookie-cache entries (forged, replayed, stale, bombs),
//! all built from the fixture's real secret and key so that only the attacked detail is wrong.

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use hmac::Mac;
use serde_json::{Value, json};

use super::{Fixture, FixtureUser, fixture::BASE_URL};

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn segment(value: &Value) -> String {
    b64(value.to_string().as_bytes())
}

impl Fixture {
    /// Better Auth-shaped JWT claims for `user`, valid `ttl` seconds from now.
    fn jwt_claims(&self, user: FixtureUser, ttl: i64) -> Value {
        let now = Utc::now().timestamp();
        json!({
            "iat": now, "name": format!("{user:?}"), "email": user.email(), "emailVerified": true,
            "image": null, "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z",
            "role": user.role(), "banned": user == FixtureUser::Bob, "id": user.id(), "sub": user.id(),
            "exp": now + ttl, "iss": BASE_URL, "aud": BASE_URL,
        })
    }

    /// Signs `HEADER.PAYLOAD` with the fixture's Ed25519 key.
    fn ed_sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", segment(header), segment(claims));
        let signature = self.signing_key.sign(input.as_bytes());
        format!("{input}.{}", b64(signature.as_ref()))
    }

    /// A JWT for `user`, broken as `variant` says.
    pub(crate) fn jwt_variant(&self, variant: &str, user: FixtureUser) -> String {
        let header = json!({"alg": "EdDSA", "kid": "conformance-key"});
        let claims = self.jwt_claims(user, 600);
        let with = |key: &str, value: Value| {
            let mut claims = claims.clone();
            if value.is_null() {
                claims.as_object_mut().map(|object| object.remove(key));
            } else {
                claims[key] = value;
            }
            claims
        };
        let now = Utc::now().timestamp();
        let hmac = |secret: &[u8], header: &Value, claims: &Value| {
            let input = format!("{}.{}", segment(header), segment(claims));
            let mut mac =
                hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).expect("any key length");
            mac.update(input.as_bytes());
            format!("{input}.{}", b64(&mac.finalize().into_bytes()))
        };
        match variant {
            "valid" => self.ed_sign(&header, &claims),
            "expired" => self.ed_sign(&header, &with("exp", json!(now - 60))),
            "nbf_future" => self.ed_sign(&header, &with("nbf", json!(now + 3600))),
            "iat_future" => self.ed_sign(&header, &with("iat", json!(now + 3600))),
            "wrong_iss" => self.ed_sign(&header, &with("iss", json!("https://evil.example"))),
            "no_iss" => self.ed_sign(&header, &with("iss", Value::Null)),
            "wrong_aud" => self.ed_sign(&header, &with("aud", json!("https://evil.example"))),
            "aud_array_miss" => self.ed_sign(
                &header,
                &with("aud", json!(["https://a.example", "https://b.example"])),
            ),
            "no_exp" => self.ed_sign(&header, &with("exp", Value::Null)),
            "exp_string" => self.ed_sign(&header, &with("exp", json!((now + 600).to_string()))),
            "exp_huge" => self.ed_sign(&header, &with("exp", json!(1e300))),
            "no_sub" => self.ed_sign(&header, &with("sub", Value::Null)),
            "empty_sub" => self.ed_sign(&header, &with("sub", json!(""))),
            "payload_array" => self.ed_sign(&header, &json!([1, 2, 3])),
            "payload_string" => self.ed_sign(&header, &json!("claims")),
            "none" => format!("{}.{}.", segment(&json!({"alg": "none"})), segment(&claims)),
            "none_signed" => format!(
                "{}.{}.c2ln",
                segment(&json!({"alg": "none", "kid": "conformance-key"})),
                segment(&claims)
            ),
            "none_capitalized" => format!(
                "{}.{}.c2ln",
                segment(&json!({"alg": "None"})),
                segment(&claims)
            ),
            "hs256_pubkey" => hmac(
                self.signing_key.public_key().as_ref(),
                &json!({"alg": "HS256", "kid": "conformance-key"}),
                &claims,
            ),
            "hs256_jwk_x" => {
                let x = b64(self.signing_key.public_key().as_ref());
                hmac(
                    x.as_bytes(),
                    &json!({"alg": "HS256", "kid": "conformance-key"}),
                    &claims,
                )
            }
            "hs512_pubkey" => hmac(
                self.signing_key.public_key().as_ref(),
                &json!({"alg": "HS512", "kid": "conformance-key"}),
                &claims,
            ),
            "rs256_alg" => {
                self.ed_sign(&json!({"alg": "RS256", "kid": "conformance-key"}), &claims)
            }
            "es256_alg" => {
                self.ed_sign(&json!({"alg": "ES256", "kid": "conformance-key"}), &claims)
            }
            "other_key" => {
                let other = Ed25519KeyPair::generate().expect("an Ed25519 key");
                let input = format!("{}.{}", segment(&header), segment(&claims));
                format!("{input}.{}", b64(other.sign(input.as_bytes()).as_ref()))
            }
            "tampered_payload" => {
                let honest = self.ed_sign(&header, &claims);
                let signature = honest.rsplit('.').next().unwrap_or_default().to_owned();
                format!(
                    "{}.{}.{signature}",
                    segment(&header),
                    segment(&with("role", json!("admin")))
                )
            }
            "tampered_signature" => {
                let mut honest = self.ed_sign(&header, &claims);
                let last = honest.len() - 3;
                let replacement = if &honest[last..=last] == "A" {
                    "B"
                } else {
                    "A"
                };
                honest.replace_range(last..=last, replacement);
                honest
            }
            "unknown_kid" => self.ed_sign(&json!({"alg": "EdDSA", "kid": "not-a-key"}), &claims),
            "no_kid" => self.ed_sign(&json!({"alg": "EdDSA"}), &claims),
            "kid_number" => self.ed_sign(&json!({"alg": "EdDSA", "kid": 7}), &claims),
            "kid_traversal" => self.ed_sign(
                &json!({"alg": "EdDSA", "kid": "../../../../etc/passwd"}),
                &claims,
            ),
            "kid_sql" => self.ed_sign(&json!({"alg": "EdDSA", "kid": "' OR '1'='1"}), &claims),
            "kid_nul" => self.ed_sign(
                &json!({"alg": "EdDSA", "kid": "conformance-key\u{0}"}),
                &claims,
            ),
            "kid_huge" => self.ed_sign(&json!({"alg": "EdDSA", "kid": "k".repeat(2000)}), &claims),
            "crit" => self.ed_sign(
                &json!({"alg": "EdDSA", "kid": "conformance-key", "crit": ["exp"]}),
                &claims,
            ),
            "jku" => {
                let other = Ed25519KeyPair::generate().expect("an Ed25519 key");
                let header =
                    json!({"alg": "EdDSA", "jku": "https://evil.example/jwks.json", "kid": "evil"});
                let input = format!("{}.{}", segment(&header), segment(&claims));
                format!("{input}.{}", b64(other.sign(input.as_bytes()).as_ref()))
            }
            "jwk_injection" => {
                let other = Ed25519KeyPair::generate().expect("an Ed25519 key");
                let jwk =
                    json!({"kty": "OKP", "crv": "Ed25519", "x": b64(other.public_key().as_ref())});
                let header = json!({"alg": "EdDSA", "jwk": jwk});
                let input = format!("{}.{}", segment(&header), segment(&claims));
                format!("{input}.{}", b64(other.sign(input.as_bytes()).as_ref()))
            }
            "header_not_json" => format!("eyJub3QganNvbg.{}.c2ln", segment(&claims)),
            "payload_not_base64" => format!("{}.!!!.c2ln", segment(&header)),
            "signature_not_base64" => format!("{}.{}.!!!", segment(&header), segment(&claims)),
            "empty_signature" => format!("{}.{}.", segment(&header), segment(&claims)),
            "four_segments" => format!("{}.extra", self.ed_sign(&header, &claims)),
            "padded" => self.ed_sign(&header, &claims).replacen('.', "=.", 1),
            "huge" => format!("{}.{}.c2ln", segment(&header), "A".repeat(20_000)),
            other => panic!("unknown JWT variant {other}"),
        }
    }

    /// A compact cookie-cache value (`session_data`) for `user`, broken as `variant` says.
    pub(crate) fn cache_variant(&self, variant: &str, user: FixtureUser) -> String {
        let entry_for = |user: FixtureUser,
                         expires_in_ms: i64,
                         role: &str,
                         version: &str,
                         sign: bool,
                         nanos: bool| {
            let now = Utc::now();
            // Dates as JavaScript's `toISOString()` writes them (milliseconds): Better Auth
            // revives and re-serializes them before it checks the signature.
            let iso = |time: chrono::DateTime<Utc>| {
                let digits = if nanos {
                    chrono::SecondsFormat::Nanos
                } else {
                    chrono::SecondsFormat::Millis
                };
                time.to_rfc3339_opts(digits, true)
            };
            let payload = json!({
                "session": {
                    "id": format!("session-{}", user.id()), "token": user.token(), "userId": user.id(),
                    "expiresAt": iso(now + chrono::Duration::days(7)), "createdAt": iso(now), "updatedAt": iso(now),
                },
                "user": {
                    "id": user.id(), "name": format!("{user:?}"), "email": user.email(), "emailVerified": true,
                    "createdAt": iso(now), "updatedAt": iso(now), "role": role,
                },
                "updatedAt": now.timestamp_millis(), "version": version,
            })
            .to_string();
            let expires_at = now.timestamp_millis() + expires_in_ms;
            let message = format!(
                "{},\"expiresAt\":{expires_at}}}",
                &payload[..payload.len() - 1]
            );
            let secret = if sign {
                self.secrets.current().expose_bytes().to_vec()
            } else {
                b"not-the-secret".to_vec()
            };
            let mut mac =
                hmac::Hmac::<sha2::Sha256>::new_from_slice(&secret).expect("any key length");
            mac.update(message.as_bytes());
            let signature = b64(&mac.finalize().into_bytes());
            b64(format!(
                "{{\"session\":{payload},\"expiresAt\":{expires_at},\"signature\":\"{signature}\"}}"
            )
            .as_bytes())
        };
        match variant {
            "valid" => entry_for(user, 300_000, user.role(), "1", true, false),
            "forged_admin" => entry_for(user, 300_000, "admin", "1", false, false),
            "other_user" => entry_for(FixtureUser::Root, 300_000, "user,admin", "1", true, false),
            "stale" => entry_for(user, -1_000, user.role(), "1", true, false),
            "version_2" => entry_for(user, 300_000, user.role(), "2", true, false),
            "nanosecond_dates" => entry_for(user, 300_000, user.role(), "1", true, true),
            "bomb" => b64(format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).as_bytes()),
            "garbage" => "bm90IGEgY2FjaGUgZW50cnk".to_owned(),
            "huge" => "A".repeat(70_000),
            other => panic!("unknown cache variant {other}"),
        }
    }
}

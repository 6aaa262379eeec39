//! Entry points for the fuzz targets (`fuzz/`, feature `fuzzing`): the internal parsers, each
//! fed raw input. Not a stable API.

use chrono::Utc;

use crate::{jwt::JwtValidation, secret::SecretSet};

/// Splits and decodes a compact JWS, then validates its payload as claims (without a
/// signature: the claim checks are what is fuzzed here).
pub fn jwt_parse_and_claims(token: &str) {
    if let Ok(jws) = crate::jwt::compact::parse(token)
        && let Ok(payload) = crate::jwt::compact::decode_payload(jws.payload)
    {
        let _ = crate::jwt::claims::validate(
            &payload,
            &JwtValidation::for_origin("https://a.example"),
            Utc::now(),
        );
    }
    let _ = crate::jwt::claims::validate(token.as_bytes(), &JwtValidation::default(), Utc::now());
}

/// Decodes a cookie-cache value with every strategy.
#[cfg(feature = "cookie-cache")]
pub fn cookie_cache_decode(value: &str, secrets: &SecretSet) {
    use crate::cookie_cache::{CookieCacheOptions, CookieCacheStrategy, decode};
    for strategy in [
        CookieCacheStrategy::Compact,
        CookieCacheStrategy::Jwt,
        CookieCacheStrategy::Jwe,
    ] {
        let _ = decode(value, &CookieCacheOptions::with_strategy(strategy), secrets);
    }
}

/// Reads the cookie cache (chunked or not) and the multi-session cookies from a `Cookie` header.
#[cfg(feature = "cookie-cache")]
pub fn cookie_header_extras(headers: &http::HeaderMap) {
    let _ = crate::cookie_cache::read_cookie(headers, "better-auth.session_data");
    let _ = crate::multi_session::signed_values(headers);
}

/// Runs the Origin check on these headers for a POST.
pub fn origin_check(headers: &http::HeaderMap) {
    let trusted = crate::origin::TrustedOrigins::new([
        "https://app.example.com",
        "https://*.example.org",
        "*.example.net",
    ]);
    let _ = crate::origin::check("POST", headers, &trusted);
}

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

/// Parses the `Cookie` headers once, then reads the session cookie, the cookie cache (chunked
/// or not) and the multi-session cookies from them.
#[cfg(feature = "cookie-cache")]
pub fn cookie_header(headers: &http::HeaderMap) {
    let jar = crate::cookies::CookieJar::parse(headers);
    let _ = jar.get("better-auth.session_token");
    let _ = crate::cookie_cache::read_cookie(&jar, "better-auth.session_data");
    let _ = crate::multi_session::signed_values(&jar);
}

/// The bearer plugin's reading of the `Authorization` header.
pub fn bearer(headers: &http::HeaderMap) -> Option<String> {
    crate::credentials::bearer(headers).ok().flatten()
}

/// better-call's `tryDecode` (`decodeURIComponent`, or the value unchanged).
pub fn try_decode_uri_component(value: &str) -> std::borrow::Cow<'_, str> {
    crate::js::try_decode_uri_component(value)
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

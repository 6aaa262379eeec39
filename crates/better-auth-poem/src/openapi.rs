//! poem-openapi (feature `openapi`): [`OpenApiUser`], the authenticated user of an
//! `#[OpenApi]` operation, which documents Better Auth's three security schemes (the session
//! cookie, a bearer session token or JWT, an API key) on the operation that takes it.
//!
//! ```
//! use better_auth_poem::{BetterAuth, openapi::OpenApiUser};
//! use poem_openapi::{OpenApi, OpenApiService, payload::PlainText};
//!
//! struct Api;
//!
//! #[OpenApi]
//! impl Api {
//!     /// The signed-in user's email.
//!     #[oai(path = "/me", method = "get")]
//!     async fn me(&self, user: OpenApiUser) -> PlainText<String> {
//!         PlainText(user.user.email.clone())
//!     }
//! }
//!
//! let service = OpenApiService::new(Api, "example", "1.0");
//! let document: serde_json::Value = serde_json::from_str(&service.spec()).unwrap();
//! let schemes = &document["components"]["securitySchemes"];
//! assert_eq!(schemes["better_auth_session"]["in"], "cookie");
//! assert_eq!(schemes["better_auth_bearer"]["scheme"], "bearer");
//! assert_eq!(document["paths"]["/me"]["get"]["security"][2]["better_auth_api_key"], serde_json::json!([]));
//! // Serve it behind the middleware: `Route::new().nest("/", service).with(BetterAuth::new(auth))`.
//! ```

use std::{ops::Deref, sync::OnceLock};

use better_auth_core::AuthConfig;
use poem::{FromRequest, Request, RequestBody, Result};
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ExtractParamOptions,
    registry::{MetaSecurityScheme, Registry},
};

use crate::AuthUser;

/// The session cookie's scheme.
pub const SESSION_COOKIE: &str = "better_auth_session";
/// The bearer scheme (a session token from `set-auth-token`, or a JWT from `/token`).
pub const BEARER: &str = "better_auth_bearer";
/// The API key scheme (`x-api-key`).
pub const API_KEY: &str = "better_auth_api_key";

/// The cookie and API key header names documented (poem-openapi's registry takes static names).
static DOCUMENTED: OnceLock<(&'static str, &'static str)> = OnceLock::new();

/// Documents the cookie and API key header names of `config` (a custom cookie prefix,
/// `__Secure-` on https) instead of Better Auth's defaults (`better-auth.session_token`,
/// `x-api-key`). Call it once, before the first `OpenApiService` is built; later calls change
/// nothing. Returns whether this call set them.
pub fn document_names_of(config: &AuthConfig) -> bool {
    let cookie: &'static str = Box::leak(config.session_cookie().into_boxed_str());
    let header = config
        .api_key_header()
        .unwrap_or(better_auth_core::DEFAULT_API_KEY_HEADER)
        .to_owned();
    let header: &'static str = Box::leak(header.into_boxed_str());
    DOCUMENTED.set((cookie, header)).is_ok()
}

fn documented() -> (&'static str, &'static str) {
    DOCUMENTED
        .get()
        .copied()
        .unwrap_or(("better-auth.session_token", "x-api-key"))
}

/// The authenticated user of an `#[OpenApi]` operation: an [`AuthUser`] (refused as
/// [`AuthUser`] refuses: 401, 403, 503) that documents the three schemes, any one of which
/// authenticates. Needs the [`BetterAuth`](crate::BetterAuth) middleware, like [`AuthUser`].
#[derive(Debug, Clone)]
pub struct OpenApiUser(pub AuthUser);

impl Deref for OpenApiUser {
    type Target = AuthUser;

    fn deref(&self) -> &AuthUser {
        &self.0
    }
}

impl<'a> ApiExtractor<'a> for OpenApiUser {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        let (cookie, header) = documented();
        registry.create_security_scheme(
            SESSION_COOKIE,
            MetaSecurityScheme {
                ty: "apiKey",
                description: Some(
                    "Better Auth's signed session cookie (TOKEN.SIGNATURE), set by its sign-in",
                ),
                name: Some(cookie),
                key_in: Some("cookie"),
                scheme: None,
                bearer_format: None,
                flows: None,
                openid_connect_url: None,
            },
        );
        registry.create_security_scheme(
            BEARER,
            MetaSecurityScheme {
                ty: "http",
                description: Some(
                    "A session token (Better Auth's set-auth-token header, bearer plugin) or a JWT (its /token, JWT plugin)",
                ),
                name: None,
                key_in: None,
                scheme: Some("bearer"),
                bearer_format: Some("session token or JWT"),
                flows: None,
                openid_connect_url: None,
            },
        );
        registry.create_security_scheme(
            API_KEY,
            MetaSecurityScheme {
                ty: "apiKey",
                description: Some("An API key of Better Auth's API key plugin"),
                name: Some(header),
                key_in: Some("header"),
                scheme: None,
                bearer_format: None,
                flows: None,
                openid_connect_url: None,
            },
        );
    }

    fn security_schemes() -> Vec<&'static str> {
        vec![SESSION_COOKIE, BEARER, API_KEY]
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _options: ExtractParamOptions<()>,
    ) -> Result<Self> {
        <AuthUser as FromRequest<'a>>::from_request(request, body)
            .await
            .map(Self)
    }
}

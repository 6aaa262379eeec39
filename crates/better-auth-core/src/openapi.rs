//! OpenAPI security schemes for `utoipa` (feature `utoipa`): the three ways a request proves
//! who it is to this library, named so that an operation can require any of them (utoipa's
//! `security(...)` takes the names as string literals: `better_auth_session`,
//! `better_auth_bearer`, `better_auth_api_key`).
//!
//! ```
//! use better_auth_core::{AuthConfig, SecretSet, openapi};
//! use utoipa::{OpenApi, Modify};
//!
//! #[utoipa::path(get, path = "/me", responses((status = 200), (status = 401)),
//!     security(("better_auth_session" = []), ("better_auth_bearer" = []), ("better_auth_api_key" = [])))]
//! async fn me() {}
//!
//! #[derive(OpenApi)]
//! #[openapi(paths(me))]
//! struct ApiDoc;
//!
//! let config = AuthConfig::new(SecretSet::single("0123456789abcdef0123456789abcdef").unwrap());
//! let mut doc = ApiDoc::openapi();
//! openapi::SecuritySchemes::new(&config).modify(&mut doc);
//! let json = serde_json::to_value(&doc).unwrap();
//! assert_eq!(
//!     json["components"]["securitySchemes"][openapi::SESSION_COOKIE]["name"],
//!     "better-auth.session_token"
//! );
//! assert_eq!(json["paths"]["/me"]["get"]["security"][1], serde_json::json!({"better_auth_bearer": []}));
//! ```

use utoipa::openapi::{
    OpenApi,
    security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::config::AuthConfig;

/// The name of the session cookie's scheme (`apiKey` in `cookie`, with the configured name).
pub const SESSION_COOKIE: &str = "better_auth_session";
/// The name of the bearer scheme (`http` `bearer`: a session token from `set-auth-token`, or a
/// JWT from Better Auth's `/token`).
pub const BEARER: &str = "better_auth_bearer";
/// The name of the API key scheme (`apiKey` in `header`, the first configured API key header).
pub const API_KEY: &str = "better_auth_api_key";

/// A `utoipa::Modify` that adds the three schemes, with the names `config` uses.
#[derive(Debug, Clone)]
pub struct SecuritySchemes {
    cookie: String,
    api_key_header: String,
}

impl SecuritySchemes {
    /// The schemes of `config`: its session cookie name (prefix, `__Secure-`) and API key
    /// header.
    pub fn new(config: &AuthConfig) -> Self {
        Self {
            cookie: config.session_cookie(),
            api_key_header: config
                .api_key_header()
                .unwrap_or(crate::config::DEFAULT_API_KEY_HEADER)
                .to_owned(),
        }
    }
}

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SESSION_COOKIE,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                self.cookie.clone(),
                "Better Auth's signed session cookie (TOKEN.SIGNATURE), set by its sign-in"
                    .to_owned(),
            ))),
        );
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("session token or JWT")
                    .description(Some(
                        "A session token (Better Auth's set-auth-token header, bearer plugin) or a JWT (its /token, JWT plugin)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            API_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                self.api_key_header.clone(),
                "An API key of Better Auth's API key plugin".to_owned(),
            ))),
        );
    }
}

//! A real OAuth 2.1 authorization server: the Better Auth test server (see
//! [`better_auth`](crate::better_auth)) with `@better-auth/oauth-provider`, and the HTTP calls
//! that get real access tokens from it, for tests of resource servers.
//!
//! The server runs on a fresh SQLite file with the `jwt` (EdDSA), `bearer` and `oauthProvider`
//! plugins: scopes [`SCOPES`], resources [`RES`] and [`RES2`], every new client linked to
//! [`RES`], any signed-in user allowed to create clients (`clientPrivileges` "allow-all"),
//! `loginPage` `/sign-in`, `consentPage` `/consent`. [`OAuthProvider::start`] signs an owner up,
//! whose session creates the clients.
//!
//! What the provider does with these calls is written down in `docs/oauth-provider-facts.md`:
//! a token asked for a resource is a JWT (`typ: at+jwt`, `iss` = [`OAuthProvider::issuer`],
//! `aud` = the resource); without one it is opaque, and only its issuing client may introspect
//! it.

use base64::Engine as _;
use reqwest::{
    StatusCode,
    header::{HeaderMap, HeaderValue},
};
use serde_json::{Value, json};
use sha2::Digest as _;

use crate::{
    better_auth::{BetterAuthServer, SignedIn},
    db::TestDb,
};

/// The resource (audience) every client is linked to.
pub const RES: &str = "https://api.example.test";
/// A second configured resource, linked to no client unless a test links it.
pub const RES2: &str = "https://other.example.test";
/// The scopes the provider knows.
pub const SCOPES: [&str; 6] = [
    "openid",
    "profile",
    "email",
    "offline_access",
    "read:items",
    "write:items",
];
/// The redirect URI of the clients [`OAuthProvider::create_web_client`] makes (never
/// followed: the code is read from it).
pub const REDIRECT_URI: &str = "https://client.example.test/cb";

/// A registered confidential client (`client_secret_basic`).
#[derive(Debug, Clone)]
pub struct Client {
    /// `client_id`.
    pub id: String,
    /// `client_secret` (shown once by the provider, stored hashed).
    pub secret: String,
}

/// A `200` answer of `/oauth2/token`.
#[derive(Debug, Clone)]
pub struct TokenResponse {
    /// `access_token`: a JWT when a resource was asked for, else opaque.
    pub access_token: String,
    /// `expires_in` (seconds).
    pub expires_in: u64,
    /// `scope`, space-separated.
    pub scope: String,
    /// `refresh_token` (authorization code with `offline_access`).
    pub refresh_token: Option<String>,
    /// `id_token` (with `openid`).
    pub id_token: Option<String>,
    /// The whole JSON body.
    pub body: Value,
}

impl TokenResponse {
    fn from_body(body: Value) -> Self {
        let text = |name: &str| body[name].as_str().map(str::to_owned);
        Self {
            access_token: text("access_token").expect("the answer has an access_token"),
            expires_in: body["expires_in"].as_u64().expect("expires_in"),
            scope: text("scope").unwrap_or_default(),
            refresh_token: text("refresh_token"),
            id_token: text("id_token"),
            body,
        }
    }

    /// Whether the access token is a JWT (three dot-separated parts) rather than opaque.
    pub fn is_jwt(&self) -> bool {
        self.access_token.split('.').count() == 3
    }

    /// The access token's JOSE header, decoded without verifying anything. Panics when it is
    /// not a JWT.
    pub fn header(&self) -> Value {
        jwt_part(&self.access_token, 0)
    }

    /// The access token's claims, decoded without verifying anything. Panics when it is not a
    /// JWT.
    pub fn claims(&self) -> Value {
        jwt_part(&self.access_token, 1)
    }
}

/// Part `index` (0 header, 1 claims) of a compact JWT as JSON, unverified.
pub fn jwt_part(token: &str, index: usize) -> Value {
    let part = token
        .split('.')
        .nth(index)
        .filter(|_| token.split('.').count() == 3)
        .unwrap_or_else(|| panic!("not a JWT: {token}"));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap_or_else(|error| panic!("JWT part {index} is not base64url: {error}"));
    serde_json::from_slice(&bytes).expect("a JWT part is JSON")
}

/// The provider: a [`BetterAuthServer`] on its own SQLite file, an owner signed in, and an
/// HTTP client that does not follow redirects.
pub struct OAuthProvider {
    server: BetterAuthServer,
    db: TestDb,
    owner: SignedIn,
    http: reqwest::Client,
}

impl OAuthProvider {
    /// The `BA_CONFIG` document (see `server.mjs`) for a provider on `db`, with `extra`
    /// (a JSON object) merged over the module's `oauthProvider` options.
    pub fn config(db: &TestDb, extra: Value) -> Value {
        let mut options = json!({
            "loginPage": "/sign-in",
            "consentPage": "/consent",
            "scopes": SCOPES,
            "resources": [RES, RES2],
            "clientRegistrationDefaultResources": [RES],
            "clientPrivileges": "allow-all",
            "allowDynamicClientRegistration": true,
        });
        if let (Some(options), Value::Object(extra)) = (options.as_object_mut(), extra) {
            options.extend(extra);
        }
        // As production runs it: the rate limiter on (the provider's own limits too:
        // introspection 100 a minute per client address, the token endpoint 20).
        crate::better_auth::BetterAuthServer::production(
            db.server_config(json!({"jwt": {}, "bearer": {}, "oauthProvider": options})),
        )
    }

    /// Starts a provider with the default lifetimes (1 hour for user and M2M access tokens).
    pub async fn start() -> Self {
        Self::start_with(json!({})).await
    }

    /// Starts a provider whose user access tokens live `user_seconds` and client-credentials
    /// (M2M) ones `m2m_seconds` (`accessTokenExpiresIn`, `m2mAccessTokenExpiresIn`).
    pub async fn start_with_lifetimes(user_seconds: u64, m2m_seconds: u64) -> Self {
        Self::start_with(json!({
            "accessTokenExpiresIn": user_seconds,
            "m2mAccessTokenExpiresIn": m2m_seconds,
        }))
        .await
    }

    /// Starts a provider with `extra` oauthProvider options (see [`config`](Self::config)) and
    /// signs its owner up.
    pub async fn start_with(extra: Value) -> Self {
        let db = TestDb::sqlite();
        let server = BetterAuthServer::start(Self::config(&db, extra)).await;
        let owner = server
            .sign_up("owner@example.test", "correct horse battery", "Owner")
            .await;
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("HTTP client");
        Self {
            server,
            db,
            owner,
            http,
        }
    }

    /// The Better Auth server.
    pub fn server(&self) -> &BetterAuthServer {
        &self.server
    }

    /// The SQLite database the server uses.
    pub fn db(&self) -> &TestDb {
        &self.db
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        self.server.base_url()
    }

    /// The issuer of its tokens (`iss`): the base URL with `/api/auth`.
    pub fn issuer(&self) -> String {
        format!("{}/api/auth", self.server.base_url())
    }

    /// Its JWKS (`{issuer}/jwks`), which signs the JWT access tokens.
    pub fn jwks_url(&self) -> String {
        format!("{}/jwks", self.issuer())
    }

    /// The owner's `Cookie` header (the session that creates clients).
    pub fn owner_cookie(&self) -> String {
        self.owner.cookie_header()
    }

    /// Signs a user up (email and password); its `cookie_header()` is what
    /// [`authorization_code_token`](Self::authorization_code_token) takes.
    pub async fn sign_up(&self, email: &str) -> SignedIn {
        self.server
            .sign_up(email, "correct horse battery", "Alice")
            .await
    }

    /// A confidential web client (`client_secret_basic`; authorization code and refresh
    /// token; scopes `openid profile email offline_access read:items write:items`;
    /// [`REDIRECT_URI`]), registered by the owner through `POST /oauth2/create-client`.
    pub async fn create_web_client(&self) -> Client {
        let body = json!({
            "client_name": "web",
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["authorization_code", "refresh_token"],
            "scope": "openid profile email offline_access read:items write:items",
        });
        let response = self
            .server
            .post("/oauth2/create-client", body, Some(&self.owner_cookie()))
            .await;
        let body = self.success(response, "POST /oauth2/create-client").await;
        client_of(&body)
    }

    /// A machine-to-machine client (`client_credentials` with scopes `read:items write:items`),
    /// which only Better Auth's server-only `adminCreateOAuthClient` can make.
    pub async fn create_m2m_client(&self) -> Client {
        self.admin_create_client(json!({
            "client_name": "m2m",
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["client_credentials"],
            "client_credentials_scopes": ["read:items", "write:items"],
        }))
        .await
    }

    /// A resource server's own confidential client, linked to `resource` only (no scopes: it
    /// gets no tokens, it introspects them: the provider answers a client linked to one of a
    /// token's audiences).
    pub async fn create_resource_server_client(&self, resource: &str) -> Client {
        let client = self
            .admin_create_client(json!({
                "client_name": "resource server",
                "token_endpoint_auth_method": "client_secret_basic",
                "grant_types": ["client_credentials"],
            }))
            .await;
        self.link_resource(&client, resource).await;
        if resource != RES {
            self.unlink_resource(&client, RES).await;
        }
        client
    }

    /// Creates a client with Better Auth's server-only `adminCreateOAuthClient` (the owner's
    /// session; `body` in the registration format, e.g. `client_credentials_scopes`).
    pub async fn admin_create_client(&self, body: Value) -> Client {
        let created = self
            .server
            .test_hook(
                "admin-create-oauth-client",
                json!({"cookie": self.owner_cookie(), "client": body}),
            )
            .await;
        assert!(
            created.get("thrown").is_none() && created["client_id"].is_string(),
            "adminCreateOAuthClient: {created}\n{}",
            self.server.stderr()
        );
        client_of(&created)
    }

    /// Links `client` to the configured `resource` (server-only `adminLinkClientResource`).
    pub async fn link_resource(&self, client: &Client, resource: &str) {
        self.resource_link(client, resource, false).await;
    }

    /// Unlinks `client` from `resource` (server-only `adminUnlinkClientResource`).
    pub async fn unlink_resource(&self, client: &Client, resource: &str) {
        self.resource_link(client, resource, true).await;
    }

    async fn resource_link(&self, client: &Client, resource: &str, unlink: bool) {
        let answer = self
            .server
            .test_hook(
                "link-oauth-resource",
                json!({
                    "cookie": self.owner_cookie(),
                    "clientId": client.id,
                    "resource": resource,
                    "unlink": unlink,
                }),
            )
            .await;
        let expected = if unlink { "unlinked" } else { "linked" };
        assert!(
            answer[expected] == true,
            "{expected} {} to {resource}: {answer}\n{}",
            client.id,
            self.server.stderr()
        );
    }

    /// `POST /oauth2/token` with this form and `client`'s Basic credentials.
    pub async fn token(&self, client: &Client, form: &[(&str, &str)]) -> TokenResponse {
        let response = self.form_post("/oauth2/token", client, form).await;
        TokenResponse::from_body(self.success(response, "POST /oauth2/token").await)
    }

    /// A client-credentials token: a JWT (`typ: at+jwt`, `aud` = `resource`) with a resource,
    /// opaque without one; `scope` defaults to all the client's client-credentials scopes.
    pub async fn client_credentials_token(
        &self,
        client: &Client,
        resource: Option<&str>,
        scope: Option<&str>,
    ) -> TokenResponse {
        let mut form = vec![("grant_type", "client_credentials")];
        form.extend(resource.map(|resource| ("resource", resource)));
        form.extend(scope.map(|scope| ("scope", scope)));
        self.token(client, &form).await
    }

    /// A user's token through the authorization code flow with PKCE (S256), as a browser and
    /// the client would drive it, without following any redirect: `GET /oauth2/authorize` with
    /// the user's cookies, `POST /oauth2/consent` (`accept`) when the provider sends the user
    /// to the consent page (not when this user already consented to these scopes), the `code`
    /// read from the redirect URI, then `POST /oauth2/token`. `resource`, when given, is sent to
    /// both endpoints (the access token is then a JWT for it).
    pub async fn authorization_code_token(
        &self,
        user_cookie: &str,
        client: &Client,
        scope: &str,
        resource: Option<&str>,
    ) -> TokenResponse {
        let verifier =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()));
        let state =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 12]>());
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &client.id)
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("scope", scope)
            .append_pair("state", &state)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        if let Some(resource) = resource {
            query.append_pair("resource", resource);
        }
        let mut headers = HeaderMap::new();
        headers.insert(
            "cookie",
            HeaderValue::from_str(user_cookie).expect("cookie header"),
        );
        let authorize = self
            .server
            .get(&format!("/oauth2/authorize?{}", query.finish()), headers)
            .await;
        let location = authorize
            .headers()
            .get("location")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let status = authorize.status();
        let Some(mut location) = location.filter(|_| status == StatusCode::FOUND) else {
            let body = authorize.text().await.unwrap_or_default();
            panic!(
                "GET /oauth2/authorize: {status} {body}\n{}",
                self.server.stderr()
            );
        };
        if let Some(consent_query) = location.strip_prefix("/consent?") {
            let consent = self
                .server
                .post(
                    "/oauth2/consent",
                    json!({"accept": true, "oauth_query": consent_query}),
                    Some(user_cookie),
                )
                .await;
            let consent = self.success(consent, "POST /oauth2/consent").await;
            location = consent["url"]
                .as_str()
                .unwrap_or_else(|| panic!("the consent answer has no url: {consent}"))
                .to_owned();
        }
        let redirect = url::Url::parse(&location)
            .ok()
            .filter(|url| url.as_str().starts_with(REDIRECT_URI))
            .unwrap_or_else(|| panic!("authorize did not redirect to the client: {location}"));
        let param = |name: &str| {
            redirect
                .query_pairs()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.into_owned())
        };
        assert_eq!(
            param("state").as_deref(),
            Some(state.as_str()),
            "{location}"
        );
        let code = param("code").unwrap_or_else(|| panic!("no code in {location}"));

        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code_verifier", verifier.as_str()),
            ("redirect_uri", REDIRECT_URI),
        ];
        form.extend(resource.map(|resource| ("resource", resource)));
        self.token(client, &form).await
    }

    /// `POST /oauth2/introspect` (RFC 7662) as `client`: `{"active": false}` for a token it may
    /// not see (it is neither the issuer nor linked to one of the token's audiences).
    pub async fn introspect(&self, client: &Client, token: &str) -> Value {
        let response = self
            .form_post("/oauth2/introspect", client, &[("token", token)])
            .await;
        self.success(response, "POST /oauth2/introspect").await
    }

    /// `POST /oauth2/revoke` (RFC 7009) as `client`, the status as is: `200` for an opaque
    /// token (deleted) or a refresh token, `400` `unsupported_token_type` for a JWT. Panics on
    /// a server error.
    pub async fn revoke(&self, client: &Client, token: &str) -> StatusCode {
        let response = self
            .form_post("/oauth2/revoke", client, &[("token", token)])
            .await;
        let status = response.status();
        if status.is_server_error() {
            let body = response.text().await.unwrap_or_default();
            panic!(
                "POST /oauth2/revoke: {status} {body}\n{}",
                self.server.stderr()
            );
        }
        status
    }

    /// POSTs an `application/x-www-form-urlencoded` form to `/api/auth{path}` with `client`'s
    /// Basic credentials.
    pub async fn form_post(
        &self,
        path: &str,
        client: &Client,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.http
            .post(format!("{}{path}", self.issuer()))
            .header("x-forwarded-for", crate::better_auth::next_client_address())
            .basic_auth(&client.id, Some(&client.secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("request to Better Auth")
    }

    /// The JSON body of a 2xx answer; panics with the status, the body and the server's stderr
    /// otherwise.
    async fn success(&self, response: reqwest::Response, what: &str) -> Value {
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "{what}: {status} {text}\n{}",
            self.server.stderr()
        );
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{what}: not JSON: {text}"))
    }
}

fn client_of(body: &Value) -> Client {
    let text = |name: &str| {
        body[name]
            .as_str()
            .unwrap_or_else(|| panic!("the client has no {name}: {body}"))
            .to_owned()
    };
    Client {
        id: text("client_id"),
        secret: text("client_secret"),
    }
}

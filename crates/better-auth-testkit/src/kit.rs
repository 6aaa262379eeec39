//! [`TestAuth`]: a Better Auth deployment in memory for a test, and the authenticator over it.

use std::sync::Arc;

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use better_auth_core::{
    AuthConfig, Authenticator, AuthenticatorBuilder, SecretSet,
    jwt::{Jwk, JwksVerifier, JwtValidation, KeyCacheOptions, StaticKeys},
};
use serde_json::{Value, json};

use crate::memory_store::MemoryStore;

/// The secret [`TestAuth::new`] signs cookies with (use your own with
/// [`TestAuth::with_config`]).
pub const TEST_SECRET: &str = "better-auth-testkit-secret-0123456789abcdef";

/// The base URL [`TestAuth::new`]'s Better Auth "runs" at: the JWTs' issuer and audience, a
/// trusted origin.
pub const TEST_BASE_URL: &str = "http://localhost:3000";

/// The `kid` of the kit's JWT signing key.
pub const TEST_KEY_ID: &str = "better-auth-testkit";

/// A Better Auth deployment in memory, for tests: create users, sessions, API keys and
/// organizations with any fields, get back exactly what a client would send (the signed session
/// cookie, a bearer token, a JWT, an API key), and build your app on
/// [`authenticator`](Self::authenticator), which reads those rows through the same code as with
/// a database. No Node, no database server, no network.
///
/// ```
/// use better_auth_testkit::TestAuth;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let auth = TestAuth::new();
/// let alice = auth.user("alice@example.com").role("admin").create();
/// let session = auth.session(&alice).create();
///
/// let mut headers = better_auth_core::http::HeaderMap::new();
/// headers.insert("cookie", session.cookie().parse().unwrap());
/// let identity = auth.authenticator().authenticate(&headers).await.unwrap();
/// assert_eq!(identity.user.email, "alice@example.com");
/// # });
/// ```
pub struct TestAuth {
    store: MemoryStore,
    config: AuthConfig,
    signing_key: Arc<Ed25519KeyPair>,
    jwk: Value,
}

impl std::fmt::Debug for TestAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestAuth")
            .field("store", &self.store)
            .field("base_url", &self.config.base_url)
            .finish_non_exhaustive()
    }
}

impl Default for TestAuth {
    fn default() -> Self {
        Self::new()
    }
}

impl TestAuth {
    /// A deployment with [`TEST_SECRET`], at [`TEST_BASE_URL`], with Better Auth's defaults
    /// otherwise (cookie `better-auth.session_token`, sessions of 7 days).
    pub fn new() -> Self {
        // Both are valid constants: a failure here is a bug of the kit.
        #[allow(clippy::expect_used)]
        let secrets = SecretSet::single(TEST_SECRET).expect("the kit's secret is valid");
        Self::with_config(AuthConfig::new(secrets))
    }

    /// A deployment with your configuration (your secret, cookie prefix, trusted origins,
    /// session lifetime, access control...): the same one your service builds, so the
    /// credentials are what your Better Auth would issue. Without a base URL,
    /// [`TEST_BASE_URL`] (JWTs need an issuer).
    pub fn with_config(mut config: AuthConfig) -> Self {
        if config.base_url.is_none() {
            #[allow(clippy::expect_used)]
            let url = TEST_BASE_URL.parse().expect("the kit's base URL is valid");
            config.base_url = Some(url);
        }
        #[allow(clippy::expect_used)]
        let signing_key = Ed25519KeyPair::generate().expect("an Ed25519 key");
        let jwk = json!({
            "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "kid": TEST_KEY_ID, "use": "sig",
            "x": URL_SAFE_NO_PAD.encode(signing_key.public_key().as_ref()),
        });
        Self {
            store: MemoryStore::new(),
            config,
            signing_key: Arc::new(signing_key),
            jwk,
        }
    }

    /// The authenticator over this deployment: sessions, API keys and organizations from the
    /// [`store`](Self::store), JWTs verified with the kit's key. Build your app on it as on
    /// `Authenticator::from_env()`.
    ///
    /// # Panics
    ///
    /// When the configuration given to [`with_config`](Self::with_config) cannot build one (a
    /// secret under 32 characters): a test setup mistake, reported at once. Use
    /// [`authenticator_builder`](Self::authenticator_builder) to get the error instead.
    pub fn authenticator(&self) -> Authenticator {
        #[allow(clippy::expect_used)]
        self.authenticator_builder()
            .build()
            .expect("the kit's authenticator")
    }

    /// The same, as a builder, to add what your service adds (an in-process cache, an error
    /// renderer, the cookie cache...).
    pub fn authenticator_builder(&self) -> AuthenticatorBuilder {
        let origin = self
            .config
            .base_url
            .as_ref()
            .map(|url| url.origin().ascii_serialization())
            .unwrap_or_else(|| TEST_BASE_URL.to_owned());
        #[allow(clippy::expect_used)]
        let jwk: Jwk = serde_json::from_value(self.jwk.clone()).expect("an Ed25519 JWK");
        let verifier = JwksVerifier::new(
            StaticKeys::new(vec![jwk]),
            KeyCacheOptions::default(),
            JwtValidation::for_origin(origin),
        );
        Authenticator::builder(self.config.clone())
            .session_store(self.store.clone())
            .api_key_store(self.store.clone())
            .organization_store_arc(Arc::new(self.store.clone()))
            .token_verifier(verifier)
    }

    /// The rows, to change or inspect them mid-test (ban a user, revoke a session, read an API
    /// key's counters, make the backend fail).
    pub fn store(&self) -> &MemoryStore {
        &self.store
    }

    /// The configuration the credentials are made for.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// The JWKS the kit's JWTs verify with (`{"keys": [...]}`), as Better Auth's `/jwks`
    /// serves it: for a service under test that fetches its keys.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk] })
    }

    /// Signs `input` (`header.payload`) with the kit's key.
    pub(crate) fn sign(&self, input: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.signing_key.sign(input.as_bytes()).as_ref())
    }
}

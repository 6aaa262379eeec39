//! The builders of [`TestAuth`]'s rows (users, sessions, API keys, organizations, JWTs) and the
//! credentials they hand back, as Better Auth would have made them.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use better_auth_core::{
    ApiKey, Member, Organization, OrganizationRole, Session, TeamMember, User, internals as signing,
};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};
use sha2::Digest as _;

use crate::kit::{TEST_KEY_ID, TestAuth};

/// The builders, from the kit.
impl TestAuth {
    /// A new user (Better Auth's sign-up defaults: role none, not verified, not banned).
    pub fn user(&self, email: &str) -> UserBuilder<'_> {
        UserBuilder::new(self, email)
    }

    /// A new session of `user` (7 days unless the configuration says otherwise).
    pub fn session(&self, user: &User) -> SessionBuilder<'_> {
        SessionBuilder::new(self, user)
    }

    /// A JWT of `user`, as Better Auth's JWT plugin issues it (`/token`): the user's fields,
    /// `sub`, issuer and audience the base URL, 15 minutes.
    pub fn jwt(&self, user: &User) -> JwtBuilder<'_> {
        JwtBuilder::new(self, user)
    }

    /// A new API key of `user` (`@better-auth/api-key`'s defaults: enabled, no quota, rate
    /// limited to 10 requests a day).
    pub fn api_key(&self, user: &User) -> ApiKeyBuilder<'_> {
        ApiKeyBuilder::new(self, user)
    }

    /// A new organization (organization plugin).
    pub fn organization(&self, name: &str) -> OrganizationBuilder<'_> {
        OrganizationBuilder::new(self, name)
    }
}

/// Now, to the millisecond (JavaScript dates, what Better Auth stores).
fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
}

/// `length` random letters and digits, as Better Auth's ids and tokens are made.
fn random_text(length: usize, alphabet: &[u8]) -> String {
    let mut bytes = vec![0_u8; length];
    #[allow(clippy::expect_used)]
    aws_lc_rs::rand::fill(&mut bytes).expect("the system's random numbers");
    bytes
        .iter()
        .map(|byte| char::from(alphabet[usize::from(*byte) % alphabet.len()]))
        .collect()
}

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new id (32 letters and digits, like Better Auth's).
pub(crate) fn new_id() -> String {
    random_text(32, ALPHANUMERIC)
}

/// The fields of an object literal.
fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(fields) => fields,
        _ => Map::new(),
    }
}

/// An ISO date as JavaScript writes it.
pub(crate) fn iso(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A user to create ([`TestAuth::user`]).
#[derive(Debug)]
#[must_use = "nothing is stored until `create`"]
pub struct UserBuilder<'a> {
    auth: &'a TestAuth,
    user: User,
}

impl<'a> UserBuilder<'a> {
    pub(crate) fn new(auth: &'a TestAuth, email: &str) -> Self {
        let name = email.split('@').next().unwrap_or(email).to_owned();
        let mut user = User::new(new_id(), name, email);
        (user.created_at, user.updated_at) = (now(), now());
        Self { auth, user }
    }

    /// The id (random by default).
    pub fn id(mut self, id: &str) -> Self {
        id.clone_into(&mut self.user.id);
        self
    }

    /// The name (the email's local part by default).
    pub fn name(mut self, name: &str) -> Self {
        name.clone_into(&mut self.user.name);
        self
    }

    /// The admin plugin's `role` column as stored: one role or several joined with `,`.
    pub fn role(mut self, role: &str) -> Self {
        self.user.role = Some(role.to_owned());
        self
    }

    /// `emailVerified` (false by default, as after an email and password sign-up).
    pub fn email_verified(mut self, verified: bool) -> Self {
        self.user.email_verified = verified;
        self
    }

    /// Banned (admin plugin), for good or until `expires`, with a reason.
    pub fn banned(mut self, reason: &str, expires: Option<DateTime<Utc>>) -> Self {
        self.user.banned = Some(true);
        self.user.ban_reason = Some(reason.to_owned());
        self.user.ban_expires = expires;
        self
    }

    /// An additional field (`user.additionalFields` in Better Auth's options, or another
    /// plugin's column), as its JSON value.
    pub fn field(mut self, name: &str, value: Value) -> Self {
        self.user.extra.insert(name.to_owned(), value);
        self
    }

    /// Stores the user and returns it.
    pub fn create(self) -> User {
        self.auth.store().insert_user(self.user.clone());
        self.user
    }
}

/// A session to create ([`TestAuth::session`]).
#[derive(Debug)]
#[must_use = "nothing is stored until `create`"]
pub struct SessionBuilder<'a> {
    auth: &'a TestAuth,
    session: Session,
    /// `expires_in` (or `expired`) was called: the expiry stays as given, whatever `created_ago`.
    expiry_given: bool,
}

impl<'a> SessionBuilder<'a> {
    pub(crate) fn new(auth: &'a TestAuth, user: &User) -> Self {
        let created = now();
        let mut session = Session::new(
            new_id(),
            new_id(),
            &user.id,
            created + auth.config().session.expires_in,
        );
        (session.created_at, session.updated_at) = (created, created);
        session.ip_address = Some("127.0.0.1".to_owned());
        session.user_agent = Some("better-auth-testkit".to_owned());
        Self {
            auth,
            session,
            expiry_given: false,
        }
    }

    /// Expires `after` from now (negative: already expired), whatever [`created_ago`](Self::created_ago)
    /// says.
    pub fn expires_in(mut self, after: Duration) -> Self {
        self.session.expires_at = now() + after;
        self.expiry_given = true;
        self
    }

    /// Expired a minute ago: refused with 401 `session_expired`.
    pub fn expired(self) -> Self {
        self.expires_in(Duration::minutes(-1))
    }

    /// Signed in `ago` and not refreshed since, as Better Auth would have written it then:
    /// `createdAt` and `updatedAt` are `now - ago`, and `expiresAt` is `now - ago` plus the
    /// session lifetime (`AuthConfig::session.expires_in`, 7 days), unless
    /// [`expires_in`](Self::expires_in) gives it. With Better Auth's defaults a session made
    /// more than a day ago is due for a refresh (the next request slides it to 7 days from
    /// now), and one made more than `freshAge` ago is not fresh; one made more than the
    /// lifetime ago has expired.
    pub fn created_ago(mut self, ago: Duration) -> Self {
        let created = now() - ago;
        (self.session.created_at, self.session.updated_at) = (created, created);
        if !self.expiry_given {
            self.session.expires_at = created + self.auth.config().session.expires_in;
        }
        self
    }

    /// The session's active organization (organization plugin).
    pub fn active_organization(mut self, organization: &Organization) -> Self {
        self.session.active_organization_id = Some(organization.id.clone());
        self
    }

    /// The session's active team.
    pub fn active_team(mut self, team_id: &str) -> Self {
        self.session.active_team_id = Some(team_id.to_owned());
        self
    }

    /// Impersonated by the admin `admin_id` (admin plugin).
    pub fn impersonated_by(mut self, admin_id: &str) -> Self {
        self.session.impersonated_by = Some(admin_id.to_owned());
        self
    }

    /// An additional field of the session, as its JSON value.
    pub fn field(mut self, name: &str, value: Value) -> Self {
        self.session.extra.insert(name.to_owned(), value);
        self
    }

    /// Stores the session and returns it with its credentials.
    pub fn create(self) -> TestSession {
        self.auth.store().insert_session(self.session.clone());
        let secret = self.auth.config().secrets.current();
        TestSession {
            cookie: format!(
                "{}={}",
                self.auth.config().session_cookie(),
                signing::cookie_value(&self.session.token, secret)
            ),
            signed_token: signing::sign(&self.session.token, secret),
            session: self.session,
        }
    }
}

/// A stored session and what a client holding it sends.
#[derive(Clone)]
pub struct TestSession {
    session: Session,
    cookie: String,
    signed_token: String,
}

impl std::fmt::Debug for TestSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestSession")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl TestSession {
    /// The session row.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The `Cookie` header value a browser sends: the session cookie, signed with the current
    /// secret (`better-auth.session_token=TOKEN.SIGNATURE`, URL-encoded).
    pub fn cookie(&self) -> String {
        self.cookie.clone()
    }

    /// The `Authorization` header value of the bearer plugin: `Bearer TOKEN.SIGNATURE`.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.signed_token)
    }

    /// The signed token alone (what Better Auth sends in `set-auth-token`).
    pub fn signed_token(&self) -> &str {
        &self.signed_token
    }

    /// The raw session token (`session.token`).
    pub fn token(&self) -> &str {
        &self.session.token
    }
}

/// A JWT to sign ([`TestAuth::jwt`]).
#[derive(Debug)]
#[must_use = "nothing is signed until `sign`"]
pub struct JwtBuilder<'a> {
    auth: &'a TestAuth,
    claims: Map<String, Value>,
}

impl<'a> JwtBuilder<'a> {
    pub(crate) fn new(auth: &'a TestAuth, user: &User) -> Self {
        let issued = Utc::now().timestamp();
        let origin = auth
            .config()
            .base_url
            .as_ref()
            .map(|url| url.origin().ascii_serialization())
            .unwrap_or_default();
        // The JWT plugin's default payload: the user, then the registered claims.
        let mut claims = serde_json::to_value(user).map(object).unwrap_or_default();
        for (name, value) in [
            ("iat", json!(issued)),
            ("exp", json!(issued + 15 * 60)),
            ("iss", json!(origin)),
            ("aud", json!(origin)),
            ("sub", json!(user.id)),
        ] {
            claims.insert(name.to_owned(), value);
        }
        Self { auth, claims }
    }

    /// Expires `after` from now (negative: already expired).
    pub fn expires_in(mut self, after: Duration) -> Self {
        let expires = Utc::now().timestamp() + after.num_seconds();
        self.claims.insert("exp".to_owned(), json!(expires));
        self
    }

    /// Sets (or, with `Value::Null`, removes) a claim: `iss`, `aud`, a custom one...
    pub fn claim(mut self, name: &str, value: Value) -> Self {
        if value.is_null() {
            self.claims.remove(name);
        } else {
            self.claims.insert(name.to_owned(), value);
        }
        self
    }

    /// The signed JWT (EdDSA, the plugin's default algorithm, with the kit's key).
    pub fn sign(self) -> String {
        let header = json!({"alg": "EdDSA", "kid": TEST_KEY_ID});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(Value::Object(self.claims).to_string())
        );
        let signature = self.auth.sign(&input);
        format!("{input}.{signature}")
    }

    /// `Bearer <the signed JWT>`, an `Authorization` header value.
    pub fn bearer(self) -> String {
        format!("Bearer {}", self.sign())
    }
}

/// An API key to create ([`TestAuth::api_key`]).
#[derive(Debug)]
#[must_use = "nothing is stored until `create`"]
pub struct ApiKeyBuilder<'a> {
    auth: &'a TestAuth,
    row: Map<String, Value>,
    prefix: Option<String>,
}

impl<'a> ApiKeyBuilder<'a> {
    pub(crate) fn new(auth: &'a TestAuth, user: &User) -> Self {
        let created = iso(now());
        let row = json!({
            "id": new_id(), "configId": "default", "name": null, "referenceId": user.id,
            "enabled": true, "rateLimitEnabled": true, "rateLimitTimeWindow": 86_400_000,
            "rateLimitMax": 10, "requestCount": 0, "remaining": null, "refillInterval": null,
            "refillAmount": null, "lastRefillAt": null, "lastRequest": null, "expiresAt": null,
            "createdAt": created, "updatedAt": created, "permissions": null, "metadata": "null",
        });
        Self {
            auth,
            row: object(row),
            prefix: None,
        }
    }

    fn set(mut self, column: &str, value: Value) -> Self {
        self.row.insert(column.to_owned(), value);
        self
    }

    /// Its name.
    pub fn name(self, name: &str) -> Self {
        self.set("name", json!(name))
    }

    /// The plugin configuration it belongs to (`configId`, `default` by default): accepted as
    /// a session only through a configuration of
    /// [`AuthConfig::api_key_configs`](better_auth_core::AuthConfig::api_key_configs) with
    /// this id and `enableSessionForAPIKeys` (see [`TestAuth::with_config`](crate::TestAuth::with_config)).
    pub fn config_id(self, config_id: &str) -> Self {
        self.set("configId", json!(config_id))
    }

    /// A prefix, prepended to the key as the plugin does.
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = Some(prefix.to_owned());
        self.set("prefix", json!(prefix))
    }

    /// Uses left (`remaining`): each request spends one; at 0 the next is refused with 429
    /// `api_key_exhausted` and the key deleted, as Better Auth does.
    pub fn remaining(self, uses: i64) -> Self {
        self.set("remaining", json!(uses))
    }

    /// Disabled: refused with 401 `api_key_disabled`.
    pub fn disabled(self) -> Self {
        self.set("enabled", json!(false))
    }

    /// Expires `after` from now (negative: expired, refused and deleted when used).
    pub fn expires_in(self, after: Duration) -> Self {
        self.set("expiresAt", json!(iso(now() + after)))
    }

    /// The rate limit: at most `max` requests per `window` (the plugin's default is 10 a
    /// day), or none with `None`.
    pub fn rate_limit(self, limit: Option<(i64, Duration)>) -> Self {
        match limit {
            Some((max, window)) => self
                .set("rateLimitEnabled", json!(true))
                .set("rateLimitMax", json!(max))
                .set("rateLimitTimeWindow", json!(window.num_milliseconds())),
            None => self.set("rateLimitEnabled", json!(false)),
        }
    }

    /// The key's permissions (`{"resource": ["action", ...]}`), stored as JSON text.
    pub fn permissions(self, permissions: Value) -> Self {
        self.set("permissions", json!(permissions.to_string()))
    }

    /// Its metadata, stored as JSON text.
    pub fn metadata(self, metadata: Value) -> Self {
        self.set("metadata", json!(metadata.to_string()))
    }

    /// Stores the key (hashed as the plugin hashes it) and returns it with the plain key.
    pub fn create(mut self) -> TestApiKey {
        let key = format!(
            "{}{}",
            self.prefix.as_deref().unwrap_or_default(),
            random_text(64, LETTERS)
        );
        self.row.insert("start".to_owned(), json!(key[..6]));
        let hashed = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(key.as_bytes()));
        #[allow(clippy::expect_used)]
        let row: ApiKey = serde_json::from_value(Value::Object(self.row))
            .expect("the kit writes API key rows the core reads");
        self.auth
            .store()
            .insert_api_key(hashed.clone(), row.clone());
        TestApiKey { key, hashed, row }
    }
}

/// A stored API key and the plain key a client sends.
#[derive(Clone)]
pub struct TestApiKey {
    key: String,
    hashed: String,
    row: ApiKey,
}

impl std::fmt::Debug for TestApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestApiKey")
            .field("row", &self.row)
            .finish_non_exhaustive()
    }
}

impl TestApiKey {
    /// The plain key, the `x-api-key` header value.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The key's row as created.
    pub fn row(&self) -> &ApiKey {
        &self.row
    }

    /// The stored hash (base64url-no-pad SHA-256), to read the row's counters back with
    /// [`MemoryStore::api_key`](crate::MemoryStore::api_key).
    pub fn hashed(&self) -> &str {
        &self.hashed
    }
}

/// An organization to create ([`TestAuth::organization`]).
#[derive(Debug)]
#[must_use = "nothing is stored until `create`"]
pub struct OrganizationBuilder<'a> {
    auth: &'a TestAuth,
    row: Map<String, Value>,
}

impl<'a> OrganizationBuilder<'a> {
    pub(crate) fn new(auth: &'a TestAuth, name: &str) -> Self {
        let slug: String = name
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '-' })
            .collect();
        let row = json!({
            "id": new_id(), "name": name, "slug": slug, "logo": null, "metadata": null,
            "createdAt": iso(now()),
        });
        Self {
            auth,
            row: object(row),
        }
    }

    /// Its slug (the name, lowercased, by default).
    pub fn slug(mut self, slug: &str) -> Self {
        self.row.insert("slug".to_owned(), json!(slug));
        self
    }

    /// Its metadata, stored as JSON text.
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.row
            .insert("metadata".to_owned(), json!(metadata.to_string()));
        self
    }

    /// Stores the organization and returns it.
    pub fn create(self) -> Organization {
        #[allow(clippy::expect_used)]
        let organization: Organization = serde_json::from_value(Value::Object(self.row))
            .expect("the kit writes organization rows the core reads");
        self.auth.store().insert_organization(organization.clone());
        organization
    }
}

impl TestAuth {
    /// Makes `user` a member of `organization` with `role` (the `member.role` column as stored:
    /// `owner`, `admin`, `member`, several joined with `,`, or a dynamic role's name).
    pub fn add_member(&self, organization: &Organization, user: &User, role: &str) -> Member {
        #[allow(clippy::expect_used)]
        let member: Member = serde_json::from_value(json!({
            "id": new_id(), "organizationId": organization.id, "userId": user.id,
            "role": role, "createdAt": iso(now()),
        }))
        .expect("the kit writes member rows the core reads");
        self.store().insert_member(member.clone());
        member
    }

    /// A new team of `organization` with `users` in it; its id (for
    /// [`SessionBuilder::active_team`]).
    pub fn add_team(&self, organization: &Organization, users: &[&User]) -> String {
        let team_id = new_id();
        self.store().insert_team(&team_id, &organization.id);
        for user in users {
            #[allow(clippy::expect_used)]
            let row: TeamMember = serde_json::from_value(json!({
                "id": new_id(), "teamId": team_id, "userId": user.id,
            }))
            .expect("the kit writes teamMember rows the core reads");
            self.store().insert_team_member(row);
        }
        team_id
    }

    /// A dynamic role of `organization` (dynamic access control: an `organizationRole` row),
    /// with its permissions (`{"resource": ["action", ...]}`).
    pub fn add_organization_role(
        &self,
        organization: &Organization,
        role: &str,
        permissions: Value,
    ) {
        #[allow(clippy::expect_used)]
        let row: OrganizationRole = serde_json::from_value(json!({
            "role": role, "permission": permissions.to_string(),
        }))
        .expect("the kit writes organizationRole rows the core reads");
        self.store().insert_organization_role(&organization.id, row);
    }
}

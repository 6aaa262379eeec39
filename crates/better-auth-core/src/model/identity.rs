//! The result of authenticating a request.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{ApiKey, JwtClaims, Session, User};

/// A session together with its user, as a [`SessionStore`](crate::store::SessionStore) returns it.
///
/// Both halves sit behind `Arc`s, so a cached record is handed out without copying.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// The session.
    pub session: Arc<Session>,
    /// Its user.
    pub user: Arc<User>,
}

impl SessionRecord {
    /// Pairs a session with its user.
    pub fn new(session: Session, user: User) -> Self {
        Self {
            session: Arc::new(session),
            user: Arc::new(user),
        }
    }
}

/// An API key together with its owner, as an API key lookup returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKeyRecord {
    /// The key.
    pub key: Arc<ApiKey>,
    /// Its owner.
    pub user: Arc<User>,
}

/// An authenticated request: who the user is, the session if there is one, and how the request
/// proved it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Identity {
    /// The user.
    pub user: Arc<User>,
    /// The session (present for cookie and bearer session tokens).
    pub session: Option<Arc<Session>>,
    /// Which credential authenticated the request.
    pub via: Via,
    /// The verified claims, when a JWT authenticated the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<Arc<JwtClaims>>,
    /// The API key, when one authenticated the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Arc<ApiKey>>,
}

impl Identity {
    /// The identity a session record proves, through `via`.
    pub fn from_session(record: SessionRecord, via: Via) -> Self {
        Self {
            user: record.user,
            session: Some(record.session),
            via,
            claims: None,
            api_key: None,
        }
    }

    /// The identity an API key proves.
    pub fn from_api_key(record: ApiKeyRecord) -> Self {
        Self {
            user: record.user,
            session: None,
            via: Via::ApiKey,
            claims: None,
            api_key: Some(record.key),
        }
    }

    /// The identity a verified JWT proves (the claims and their user shared, not copied).
    pub fn from_claims(claims: Arc<JwtClaims>) -> Self {
        Self {
            user: Arc::clone(claims.user()),
            session: None,
            via: Via::Jwt,
            claims: Some(claims),
            api_key: None,
        }
    }
}

/// Where a credential was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Via {
    /// The session cookie (`better-auth.session_token` or as configured).
    Cookie,
    /// `Authorization: Bearer` with a session token (bearer plugin).
    Bearer,
    /// `Authorization: Bearer` with a JWT (JWT plugin).
    Jwt,
    /// An API key header (`x-api-key`, API key plugin).
    ApiKey,
}

impl Via {
    /// `"cookie"`, `"bearer"`, `"jwt"` or `"api_key"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cookie => "cookie",
            Self::Bearer => "bearer",
            Self::Jwt => "jwt",
            Self::ApiKey => "api_key",
        }
    }
}

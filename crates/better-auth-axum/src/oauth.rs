//! The `OAuthToken` extractor and the protected-resource metadata route (feature
//! `resource-server`).

use std::{ops::Deref, sync::Arc};

use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
    response::{IntoResponse, Response},
    routing::{MethodRouter, get},
};
use better_auth_core::{
    AuthError,
    resource_server::{AccessToken, ResourceServer, ScopeRequirement},
};

use crate::AuthRejection;

/// A verified OAuth access token of Better Auth's OAuth provider, for the [`ResourceServer`]
/// found in the router's state (through [`FromRef`]): `Authorization: Bearer`, a JWT checked
/// with the provider's keys or an opaque token introspected. A request without a good token is
/// rejected with 401 `invalid_token` and the RFC 6750 challenge pointing at the resource's
/// metadata; 503 when the provider cannot be asked.
///
/// Scopes: `token.require_scopes(["read:items"])?` (all of them) or `require_any_scope`;
/// a token without them is a 403 `insufficient_scope` naming them.
///
/// ```
/// use axum::{Json, Router, routing::get};
/// use better_auth_axum::{AuthRejection, OAuthToken, core::resource_server::ResourceServer};
/// use serde_json::{Value, json};
///
/// async fn items(token: OAuthToken) -> Result<Json<Value>, AuthRejection> {
///     token.require_scopes(["read:items"])?;
///     Ok(Json(json!({"sub": token.sub(), "clientId": token.client_id})))
/// }
///
/// fn app(server: ResourceServer) -> Router {
///     Router::new()
///         .route("/items", get(items))
///         .route(
///             server.metadata_path(),
///             better_auth_axum::protected_resource_metadata(&server),
///         )
///         .with_state(server)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct OAuthToken {
    token: Arc<AccessToken>,
    server: ResourceServer,
}

impl OAuthToken {
    /// The verified token, shared.
    pub fn token(&self) -> &Arc<AccessToken> {
        &self.token
    }

    /// Every one of `scopes`, or a 403 `insufficient_scope` naming the missing ones.
    pub fn require_scopes<S: Into<String>>(
        &self,
        scopes: impl IntoIterator<Item = S>,
    ) -> Result<(), AuthRejection> {
        self.require(&ScopeRequirement::all_of(scopes))
    }

    /// At least one of `scopes`, or a 403 `insufficient_scope` naming them.
    pub fn require_any_scope<S: Into<String>>(
        &self,
        scopes: impl IntoIterator<Item = S>,
    ) -> Result<(), AuthRejection> {
        self.require(&ScopeRequirement::any_of(scopes))
    }

    /// `requirement`, or a 403 `insufficient_scope`.
    pub fn require(&self, requirement: &ScopeRequirement) -> Result<(), AuthRejection> {
        self.server
            .require(&self.token, requirement)
            .map_err(|error| self.reject(error))
    }

    /// A refusal rendered by the resource server (RFC 6750 challenge), for a handler's own
    /// checks.
    pub fn reject(&self, error: AuthError) -> AuthRejection {
        AuthRejection(self.server.reject(error))
    }
}

impl Deref for OAuthToken {
    type Target = AccessToken;

    fn deref(&self) -> &AccessToken {
        &self.token
    }
}

impl<S> FromRequestParts<S> for OAuthToken
where
    ResourceServer: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let server = ResourceServer::from_ref(state);
        match server.authenticate(&parts.headers).await {
            Ok(token) => Ok(Self { token, server }),
            Err(error) => Err(AuthRejection(server.reject(error))),
        }
    }
}

/// The `GET` route of the RFC 9728 metadata document; mount it at
/// [`ResourceServer::metadata_path`].
pub fn protected_resource_metadata<S>(server: &ResourceServer) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    let server = server.clone();
    get(move || {
        let server = server.clone();
        async move { metadata_response(&server) }
    })
}

fn metadata_response(server: &ResourceServer) -> Response {
    http_response(server.metadata_response())
}

fn http_response(response: better_auth_core::ErrorResponse) -> Response {
    better_auth_core::http::Response::<Vec<u8>>::from(response)
        .map(axum::body::Body::from)
        .into_response()
}

//! The `OAuthToken` extractor and the protected-resource metadata route (feature
//! `resource-server`).

use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
    response::{IntoResponse, Response},
    routing::{MethodRouter, get},
};
use better_auth_core::resource_server::{ResourceServer, VerifiedToken};

use crate::AuthRejection;

better_auth_core::declare_oauth_token! {
    /// A verified OAuth access token of Better Auth's OAuth provider, for the [`ResourceServer`]
    /// found in the router's state (through [`FromRef`]): `Authorization: Bearer`, a JWT checked
    /// with the provider's keys or an opaque token introspected. A request without a good token is
    /// rejected with 401 `invalid_token` and the RFC 6750 challenge pointing at the resource's
    /// metadata; 503 when the provider cannot be asked.
    ///
    /// It derefs to the core's [`VerifiedToken`], which derefs to the
    /// [`AccessToken`](better_auth_core::resource_server::AccessToken). Scopes:
    /// `token.require_scopes(["read:items"])?` (all of them) or `require_any_scope`; a token
    /// without them is a 403 `insufficient_scope` naming them.
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
    pub struct OAuthToken(pub VerifiedToken);
}

impl<S> FromRequestParts<S> for OAuthToken
where
    ResourceServer: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let server = ResourceServer::from_ref(state);
        let peer = crate::extract::peer(parts);
        Ok(Self(
            server.verify_request_from(peer, &parts.headers).await?,
        ))
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

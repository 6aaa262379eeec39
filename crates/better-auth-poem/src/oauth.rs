//! The `OAuthToken` extractor and the protected-resource metadata endpoint (feature
//! `resource-server`).

use better_auth_core::{
    Rejection,
    resource_server::{ResourceServer, VerifiedToken},
};
use poem::{FromRequest, Request, RequestBody, Result, RouteMethod, endpoint::make_sync, get};

use crate::{AuthRejection, response::poem_response};

better_auth_core::declare_oauth_token! {
    /// A verified OAuth access token of Better Auth's OAuth provider, for the [`ResourceServer`]
    /// given as data (`.data(resource_server)`): `Authorization: Bearer`, a JWT checked with the
    /// provider's keys or an opaque token introspected. A request without a good token is refused
    /// with an [`AuthRejection`]: 401 `invalid_token` with the RFC 6750 challenge pointing at the
    /// resource's metadata (serve it with [`protected_resource_metadata`]); 503 when the provider
    /// cannot be asked. It needs no [`BetterAuth`](crate::BetterAuth) middleware.
    ///
    /// It derefs to the core's [`VerifiedToken`], which derefs to the
    /// [`AccessToken`](better_auth_core::resource_server::AccessToken). Scopes:
    /// `token.require_scopes(["read:items"])?` (all of them) or `require_any_scope`; a token
    /// without them is a 403 `insufficient_scope` naming them.
    ///
    /// ```
    /// use better_auth_poem::{AuthRejection, OAuthToken, core::resource_server::ResourceServer};
    /// use poem::{EndpointExt, Route, get, handler, web::Json};
    /// use serde_json::{Value, json};
    ///
    /// #[handler]
    /// fn items(token: OAuthToken) -> Result<Json<Value>, AuthRejection> {
    ///     token.require_scopes(["read:items"])?;
    ///     Ok(Json(json!({"sub": token.sub(), "clientId": token.client_id})))
    /// }
    ///
    /// fn app(server: ResourceServer) -> impl poem::Endpoint {
    ///     Route::new()
    ///         .at("/items", get(items))
    ///         .at(
    ///             server.metadata_path(),
    ///             better_auth_poem::protected_resource_metadata(&server),
    ///         )
    ///         .data(server)
    /// }
    /// ```
    pub struct OAuthToken(pub VerifiedToken);
}

impl<'a> FromRequest<'a> for OAuthToken {
    async fn from_request(req: &'a Request, _: &mut RequestBody) -> Result<Self> {
        let Some(server) = req.data::<ResourceServer>() else {
            return Err(AuthRejection(Rejection::misconfigured(
                "no ResourceServer as data on this route: add `.data(resource_server)`",
            ))
            .into());
        };
        let peer = req.remote_addr().as_socket_addr().map(|peer| peer.ip());
        match server.verify_request_from(peer, req.headers()).await {
            Ok(token) => Ok(Self(token)),
            Err(rejection) => Err(AuthRejection(rejection).into()),
        }
    }
}

/// The `GET` endpoint of the RFC 9728 metadata document; mount it at
/// [`ResourceServer::metadata_path`] (`Route::at`).
pub fn protected_resource_metadata(server: &ResourceServer) -> RouteMethod {
    let server = server.clone();
    get(make_sync(move |_| {
        poem_response(&server.metadata_response())
    }))
}

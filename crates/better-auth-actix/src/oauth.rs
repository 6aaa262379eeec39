//! The `OAuthToken` extractor and the protected-resource metadata service (feature
//! `resource-server`).

use actix_web::{FromRequest, HttpRequest, Resource, dev::Payload, web};
use better_auth_core::resource_server::{ResourceServer, VerifiedToken};

use crate::{
    AuthRejection,
    extract::{Extraction, Headers, app_data},
    response::http_response,
};

better_auth_core::declare_oauth_token! {
    /// A verified OAuth access token of Better Auth's OAuth provider, for the app's
    /// [`ResourceServer`] (`App::new().app_data(web::Data::new(resource_server))`):
    /// `Authorization: Bearer`, a JWT checked with the provider's keys or an opaque token
    /// introspected. A request without a good token is refused with an [`AuthRejection`]: 401
    /// `invalid_token` with the RFC 6750 challenge pointing at the resource's metadata (serve it
    /// with [`protected_resource_metadata`]); 503 when the provider cannot be asked.
    ///
    /// It derefs to the core's [`VerifiedToken`], which derefs to the
    /// [`AccessToken`](better_auth_core::resource_server::AccessToken). Scopes:
    /// `token.require_scopes(["read:items"])?` (all of them) or `require_any_scope`; a token
    /// without them is a 403 `insufficient_scope` naming them.
    ///
    /// ```
    /// use actix_web::{HttpResponse, get, web};
    /// use better_auth_actix::{AuthRejection, OAuthToken, core::resource_server::ResourceServer};
    /// use serde_json::json;
    ///
    /// #[get("/items")]
    /// async fn items(token: OAuthToken) -> Result<HttpResponse, AuthRejection> {
    ///     token.require_scopes(["read:items"])?;
    ///     Ok(HttpResponse::Ok().json(json!({"sub": token.sub(), "clientId": token.client_id})))
    /// }
    ///
    /// fn configure(cfg: &mut web::ServiceConfig, server: ResourceServer) {
    ///     cfg.service(better_auth_actix::protected_resource_metadata(&server))
    ///         .app_data(web::Data::new(server))
    ///         .service(items);
    /// }
    /// ```
    pub struct OAuthToken(pub VerifiedToken);
}

impl FromRequest for OAuthToken {
    type Error = AuthRejection;
    type Future = Extraction<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let server: Result<ResourceServer, _> = app_data(
            req,
            "no ResourceServer in the app data: add `.app_data(web::Data::new(resource_server))`",
        );
        let req = req.clone();
        Box::pin(async move {
            let peer = req.peer_addr().map(|peer| peer.ip());
            let token = server?
                .verify_request_from(peer, &Headers(req.headers()))
                .await?;
            Ok(Self(token))
        })
    }
}

/// The RFC 9728 metadata document, served on `GET` at [`ResourceServer::metadata_path`]:
/// register it with `App::service` (or `ServiceConfig::service`), ahead of any scope that
/// would take the path.
pub fn protected_resource_metadata(server: &ResourceServer) -> Resource {
    let server = server.clone();
    web::resource(server.metadata_path().to_owned()).route(web::get().to(move || {
        let response = http_response(&server.metadata_response());
        async move { response }
    }))
}

//! The `OAuthToken` extractor and the protected-resource metadata service (feature
//! `resource-server`).

use std::{future::Future, ops::Deref, pin::Pin, sync::Arc};

use actix_web::{FromRequest, HttpRequest, Resource, dev::Payload, web};
use better_auth_core::{
    AuthError, Rejection, http,
    resource_server::{AccessToken, ResourceServer, ScopeRequirement},
};

use crate::{AuthRejection, response::http_response};

/// The [`ResourceServer`] of the app: `web::Data<ResourceServer>` (or a plain `ResourceServer`
/// registered with `app_data`).
fn resource_server(req: &HttpRequest) -> Result<ResourceServer, AuthRejection> {
    if let Some(data) = req.app_data::<web::Data<ResourceServer>>() {
        return Ok(data.get_ref().clone());
    }
    req.app_data::<ResourceServer>().cloned().ok_or_else(|| {
        AuthRejection(Rejection::misconfigured(
            "no ResourceServer in the app data: add `.app_data(web::Data::new(resource_server))`",
        ))
    })
}

/// The request's headers as the core's `http::HeaderMap` (actix-web is on another `http`
/// version); a header `http` 1 cannot represent is left out.
fn headers(req: &HttpRequest) -> http::HeaderMap {
    let mut headers = http::HeaderMap::with_capacity(req.headers().len());
    for (name, value) in req.headers() {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    headers
}

/// A verified OAuth access token of Better Auth's OAuth provider, for the app's
/// [`ResourceServer`] (`App::new().app_data(web::Data::new(resource_server))`):
/// `Authorization: Bearer`, a JWT checked with the provider's keys or an opaque token
/// introspected. A request without a good token is refused with an [`AuthRejection`]: 401
/// `invalid_token` with the RFC 6750 challenge pointing at the resource's metadata (serve it
/// with [`protected_resource_metadata`]); 503 when the provider cannot be asked.
///
/// Scopes: `token.require_scopes(["read:items"])?` (all of them) or `require_any_scope`;
/// a token without them is a 403 `insufficient_scope` naming them.
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

impl FromRequest for OAuthToken {
    type Error = AuthRejection;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AuthRejection>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let server = resource_server(req);
        let headers = headers(req);
        Box::pin(async move {
            let server = server?;
            match server.authenticate(&headers).await {
                Ok(token) => Ok(Self { token, server }),
                Err(error) => Err(AuthRejection(server.reject(error))),
            }
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

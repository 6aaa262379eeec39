//! The `OAuthToken` request guard and the protected-resource metadata route (feature
//! `resource-server`).

use better_auth_core::resource_server::{ResourceServer, VerifiedToken};
use rocket::{
    Data, Request, Route,
    http::Method,
    outcome::Outcome,
    request::{self, FromRequest},
    route::{self, Handler},
};

use crate::{
    AuthRejection,
    guard::{Headers, managed},
    response::{fail, respond},
};

better_auth_core::declare_oauth_token! {
    /// A verified OAuth access token of Better Auth's OAuth provider, for the [`ResourceServer`]
    /// the rocket manages (`.manage(resource_server)`): `Authorization: Bearer`, a JWT checked with
    /// the provider's keys or an opaque token introspected. A request without a good token fails
    /// the guard with 401 (503 when the provider cannot be asked); the guard keeps the resource
    /// server's rendering of the refusal (`invalid_token` with the RFC 6750 challenge pointing at
    /// the resource's metadata) for [`catchers`](crate::catchers), which send it: register them.
    /// Serve the metadata with [`protected_resource_metadata`].
    ///
    /// It derefs to the core's [`VerifiedToken`], which derefs to the
    /// [`AccessToken`](better_auth_core::resource_server::AccessToken).
    /// `Result<OAuthToken, AuthRejection>` hands the refusal to the handler instead. Scopes:
    /// `token.require_scopes(["read:items"])?` (all of them) or `require_any_scope`; a token
    /// without them is a 403 `insufficient_scope` naming them, an [`AuthRejection`] (a `Responder`)
    /// with the same challenge.
    ///
    /// ```
    /// use better_auth_rocket::{AuthRejection, OAuthToken, core::resource_server::ResourceServer};
    /// use rocket::{get, routes, serde::json::Json};
    /// use serde_json::{Value, json};
    ///
    /// #[get("/items")]
    /// fn items(token: OAuthToken) -> Result<Json<Value>, AuthRejection> {
    ///     token.require_scopes(["read:items"])?;
    ///     Ok(Json(json!({"sub": token.sub(), "clientId": token.client_id})))
    /// }
    ///
    /// fn rocket(server: ResourceServer) -> rocket::Rocket<rocket::Build> {
    ///     rocket::build()
    ///         .mount("/", better_auth_rocket::protected_resource_metadata(&server))
    ///         .manage(server)
    ///         .mount("/", routes![items])
    ///         .register("/", better_auth_rocket::catchers())
    /// }
    /// ```
    pub struct OAuthToken(pub VerifiedToken);
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for OAuthToken {
    type Error = AuthRejection;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        let server: &ResourceServer = match managed(
            request,
            "no ResourceServer is managed: add `.manage(resource_server)` to the rocket",
        ) {
            Ok(server) => server,
            Err(rejection) => return fail(request, rejection),
        };
        let peer = request.remote().map(|peer| peer.ip());
        match server
            .verify_request_from(peer, &Headers(request.headers()))
            .await
        {
            Ok(token) => Outcome::Success(Self(token)),
            Err(rejection) => fail(request, AuthRejection(rejection)),
        }
    }
}

/// The handler of the metadata route.
#[derive(Clone)]
struct Metadata(ResourceServer);

#[rocket::async_trait]
impl Handler for Metadata {
    async fn handle<'r>(&self, _: &'r Request<'_>, _: Data<'r>) -> route::Outcome<'r> {
        match respond(self.0.metadata_response()) {
            Ok(response) => route::Outcome::Success(response),
            Err(status) => route::Outcome::Error(status),
        }
    }
}

/// The `GET` route of the RFC 9728 metadata document, at [`ResourceServer::metadata_path`]:
/// mount it at `/` (`.mount("/", protected_resource_metadata(&server))`), where RFC 9728 puts
/// it.
pub fn protected_resource_metadata(server: &ResourceServer) -> Vec<Route> {
    // The path always starts with `/.well-known/oauth-protected-resource` and is
    // percent-encoded (no `<` or `>`): a valid static route, which `Route::new` needs.
    let mut route = Route::new(
        Method::Get,
        server.metadata_path(),
        Metadata(server.clone()),
    );
    route.name = Some("protected_resource_metadata".into());
    vec![route]
}

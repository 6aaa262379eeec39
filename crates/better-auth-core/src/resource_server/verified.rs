//! [`VerifiedToken`]: an access token that verified, with the resource server that verified
//! it, so that its scope guards answer with that server's RFC 6750 refusals. Each adapter's
//! `OAuthToken` is this, in the framework's clothes.

use std::{ops::Deref, sync::Arc};

use super::{AccessToken, ResourceServer, ScopeRequirement};
use crate::{error::AuthError, response::Rejection};

/// A verified access token and its [`ResourceServer`] (from
/// [`ResourceServer::verify_request`]). Derefs to the [`AccessToken`].
///
/// ```no_run
/// # async fn demo(server: better_auth_core::resource_server::ResourceServer, headers: http::HeaderMap)
/// # -> Result<(), better_auth_core::Rejection> {
/// let token = server.verify_request(&headers).await?;
/// token.require_scopes(["read:items"])?;
/// println!("{} for client {}", token.sub(), token.client_id);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub(super) token: Arc<AccessToken>,
    pub(super) server: ResourceServer,
}

impl VerifiedToken {
    /// The token, shared.
    pub fn token(&self) -> &Arc<AccessToken> {
        &self.token
    }

    /// The resource server that verified it.
    pub fn server(&self) -> &ResourceServer {
        &self.server
    }

    /// Every one of `scopes`, or a 403 `insufficient_scope` naming the missing ones.
    pub fn require_scopes<S: Into<String>>(
        &self,
        scopes: impl IntoIterator<Item = S>,
    ) -> Result<(), Rejection> {
        self.require(&ScopeRequirement::all_of(scopes))
    }

    /// At least one of `scopes`, or a 403 `insufficient_scope` naming them.
    pub fn require_any_scope<S: Into<String>>(
        &self,
        scopes: impl IntoIterator<Item = S>,
    ) -> Result<(), Rejection> {
        self.require(&ScopeRequirement::any_of(scopes))
    }

    /// `requirement`, or a 403 `insufficient_scope`.
    pub fn require(&self, requirement: &ScopeRequirement) -> Result<(), Rejection> {
        self.server
            .require(&self.token, requirement)
            .map_err(|error| self.reject(error))
    }

    /// A refusal rendered by the resource server (the RFC 6750 challenge), for a handler's own
    /// checks.
    pub fn reject(&self, error: AuthError) -> Rejection {
        self.server.reject(error)
    }
}

impl Deref for VerifiedToken {
    type Target = AccessToken;

    fn deref(&self) -> &AccessToken {
        &self.token
    }
}

//! The shared types: [`User`], [`Session`], the authenticated [`Identity`], and the
//! organization plugin's [`Organization`] and [`Member`].

mod api_key;
mod identity;
mod jwt_claims;
mod organization;
mod session;
mod user;

pub use api_key::ApiKey;
pub use identity::{ApiKeyRecord, Identity, SessionRecord, Via};
pub use jwt_claims::JwtClaims;
pub use organization::{Member, Membership, Organization, OrganizationRole, TeamMember};
pub use session::Session;
pub(crate) use user::DEFAULT_ROLE;
pub use user::User;

//! The shared types: [`User`], [`Session`], the authenticated [`Identity`], and the
//! organization plugin's [`Organization`] and [`Member`].

mod api_key;
mod identity;
mod organization;
mod session;
mod user;

pub use api_key::ApiKey;
pub use identity::{ApiKeyRecord, Identity, SessionRecord};
pub use organization::{Member, Membership, Organization, OrganizationRole, TeamMember};
pub use session::Session;
pub use user::{DEFAULT_ROLE, User};

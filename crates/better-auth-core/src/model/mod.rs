//! The shared types: [`User`], [`Session`], and the authenticated [`Identity`].

mod api_key;
mod identity;
mod session;
mod user;

pub use api_key::ApiKey;
pub use identity::{ApiKeyRecord, Identity, SessionRecord};
pub use session::Session;
pub use user::{DEFAULT_ROLE, User};

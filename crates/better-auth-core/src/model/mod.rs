//! The shared types: [`User`], [`Session`], and the authenticated [`Identity`].

mod identity;
mod session;
mod user;

pub use identity::{Identity, SessionRecord};
pub use session::Session;
pub use user::User;

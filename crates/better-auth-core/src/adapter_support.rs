//! The three public newtypes every framework adapter declares, written once.
//!
//! Each adapter (`better-auth-axum`, `-actix`, `-rocket`, `-poem`) exposes `AuthRejection`,
//! `AuthUser` and, with `resource-server`, `OAuthToken`: newtypes of core types, so that the
//! adapter may implement its framework's traits on them (the orphan rule forbids implementing
//! `axum::extract::FromRequestParts` on a core type, or on a generic wrapper of the core). Their
//! behaviour outside the framework (`Deref`, `into_identity`, `error`, the `From` impls,
//! `Display`, `Error`) is the same in the four; the macros below write it. The adapter writes
//! the declaration (its docs and example, the wrapped type it imports) inside the macro call,
//! and its framework's trait impls beside it, in its own files.
//!
//! Not part of the public API: the adapters' use only. The macros name core items through the
//! crate root (`$crate::Name`) only.

/// Declares an adapter's rejection: `pub struct $name(pub Rejection)` (`Debug`; the adapter
/// names the core's `Rejection`, which it imports), with
/// `error()`, `From<Rejection>`, `From<AuthError>` (the default JSON rendering), `Display`
/// and `std::error::Error` (its source, the `AuthError`). The adapter adds how its framework
/// sends it (`IntoResponse`, `ResponseError`, `Responder`).
///
/// ```
/// use better_auth_core::Rejection;
///
/// better_auth_core::declare_auth_rejection! {
///     /// Why a request was refused.
///     pub struct AuthRejection(pub Rejection);
/// }
///
/// let rejection = AuthRejection::from(better_auth_core::AuthError::MissingCredentials);
/// assert_eq!(rejection.error().code(), "missing_credentials");
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! declare_auth_rejection {
    ($(#[$attr:meta])* pub struct $name:ident(pub $inner:ty);) => {
        $(#[$attr])*
        #[derive(Debug)]
        pub struct $name(pub $inner);

        impl $name {
            /// The cause.
            pub fn error(&self) -> &$crate::AuthError {
                self.0.error()
            }
        }

        impl ::std::convert::From<$crate::Rejection> for $name {
            fn from(rejection: $crate::Rejection) -> Self {
                Self(rejection)
            }
        }

        impl ::std::convert::From<$crate::AuthError> for $name {
            /// The default JSON rendering (for errors raised outside an extractor or guard).
            fn from(error: $crate::AuthError) -> Self {
                Self($crate::Rejection::json(error))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl ::std::error::Error for $name {
            fn source(&self) -> ::std::option::Option<&(dyn ::std::error::Error + 'static)> {
                ::std::option::Option::Some(self.0.error())
            }
        }
    };
}

/// Declares an adapter's authenticated user: `pub struct $name(pub Authenticated)` (`Debug`,
/// `Clone`; the adapter names the core's `Authenticated`, which it imports), with `into_identity()` and `Deref<Target = Authenticated>`. The adapter adds how
/// its framework extracts it (`FromRequestParts`, `FromRequest`, a request guard).
///
/// ```
/// use better_auth_core::Authenticated;
///
/// better_auth_core::declare_auth_user! {
///     /// The authenticated user of a request.
///     pub struct AuthUser(pub Authenticated);
/// }
///
/// fn email(user: &AuthUser) -> &str {
///     &user.user.email
/// }
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! declare_auth_user {
    ($(#[$attr:meta])* pub struct $name:ident(pub $inner:ty);) => {
        $(#[$attr])*
        #[derive(Debug, Clone)]
        pub struct $name(pub $inner);

        impl $name {
            /// The identity: user, session, and how the request proved it.
            pub fn into_identity(self) -> $crate::Identity {
                self.0.into_identity()
            }
        }

        impl ::std::ops::Deref for $name {
            type Target = $inner;

            fn deref(&self) -> &$inner {
                &self.0
            }
        }
    };
}

/// Declares an adapter's OAuth access token (the adapters' feature `resource-server`):
/// `pub struct $name(pub VerifiedToken)` (`Debug`, `Clone`; the adapter names the core's
/// `resource_server::VerifiedToken`, which it imports), with `Deref<Target = VerifiedToken>`.
/// The adapter adds how its framework extracts it.
///
/// ```
/// # #[cfg(feature = "resource-server")]
/// # mod with_the_feature {
/// use better_auth_core::resource_server::VerifiedToken;
///
/// better_auth_core::declare_oauth_token! {
///     /// A verified OAuth access token.
///     pub struct OAuthToken(pub VerifiedToken);
/// }
///
/// fn client(token: &OAuthToken) -> &str {
///     &token.client_id
/// }
/// # }
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! declare_oauth_token {
    ($(#[$attr:meta])* pub struct $name:ident(pub $inner:ty);) => {
        $(#[$attr])*
        #[derive(Debug, Clone)]
        pub struct $name(pub $inner);

        impl ::std::ops::Deref for $name {
            type Target = $inner;

            fn deref(&self) -> &$inner {
                &self.0
            }
        }
    };
}

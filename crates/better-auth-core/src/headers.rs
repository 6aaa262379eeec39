//! The request headers the core reads, whatever the framework's header type.
//!
//! Frameworks ship different `HeaderMap`s (axum and poem use `http` 1.x, actix-web its own,
//! rocket another); the core only needs the raw values of a few headers. Adapters implement
//! [`RequestHeaders`] for their type through a thin wrapper; `http::HeaderMap` has it here.

/// Read access to a request's headers.
pub trait RequestHeaders {
    /// Every value of header `name` (lower-case), in the order received, as raw bytes.
    fn values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]> + 'a;

    /// The first value of header `name`.
    fn first<'a>(&'a self, name: &str) -> Option<&'a [u8]> {
        self.values(name).next()
    }
}

impl RequestHeaders for http::HeaderMap {
    fn values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.get_all(name).iter().map(http::HeaderValue::as_bytes)
    }
}

impl<H: RequestHeaders + ?Sized> RequestHeaders for &H {
    fn values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]> + 'a {
        (**self).values(name)
    }
}

/// Header names the core reads.
pub(crate) mod names {
    /// `cookie`.
    pub(crate) const COOKIE: &str = "cookie";
    /// `authorization`.
    pub(crate) const AUTHORIZATION: &str = "authorization";
    /// `origin`.
    pub(crate) const ORIGIN: &str = "origin";
    /// `referer`.
    pub(crate) const REFERER: &str = "referer";
}

/// Whether an HTTP method is exempt from Better Auth's Origin check: GET, HEAD and OPTIONS
/// (Better Auth checks every other method, TRACE included). Compared case-sensitively, as HTTP
/// does.
pub(crate) fn is_safe_method(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS")
}

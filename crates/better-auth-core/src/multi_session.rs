//! Better Auth's multi-session plugin: besides the active session cookie, the browser holds one
//! signed cookie per signed-in account, `{session cookie}_multi-{token, lower-cased}`. Like the
//! plugin's `list-device-sessions`, every such cookie whose signature verifies is looked up,
//! expired ones dropped, and one session kept per user (the first).

use crate::{
    credentials::{find_cookie, try_decode_uri_component},
    headers::{RequestHeaders, names},
};

/// The most multi-session cookies looked at (the plugin's `maximumSessions` defaults to 5).
pub const MAX_DEVICE_SESSIONS: usize = 16;

/// The signed values of the request's multi-session cookies (names containing `_multi-`, as
/// the plugin reads them), first occurrence of each name, percent-decoded, at most
/// [`MAX_DEVICE_SESSIONS`].
pub(crate) fn signed_values(headers: &impl RequestHeaders) -> Vec<String> {
    let mut names_seen: Vec<String> = Vec::new();
    let mut values = Vec::new();
    for header in headers.values(names::COOKIE) {
        let text = String::from_utf8_lossy(header);
        for pair in text.split(';') {
            let Some((name, _)) = pair.split_once('=') else {
                continue;
            };
            let name = name.trim();
            if !name.contains("_multi-") || names_seen.iter().any(|seen| seen == name) {
                continue;
            }
            names_seen.push(name.to_owned());
            if let Some(value) = find_cookie(&text, name).filter(|value| !value.is_empty()) {
                values.push(try_decode_uri_component(value).into_owned());
            }
            if values.len() == MAX_DEVICE_SESSIONS {
                return values;
            }
        }
    }
    values
}

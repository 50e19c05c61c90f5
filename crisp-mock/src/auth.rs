//! Who may call the API: HTTP Basic credentials (any case of the scheme) and
//! the `X-Crisp-Tier` header.

use axum::response::Response;
use base64::Engine as _;
use http::HeaderMap;
use serde_json::json;

use crate::config::MockConfig;
use crate::wire::envelope;

/// The `identifier:key` pair of a Basic `Authorization` header; the scheme
/// name is case-insensitive, as HTTP says.
fn basic_credentials(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?.trim_start();
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(token.trim()).ok()?;
    String::from_utf8(decoded).ok()
}

/// Whether the request carries the configured credentials (the tier aside).
pub(crate) fn credentials_match(config: &MockConfig, headers: &HeaderMap) -> bool {
    basic_credentials(headers)
        .and_then(|c| c.split_once(':').map(|(i, k)| (i.to_owned(), k.to_owned())))
        .is_some_and(|(identifier, key)| identifier == config.identifier && key == config.key)
}

/// Checks Basic credentials against the configured pair; returns the tier.
pub(crate) fn authenticate(config: &MockConfig, headers: &HeaderMap) -> Result<&'static str, Box<Response>> {
    if !credentials_match(config, headers) {
        return Err(Box::new(envelope(
            401,
            "invalid_session",
            json!({"message": "check the token identifier, key and tier"}),
        )));
    }
    match headers.get("x-crisp-tier").map(|v| v.to_str().unwrap_or("")) {
        None | Some("user") => Ok("user"),
        Some("website") => Ok("website"),
        Some("plugin") => Ok("plugin"),
        Some(_) => Err(Box::new(envelope(
            400,
            "invalid_tier",
            json!({"message": "X-Crisp-Tier must be user, website or plugin"}),
        ))),
    }
}

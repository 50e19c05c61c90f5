//! `--dry-run`: prints the request (method, URL, headers, body) instead of
//! sending it. The authorization header is shown redacted: the key never
//! reaches the output.

use crisp_api::Call;
use serde_json::{Value, json};

use crate::config::Resolved;
use crate::error::Result;

/// A value filled in for a left-out argument, and where it came from.
#[derive(Debug, Clone)]
pub struct Defaulted {
    /// The parameter, e.g. `website_id`.
    pub name: &'static str,
    pub value: String,
    /// e.g. `profile `mock`` or `CRISP_WEBSITE_ID`.
    pub source: String,
}

/// A request ready to send or to show.
pub struct Prepared {
    pub call: Call<Value>,
    pub method: http::Method,
    pub body: Option<Value>,
    pub page: u32,
    /// A left-out argument filled in from the profile or the environment.
    pub defaulted: Option<Defaulted>,
}

/// Prints the request as JSON (or `--jq` filtered).
pub fn print(resolved: &Resolved, prepared: &Prepared) -> Result<()> {
    let mut headers = serde_json::Map::new();
    headers.insert("authorization".into(), json!(format!("Basic <{}:redacted>", resolved.identifier)));
    headers.insert("x-crisp-tier".into(), json!(resolved.tier.as_str()));
    headers.insert("user-agent".into(), json!(concat!("crisp-api-cli/", env!("CARGO_PKG_VERSION"))));
    if prepared.body.is_some() {
        headers.insert("content-type".into(), json!("application/json"));
    }
    let request = json!({
        "method": prepared.method.as_str(),
        "url": prepared.call.url(),
        "headers": Value::Object(headers),
        "body": prepared.body,
    });
    let mut request = request;
    if let Some(d) = &prepared.defaulted {
        request["defaults"] = json!({ d.name: { "value": d.value, "from": d.source } });
    }
    println!("{}", serde_json::to_string_pretty(&request).unwrap_or_default());
    Ok(())
}

//! `--dry-run`: prints the request (method, URL, headers, body) instead of
//! sending it. The authorization header is shown redacted: the key never
//! reaches the output.

use serde_json::{Value, json};

use crate::config::Resolved;
use crate::endpoint::Prepared;
use crate::error::Result;

/// The escaping the client applies to one path segment (RFC 3986 unreserved
/// characters and the sub-delimiters Crisp ids use stay as they are).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'@')
    .remove(b':')
    .remove(b'+');

const QUERY: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Fills a route template with values, each escaped (a `many` value keeps its slashes).
pub fn fill_route<'a>(route: &str, values: impl Iterator<Item = (bool, &'a String)>) -> String {
    let mut values = values;
    let mut out = String::new();
    let mut rest = route;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |i| open + i);
        if let Some((many, value)) = values.next() {
            if many {
                let parts: Vec<String> = value
                    .trim_matches('/')
                    .split('/')
                    .map(|p| percent_encoding::utf8_percent_encode(p, SEGMENT).to_string())
                    .collect();
                out.push_str(&parts.join("/"));
            } else {
                out.extend(percent_encoding::utf8_percent_encode(value, SEGMENT));
            }
        }
        rest = &rest[(close + 1).min(rest.len())..];
    }
    out.push_str(rest);
    out
}

/// The full URL with its query.
pub fn url(base: &str, path: &str, query: &[(String, String)]) -> String {
    let mut url = format!("{base}{path}");
    for (i, (name, value)) in query.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(name);
        url.push('=');
        url.extend(percent_encoding::utf8_percent_encode(value, QUERY));
    }
    url
}

/// Prints the request as JSON (or `--jq` filtered).
pub fn print(resolved: &Resolved, prepared: &Prepared) -> Result<()> {
    let mut headers = serde_json::Map::new();
    headers.insert("authorization".into(), json!(format!("Basic <{}:redacted>", resolved.identifier)));
    headers.insert("x-crisp-tier".into(), json!(resolved.tier.as_str()));
    headers.insert("user-agent".into(), json!(concat!("crisp-cli/", env!("CARGO_PKG_VERSION"))));
    if prepared.body.is_some() {
        headers.insert("content-type".into(), json!("application/json"));
    }
    let request = json!({
        "method": prepared.method.as_str(),
        "url": url(&resolved.base_url, &prepared.path, &prepared.query),
        "headers": Value::Object(headers),
        "body": prepared.body,
    });
    println!("{}", serde_json::to_string_pretty(&request).unwrap_or_default());
    Ok(())
}

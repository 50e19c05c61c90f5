//! HTTP helpers every route shares: Crisp's `{error, reason, data}`
//! envelope, the error answers for bodies that cannot be read, bounded body
//! reading, and percent-decoding of paths and queries.

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};

/// A Crisp envelope: `error` is true from 400 on.
pub(crate) fn envelope(status: u16, reason: &str, data: Value) -> Response {
    let error = status >= 400;
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({"error": error, "reason": reason, "data": data});
    (status, [(http::header::CONTENT_TYPE, "application/json; charset=utf-8")], body.to_string()).into_response()
}

/// The body as a JSON object, or the 400 answer saying it is not one.
pub(crate) fn json_body(body: &Bytes) -> Result<Value, Box<Response>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(Box::new(envelope(400, "invalid_data", json!({"message": "the body must be a JSON object"})))),
    }
}

/// Why a body could not be read.
pub(crate) enum BodyError {
    TooLarge,
    TimedOut,
    Broken,
}

impl BodyError {
    pub(crate) fn response(&self, limit: usize) -> Response {
        match self {
            BodyError::TooLarge => {
                envelope(413, "payload_too_large", json!({"message": format!("the body is larger than {limit} bytes")}))
            }
            BodyError::TimedOut => envelope(408, "request_timeout", json!({"message": "the body came too slowly"})),
            BodyError::Broken => envelope(400, "invalid_data", json!({"message": "the body could not be read"})),
        }
    }
}

/// Reads a body of at most `limit` bytes within the read timeout.
pub(crate) async fn read_body<B>(
    body: B,
    headers: &HeaderMap,
    limit: usize,
    timeout: std::time::Duration,
) -> Result<Bytes, BodyError>
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let declared = headers.get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    match tokio::time::timeout(timeout, http_body_util::Limited::new(body, limit).collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(err)) if err.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge),
        Ok(Err(_)) => Err(BodyError::Broken),
        Err(_) => Err(BodyError::TimedOut),
    }
}

/// Percent-decodes one path segment.
pub(crate) fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = segment.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Query pairs, percent-decoded (`+` is a space), in order.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(&key.replace('+', " ")), decode(&value.replace('+', " ")))
        })
        .collect()
}

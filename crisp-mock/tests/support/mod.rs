//! A bare HTTP client for the tests: exact headers and bodies, no retries.

#![allow(dead_code)]

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use serde_json::Value;

pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub json: Value,
}

pub fn basic(identifier: &str, key: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{identifier}:{key}")))
}

/// Sends one request to the mock; `authorization` as given (or none).
pub async fn call(
    mock: &crisp_mock::MockServer,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: Option<Bytes>,
) -> Answer {
    let client =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut request = http::Request::builder()
        .method(method)
        .uri(format!("http://{}{path}", mock.addr()))
        .header("x-crisp-tier", "plugin");
    if let Some(authorization) = authorization {
        request = request.header(http::header::AUTHORIZATION, authorization);
    }
    if body.is_some() {
        request = request.header(http::header::CONTENT_TYPE, "application/json");
    }
    let request = request.body(Full::new(body.unwrap_or_default())).expect("a request");
    let response = client.request(request).await.expect("an answer");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    Answer {
        status: parts.status.as_u16(),
        headers: parts.headers,
        json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// An authenticated call with a JSON body.
pub async fn api(mock: &crisp_mock::MockServer, method: &str, path: &str, body: Option<Value>) -> Answer {
    let auth = basic(mock.identifier(), mock.key());
    call(mock, method, &format!("/v1/{path}"), Some(&auth), body.map(|b| Bytes::from(b.to_string()))).await
}

/// A call to the mock's own routes.
pub async fn admin(mock: &crisp_mock::MockServer, method: &str, path: &str, body: Option<Value>) -> Answer {
    call(mock, method, path, None, body.map(|b| Bytes::from(b.to_string()))).await
}

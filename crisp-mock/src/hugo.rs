//! The simulator playing Hugo, Crisp's AI agent, as an MCP client: [`HugoClient`] sends MCP JSON-RPC
//! requests over HTTP signed the way Hugo signs them, so an MCP server's signature checks run end to end
//! offline.
//!
//! Each request carries `X-Crisp-Website-Id`, `X-Crisp-Timestamp` (Unix seconds) and
//! `X-Crisp-Signature: sha256=` + lowercase hex HMAC-SHA256(secret, `{timestamp}.{website_id}.{raw body}`),
//! and `X-Crisp-Session-Id` when the call is made from a conversation (not signed).

use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::{BodyExt as _, Full};
use serde_json::{Value, json};
use sha2::Sha256;

/// How long one request may take, answer included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// `sha256=` + the lowercase hex HMAC-SHA256 of `{timestamp}.{website_id}.{body}` under `secret`: the
/// value of Hugo's `X-Crisp-Signature`.
///
/// ```
/// let signature = crisp_mock::hugo_signature("secret", 1_800_000_000, "website-1", b"{}");
/// assert!(signature.starts_with("sha256=") && signature.len() == 7 + 64);
/// ```
pub fn hugo_signature(secret: &str, timestamp: u64, website_id: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp}.{website_id}.").as_bytes());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// What the MCP server answered.
#[derive(Debug, Clone)]
pub struct HugoResponse {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: http::HeaderMap,
    /// The raw body.
    pub body: Bytes,
}

impl HugoResponse {
    /// The JSON-RPC message of the answer: the body itself when it is JSON, else the first event of an
    /// event stream that is a JSON-RPC response (`data: {...}` with an `id`).
    ///
    /// ```
    /// let answer = crisp_mock::HugoResponse {
    ///     status: 200,
    ///     headers: Default::default(),
    ///     body: "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n".into(),
    /// };
    /// assert_eq!(answer.message().unwrap()["id"], 1);
    /// ```
    pub fn message(&self) -> Option<Value> {
        if let Ok(value) = serde_json::from_slice::<Value>(&self.body) {
            return Some(value);
        }
        String::from_utf8_lossy(&self.body)
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .filter_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
            .find(|message| message.get("id").is_some())
    }

    /// The body as text, for error messages.
    ///
    /// ```
    /// let answer = crisp_mock::HugoResponse { status: 401, headers: Default::default(), body: "refused".into() };
    /// assert_eq!(answer.text(), "refused");
    /// ```
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends MCP requests to a server URL (plain `http://`, such as a server under test on 127.0.0.1) signed
/// as Hugo signs them. Its `Debug` leaves the secret out.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let hugo = crisp_mock::HugoClient::new("http://127.0.0.1:8765/mcp", "signing-secret", "website-id")
///     .session_id("session_9df2a21e-f113-41d4-8ed2-bad8b49cafd1");
/// let answer = hugo.request(1, "tools/list", serde_json::json!({})).await?;
/// assert_eq!(answer.status, 200);
/// let tools = &answer.message().unwrap()["result"]["tools"];
/// # let _ = tools;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct HugoClient {
    url: String,
    secret: String,
    website_id: String,
    session_id: Option<String>,
    client: hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
}

impl std::fmt::Debug for HugoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HugoClient")
            .field("url", &self.url)
            .field("website_id", &self.website_id)
            .field("session_id", &self.session_id)
            .finish_non_exhaustive()
    }
}

impl HugoClient {
    /// A client signing for `website_id` with `secret`, sending to `url` (the MCP endpoint).
    ///
    /// ```
    /// let hugo = crisp_mock::HugoClient::new("http://127.0.0.1:1/mcp", "secret", "website-id");
    /// assert!(!format!("{hugo:?}").contains("secret"));
    /// ```
    pub fn new(url: impl Into<String>, secret: impl Into<String>, website_id: impl Into<String>) -> Self {
        let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
        Self { url: url.into(), secret: secret.into(), website_id: website_id.into(), session_id: None, client }
    }

    /// Sends `X-Crisp-Session-Id: {session_id}` too, as Hugo does for a call made from a conversation.
    ///
    /// ```
    /// let hugo = crisp_mock::HugoClient::new("http://127.0.0.1:1/mcp", "secret", "website-id").session_id("session_1");
    /// assert!(format!("{hugo:?}").contains("session_1"));
    /// ```
    pub fn session_id(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }

    /// Sends the JSON-RPC request `{id, method, params}`, signed now.
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let hugo = crisp_mock::HugoClient::new("http://127.0.0.1:8765/mcp", "signing-secret", "website-id");
    /// let answer = hugo.request(1, "tools/list", serde_json::json!({})).await?;
    /// assert!(answer.message().unwrap()["result"]["tools"].is_array());
    /// # Ok(()) }
    /// ```
    pub async fn request(&self, id: u64, method: &str, params: Value) -> std::io::Result<HugoResponse> {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string();
        self.send(body.as_bytes(), unix_now()).await
    }

    /// Sends `tools/call` for `tool` with `arguments`, signed now.
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let hugo = crisp_mock::HugoClient::new("http://127.0.0.1:8765/mcp", "signing-secret", "website-id");
    /// let answer = hugo.call_tool(2, "list_conversations", serde_json::json!({})).await?;
    /// assert_eq!(answer.message().unwrap()["result"]["isError"], false);
    /// # Ok(()) }
    /// ```
    pub async fn call_tool(&self, id: u64, tool: &str, arguments: Value) -> std::io::Result<HugoResponse> {
        self.request(id, "tools/call", json!({"name": tool, "arguments": arguments})).await
    }

    /// POSTs `body` signed as of `timestamp` (Unix seconds): pass an old one to play a replayed request.
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let hugo = crisp_mock::HugoClient::new("http://127.0.0.1:8765/mcp", "signing-secret", "website-id");
    /// let an_hour_ago = 1_800_000_000 - 3600;
    /// let answer = hugo.send(br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#, an_hour_ago).await?;
    /// assert_eq!(answer.status, 401);
    /// # Ok(()) }
    /// ```
    pub async fn send(&self, body: &[u8], timestamp: u64) -> std::io::Result<HugoResponse> {
        let signature = hugo_signature(&self.secret, timestamp, &self.website_id, body);
        self.send_signed(body, timestamp, &signature).await
    }

    /// POSTs `body` with the given signature header, right or wrong.
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let hugo = crisp_mock::HugoClient::new("http://127.0.0.1:8765/mcp", "signing-secret", "website-id");
    /// let answer = hugo.send_signed(b"{}", 1_800_000_000, "sha256=00").await?;
    /// assert_eq!(answer.status, 401);
    /// # Ok(()) }
    /// ```
    pub async fn send_signed(&self, body: &[u8], timestamp: u64, signature: &str) -> std::io::Result<HugoResponse> {
        let invalid = |err: http::Error| std::io::Error::new(std::io::ErrorKind::InvalidInput, err);
        let mut request = http::Request::post(&self.url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "application/json, text/event-stream")
            .header("x-crisp-website-id", &self.website_id)
            .header("x-crisp-timestamp", timestamp.to_string())
            .header("x-crisp-signature", signature);
        if let Some(session_id) = &self.session_id {
            request = request.header("x-crisp-session-id", session_id);
        }
        let request = request.body(Full::new(Bytes::copy_from_slice(body))).map_err(invalid)?;
        let exchange = async {
            let response = self.client.request(request).await.map_err(std::io::Error::other)?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(std::io::Error::other)?.to_bytes();
            Ok(HugoResponse { status: parts.status.as_u16(), headers: parts.headers, body })
        };
        tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "the MCP server did not answer in time"))?
    }
}

/// The Unix time now, in seconds.
fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

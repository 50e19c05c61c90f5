//! What the MCP tests share: a simulator, a stdio server whose whole transcript is captured, and helpers
//! to call tools.
#![allow(dead_code)] // each test file uses part of it

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};

use crisp_mock::MockServer;
use rmcp::model::{CallToolRequestParams, CallToolResult, JsonObject};
use rmcp::service::{RoleClient, RunningService, ServiceExt as _};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub type Client = RunningService<RoleClient, ()>;

/// Every byte that went through a stream, appended as it passes.
#[derive(Clone, Default)]
pub struct Transcript(Arc<Mutex<Vec<u8>>>);

impl Transcript {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    fn push(&self, bytes: &[u8]) {
        self.0.lock().unwrap().extend_from_slice(bytes);
    }
}

/// A stream that copies what it reads or writes into a transcript.
pub struct Tee<T> {
    inner: T,
    log: Transcript,
}

impl<T: AsyncRead + Unpin> AsyncRead for Tee<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
        self.log.push(&buf.filled()[before..]);
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Tee<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let written = ready!(Pin::new(&mut self.inner).poll_write(cx, buf))?;
        self.log.push(&buf[..written]);
        Poll::Ready(Ok(written))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The `crisp-mcp` binary, launched over stdio against the simulator, with everything it receives, sends
/// and logs (at trace level) captured.
pub struct StdioServer {
    pub client: Client,
    pub transcript: Transcript,
    child: tokio::process::Child,
}

impl StdioServer {
    pub async fn launch(mock: &MockServer, flags: &[&str]) -> Self {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_crisp-mcp"))
            .args(flags)
            .env_clear()
            .env("CRISP_IDENTIFIER", mock.identifier())
            .env("CRISP_KEY", mock.key())
            .env("CRISP_TIER", "plugin")
            .env("CRISP_BASE_URL", mock.base_url())
            .env("CRISP_MCP_LOG", "trace")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the crisp-mcp binary starts");
        let transcript = Transcript::default();
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let log = transcript.clone();
        tokio::spawn(async move {
            use tokio::io::AsyncReadExt as _;
            let mut chunk = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                log.push(&chunk[..n]);
            }
        });
        let reader = Tee { inner: child.stdout.take().expect("stdout is piped"), log: transcript.clone() };
        let writer = Tee { inner: child.stdin.take().expect("stdin is piped"), log: transcript.clone() };
        let client = ().serve((reader, writer)).await.expect("the MCP handshake succeeds");
        Self { client, transcript, child }
    }

    /// Closes the session and waits for the server to exit on its own.
    pub async fn stop(mut self) -> Transcript {
        self.client.cancel().await.expect("the client closes");
        let status = tokio::time::timeout(std::time::Duration::from_secs(10), self.child.wait())
            .await
            .expect("the server exits once stdin closes")
            .expect("the server's status");
        assert!(status.success(), "the server exited with {status}");
        self.transcript
    }
}

pub fn args(value: Value) -> JsonObject {
    value.as_object().cloned().expect("arguments are an object")
}

pub async fn call(client: &Client, tool: &str, arguments: Value) -> CallToolResult {
    client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(args(arguments)))
        .await
        .unwrap_or_else(|err| panic!("calling {tool} fails at the protocol level: {err}"))
}

/// The text of a result: the compact JSON answer, or the error sentence.
pub fn text(result: &CallToolResult) -> String {
    result.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect::<Vec<_>>().join("\n")
}

/// A successful result's JSON.
pub fn json(result: &CallToolResult) -> Value {
    assert_ne!(result.is_error, Some(true), "the tool failed: {}", text(result));
    serde_json::from_str(&text(result)).expect("a tool answers JSON")
}

/// A failed result's sentence.
pub fn error(result: &CallToolResult) -> String {
    assert_eq!(result.is_error, Some(true), "the tool succeeded: {}", text(result));
    text(result)
}

/// The seeded conversation's session id.
pub fn seeded_session(mock: &MockServer) -> String {
    mock.with_state(|state| state.websites[mock.website_id()].conversations.keys().next().cloned())
        .expect("the simulator seeds one conversation")
}

/// A client of the simulator with its own plugin keypair.
pub fn simulator_client(mock: &MockServer) -> crisp_api::Crisp {
    crisp_api::Crisp::builder()
        .credentials(mock.identifier(), mock.key())
        .tier(crisp_api::Tier::Plugin)
        .base_url(mock.base_url())
        .build()
        .expect("a client for the simulator")
}

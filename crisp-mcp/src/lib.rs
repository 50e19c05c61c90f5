//! An MCP ([Model Context Protocol](https://modelcontextprotocol.io)) server over the Crisp REST API v1, so
//! an AI assistant can work a Crisp inbox.
//!
//! - **Tools generated from the spec**: one per endpoint (`cargo xtask codegen` writes the table from
//!   `spec/`), grouped in toolsets that follow the API's sections. Each has an input JSON schema derived from
//!   the typed request, a description written for a model, and MCP annotations (`readOnlyHint`,
//!   `destructiveHint`, `idempotentHint`). `crisp-mcp/TOOLS.md` lists them.
//! - **Safe by default**: the curated toolsets, read-only. [`McpOptions::allow_writes`] exposes the tools that
//!   change data; destructive ones (DELETE, remove, batch, …) also need [`McpOptions::allow_destructive`].
//! - **Compact results**: JSON without nulls, long texts trimmed, lists as `{"items": [..], "next_cursor":
//!   "page:N"}` within a byte budget. Errors are one sentence; the key never appears in them.
//! - **Structured output**: every read tool publishes an `outputSchema` (the compact shape: lists as
//!   `{"items", "next_cursor"}`, other non-objects as `{"value": ..}`) and answers `structuredContent` beside the
//!   same JSON as text.
//! - **Workflow tools** in the default set: `list_conversations_awaiting_reply`, `get_conversation_context`,
//!   `find_people_by_email`, `get_person_context` and, with writes, `draft_reply_as_note`.
//! - **Resources** (the unresolved and awaiting-reply lists, a conversation transcript as a template) and
//!   **prompts** (`triage_unresolved`, `draft_reply`, `weekly_summary`). On the session-based revisions a client
//!   may subscribe to a resource: RTM events that change it send `notifications/resources/updated`.
//!
//! Requests go through the [`crisp_api::Crisp`] client given, so its retries, pacing on rate limits
//! (`Retry-After`), timeouts and secret handling apply.
//!
//! Transports: [`serve_stdio`] (what desktop assistants launch) and Streamable HTTP ([`serve_http`], or
//! [`http_router`] to mount it in your own axum app). rmcp (the official Rust SDK) speaks the protocol.
//! Over HTTP, each request stands alone and may bring its own Crisp token as Crisp's hosted MCP server takes
//! it (`Authorization: Basic`, `X-Crisp-Tier`), a server may hold no token of its own, Hugo's signed requests
//! are checked when a signing secret is set, and bodies, requests, connections and slow clients are bounded
//! ([`HttpLimits`]).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = crisp_api::Crisp::from_env()?;
//! let options = crisp_mcp::McpOptions::new().toolsets("default,people".parse()?).allow_writes(true);
//! crisp_mcp::serve_stdio(client, options).await?;
//! # Ok(()) }
//! ```

mod call;
mod catalog;
mod compact;
mod gate;
mod generated;
mod hugo;
mod limits;
mod options;
mod prompts;
mod resources;
mod scope;
mod server;
mod streamable;
mod subscriptions;
mod tenant;
mod workflow;

use std::future::Future;
use std::net::SocketAddr;

use crisp_api::Crisp;
use rmcp::ServiceExt as _;
use tokio_util::sync::CancellationToken;

pub use limits::HttpLimits;
pub use options::{McpOptions, Toolsets, UnknownToolset};
pub use server::{CrispMcp, TOOLSET_META};

/// Why a server stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The socket or stdio failed.
    #[error("the MCP server's I/O failed: {0}")]
    Io(#[from] std::io::Error),
    /// The client never completed the MCP handshake.
    #[error("the MCP session could not start: {0}")]
    Handshake(String),
}

/// Serves MCP over stdin/stdout until the client closes the stream.
///
/// Logs must not go to stdout: it carries the protocol.
pub async fn serve_stdio(client: Crisp, options: McpOptions) -> Result<(), ServeError> {
    let server = CrispMcp::new(client, options);
    let running = server.serve(rmcp::transport::stdio()).await.map_err(|e| ServeError::Handshake(e.to_string()))?;
    running.waiting().await.map_err(|e| ServeError::Handshake(e.to_string()))?;
    Ok(())
}

/// An axum router serving MCP over Streamable HTTP at `/mcp`, to mount in your own server.
///
/// By default it accepts only loopback `Host` headers (DNS-rebinding protection) and no authentication:
/// whoever reaches it acts with the client's credentials. Before exposing it further, set
/// [`McpOptions::http_token`] (or put your own authentication in front) and [`McpOptions::http_allowed_hosts`].
///
/// Each request may carry its own Crisp keypair, as Crisp's hosted MCP server takes it
/// (`Authorization: Basic base64(identifier:key)` and `X-Crisp-Tier`); it then acts with that keypair, over
/// the client's connections. A `client` without credentials requires one on every request (401 without).
/// With [`McpOptions::hugo_secret`], every request must be signed by Hugo. Request bodies and concurrent
/// requests are bounded by [`McpOptions::http_limits`]; [`serve_http`] also bounds connections and closes
/// slow and silent ones.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// // No key of its own: each request brings its keypair.
/// let router = crisp_mcp::http_router(crisp_api::Crisp::new(), crisp_mcp::McpOptions::new());
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8765").await?;
/// axum::serve(listener, router).await
/// # }
/// ```
pub fn http_router(client: Crisp, options: McpOptions) -> axum::Router {
    streamable::router(client, options, CancellationToken::new())
}

/// Serves MCP over Streamable HTTP at `http://{addr}/mcp` until Ctrl-C.
///
/// ```no_run
/// # async fn run() -> Result<(), crisp_mcp::ServeError> {
/// let client = crisp_api::Crisp::from_env().unwrap_or_default();
/// crisp_mcp::serve_http(client, crisp_mcp::McpOptions::new(), "127.0.0.1:8765".parse().unwrap()).await
/// # }
/// ```
pub async fn serve_http(client: Crisp, options: McpOptions, addr: SocketAddr) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_http_on(listener, client, options, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Serves MCP over Streamable HTTP on a bound listener until `shutdown` completes, then lets open
/// requests finish (within 30 s).
///
/// ```no_run
/// # async fn run() -> Result<(), crisp_mcp::ServeError> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let served = crisp_mcp::serve_http_on(listener, crisp_api::Crisp::new(), crisp_mcp::McpOptions::new(), async {
///     let _ = stopped.await;
/// });
/// # drop(stop);
/// served.await
/// # }
/// ```
pub async fn serve_http_on(
    listener: tokio::net::TcpListener,
    client: Crisp,
    options: McpOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    // Open event streams would hold a graceful shutdown forever: cancelling the token ends them.
    let stop = CancellationToken::new();
    let router = streamable::router(client, options.clone(), stop.clone());
    streamable::serve(listener, router, &options, stop, shutdown).await?;
    Ok(())
}

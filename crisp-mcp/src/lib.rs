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
mod generated;
mod options;
mod prompts;
mod resources;
mod server;
mod subscriptions;
mod workflow;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use crisp_api::Crisp;
use rmcp::ServiceExt as _;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use secrecy::{ExposeSecret as _, SecretString};
use tokio_util::sync::CancellationToken;

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
pub fn http_router(client: Crisp, options: McpOptions) -> axum::Router {
    router_with(client, options, CancellationToken::new())
}

fn router_with(client: Crisp, options: McpOptions, stop: CancellationToken) -> axum::Router {
    let mut config = StreamableHttpServerConfig::default().with_cancellation_token(stop);
    if !options.http_allowed_hosts.is_empty() {
        config = config.with_allowed_hosts(options.http_allowed_hosts.clone());
    }
    let token = options.http_token.clone();
    let server = CrispMcp::new(client, options);
    let service =
        StreamableHttpService::new(move || Ok(server.clone()), Arc::new(LocalSessionManager::default()), config);
    let router = axum::Router::new().nest_service("/mcp", service);
    match token {
        Some(token) => {
            let token = Arc::new(token);
            router.layer(axum::middleware::from_fn(
                move |request: axum::extract::Request, next: axum::middleware::Next| {
                    let token = Arc::clone(&token);
                    async move {
                        if bearer_matches(&request, &token) {
                            next.run(request).await
                        } else {
                            let mut refused =
                                axum::response::Response::new(axum::body::Body::from("a bearer token is required"));
                            *refused.status_mut() = http::StatusCode::UNAUTHORIZED;
                            refused
                                .headers_mut()
                                .insert(http::header::WWW_AUTHENTICATE, http::HeaderValue::from_static("Bearer"));
                            refused
                        }
                    }
                },
            ))
        }
        None => router,
    }
}

/// Whether the request carries `Authorization: Bearer {token}`, compared in constant time for equal lengths.
fn bearer_matches(request: &axum::extract::Request, token: &SecretString) -> bool {
    let expected = token.expose_secret().as_bytes();
    let Some(given) = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    else {
        return false;
    };
    let given = given.trim().as_bytes();
    given.len() == expected.len() && given.iter().zip(expected).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

/// Serves MCP over Streamable HTTP at `http://{addr}/mcp` until Ctrl-C.
pub async fn serve_http(client: Crisp, options: McpOptions, addr: SocketAddr) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_http_on(listener, client, options, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Serves MCP over Streamable HTTP on a bound listener until `shutdown` completes.
pub async fn serve_http_on(
    listener: tokio::net::TcpListener,
    client: Crisp,
    options: McpOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    // Open event streams would hold a graceful shutdown forever: cancelling the token ends them.
    let stop = CancellationToken::new();
    let router = router_with(client, options, stop.clone());
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown.await;
            stop.cancel();
        })
        .await?;
    Ok(())
}

//! `crisp-mcp`: the MCP server as a program. Credentials come from the environment (`CRISP_IDENTIFIER`,
//! `CRISP_KEY`, `CRISP_TIER`, `CRISP_BASE_URL`, as for the library and the `crisp` command), never from flags,
//! so they stay out of process listings; so do the HTTP bearer token (`CRISP_MCP_HTTP_TOKEN`) and Hugo's
//! signing secret (`CRISP_MCP_HUGO_SECRET`). Over HTTP the server may hold no key: each request then brings
//! its own keypair.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use crisp_mcp::{McpOptions, Toolsets};

/// An MCP server over the Crisp REST API: stdio by default, Streamable HTTP with --http.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Toolsets to expose: comma-separated names, `default` (the curated set) or `all`.
    #[arg(long, default_value = "default")]
    toolsets: Toolsets,
    /// Expose tools that change data.
    #[arg(long)]
    allow_writes: bool,
    /// Also expose destructive tools (delete, remove, batch…); needs --allow-writes.
    #[arg(long)]
    allow_destructive: bool,
    /// The website used when a tool call leaves out website_id.
    #[arg(long, env = "CRISP_WEBSITE_ID")]
    website_id: Option<String>,
    /// Serve Streamable HTTP at http://ADDR/mcp instead of stdio (e.g. 127.0.0.1:8765).
    #[arg(long, value_name = "ADDR")]
    http: Option<SocketAddr>,
    /// With --http: a `Host` value to accept besides loopback names (repeatable), for a server reached by name.
    #[arg(long, value_name = "HOST")]
    allowed_host: Vec<String>,
    /// Print the tools these options expose, one per line, and exit.
    #[arg(long)]
    list_tools: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    // stdout carries the protocol: logs go to stderr, quiet unless CRISP_MCP_LOG says otherwise.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CRISP_MCP_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    if args.allow_destructive && !args.allow_writes {
        eprintln!("crisp-mcp: --allow-destructive needs --allow-writes");
        return ExitCode::from(2);
    }
    let has_key = std::env::var("CRISP_KEY").is_ok_and(|key| !key.trim().is_empty());
    let http_token = std::env::var("CRISP_MCP_HTTP_TOKEN").ok().filter(|t| !t.trim().is_empty());
    if !args.list_tools && !has_key && args.http.is_none() {
        eprintln!("crisp-mcp: set CRISP_IDENTIFIER and CRISP_KEY (and CRISP_TIER) to the token to act with");
        return ExitCode::from(2);
    }
    if !args.list_tools && !has_key && http_token.is_some() {
        // Both would need the Authorization header.
        eprintln!(
            "crisp-mcp: a server without CRISP_KEY takes each request's keypair in `Authorization: Basic`, which \
             CRISP_MCP_HTTP_TOKEN would hold instead: set CRISP_KEY, or unset CRISP_MCP_HTTP_TOKEN"
        );
        return ExitCode::from(2);
    }
    let hugo_secret = match std::env::var("CRISP_MCP_HUGO_SECRET") {
        Ok(secret) if secret.trim().is_empty() => {
            eprintln!(
                "crisp-mcp: CRISP_MCP_HUGO_SECRET is set but empty: set it to Hugo's signing secret, or unset it"
            );
            return ExitCode::from(2);
        }
        Ok(secret) => Some(secret),
        Err(_) => None,
    };
    if hugo_secret.is_some() && args.http.is_none() && !args.list_tools {
        eprintln!("crisp-mcp: CRISP_MCP_HUGO_SECRET applies to --http only; stdio requests are not signed");
    }
    // Listing calls nothing, so it needs no credentials; over HTTP, requests may bring their own.
    let client = if has_key { crisp_api::Crisp::from_env() } else { keyless_client() };
    let client = match client {
        Ok(client) => client,
        Err(err) => {
            eprintln!("crisp-mcp: {err}");
            return ExitCode::from(2);
        }
    };
    let mut options = McpOptions::new()
        .toolsets(args.toolsets)
        .allow_writes(args.allow_writes)
        .allow_destructive(args.allow_destructive);
    if let Some(website_id) = args.website_id {
        options = options.website_id(website_id);
    }
    // Read from the environment only, like the key, so they never show in a process listing.
    if let Some(token) = http_token {
        options = options.http_token(token);
    }
    if let Some(secret) = hugo_secret {
        options = options.hugo_secret(secret);
    }
    options = options.http_also_allowed_hosts(args.allowed_host);
    if args.list_tools {
        for name in crisp_mcp::CrispMcp::new(client, options).tool_names() {
            println!("{name}");
        }
        return ExitCode::SUCCESS;
    }
    let served = match args.http {
        Some(addr) => {
            let listener = match tokio::net::TcpListener::bind(addr).await {
                Ok(listener) => listener,
                Err(err) => {
                    eprintln!("crisp-mcp: cannot listen on {addr}: {err}");
                    return ExitCode::FAILURE;
                }
            };
            // The bound address, so `--http 127.0.0.1:0` says which port it got.
            let addr = listener.local_addr().unwrap_or(addr);
            let whose =
                if has_key { "its own key, or each request's" } else { "each request's keypair (it holds none)" };
            eprintln!("crisp-mcp: serving MCP at http://{addr}/mcp, acting with {whose}");
            crisp_mcp::serve_http_on(listener, client, options, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
        }
        None => crisp_mcp::serve_stdio(client, options).await,
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("crisp-mcp: {err}");
            ExitCode::FAILURE
        }
    }
}

/// A client with no credentials, pointed at `CRISP_BASE_URL` when it is set.
fn keyless_client() -> crisp_api::Result<crisp_api::Crisp> {
    let builder = crisp_api::Crisp::builder();
    match std::env::var("CRISP_BASE_URL").ok().filter(|url| !url.trim().is_empty()) {
        Some(url) => builder.base_url(url).build(),
        None => builder.build(),
    }
}

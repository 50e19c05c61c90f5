//! `crisp-mcp`: the MCP server as a program. Credentials come from the environment (`CRISP_IDENTIFIER`,
//! `CRISP_KEY`, `CRISP_TIER`, `CRISP_BASE_URL`, as for the library and the `crisp` command), never from flags, so they stay out of process listings;
//! so does the HTTP bearer token (`CRISP_MCP_HTTP_TOKEN`).

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
    if !args.list_tools && !has_key {
        eprintln!("crisp-mcp: set CRISP_IDENTIFIER and CRISP_KEY (and CRISP_TIER) to the token to act with");
        return ExitCode::from(2);
    }
    // Listing calls nothing, so it needs no credentials.
    let client = if args.list_tools && !has_key { Ok(crisp_api::Crisp::new()) } else { crisp_api::Crisp::from_env() };
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
    // Read from the environment only, like the key, so it never shows in a process listing.
    if let Some(token) = std::env::var("CRISP_MCP_HTTP_TOKEN").ok().filter(|t| !t.trim().is_empty()) {
        options = options.http_token(token);
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
            eprintln!("crisp-mcp: serving MCP at http://{addr}/mcp");
            crisp_mcp::serve_http(client, options, addr).await
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

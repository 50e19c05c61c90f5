//! `crisp mcp`: the MCP server of `crisp-mcp`, on the resolved profile's
//! credentials. stdout carries the protocol, so this command prints nothing
//! there itself; status lines go to stderr.

use std::net::SocketAddr;

use crisp_mcp::{McpOptions, Toolsets};

use crate::context::Context;
use crate::error::{CliError, Exit, Result};

#[derive(clap::Args, Debug)]
pub struct McpArgs {
    /// Toolsets to expose: comma-separated names, `default` (the curated set) or `all`
    #[arg(long, default_value = "default", value_name = "LIST")]
    toolsets: Toolsets,
    /// Expose tools that change data
    #[arg(long)]
    allow_writes: bool,
    /// Also expose destructive tools (delete, remove, batch, ...)
    #[arg(long, requires = "allow_writes")]
    allow_destructive: bool,
    /// Serve Streamable HTTP at http://ADDR/mcp instead of stdio (bearer token from CRISP_MCP_HTTP_TOKEN, Hugo's
    /// signing secret from CRISP_MCP_HUGO_SECRET)
    #[arg(long, value_name = "ADDR")]
    http: Option<SocketAddr>,
    /// With --http: a `Host` value to accept besides loopback names (repeatable), for a server reached by name
    #[arg(long, value_name = "HOST")]
    allowed_host: Vec<String>,
    /// The website used when a tool call leaves out website_id (default: the profile's)
    #[arg(long, value_name = "ID")]
    website_id: Option<String>,
    /// Print the tools these options expose, one per line, and exit (no credentials needed)
    #[arg(long)]
    list_tools: bool,
}

pub async fn run(ctx: &Context, args: McpArgs) -> Result<()> {
    let mut options = McpOptions::new()
        .toolsets(args.toolsets)
        .allow_writes(args.allow_writes)
        .allow_destructive(args.allow_destructive);
    if args.list_tools {
        // Listing calls nothing, so it needs no credentials.
        for name in crisp_mcp::CrispMcp::new(crisp_api::Crisp::new(), options).tool_names() {
            println!("{name}");
        }
        return Ok(());
    }
    let resolved = ctx.resolve()?;
    if let Some(website_id) = args.website_id.or(resolved.website_id) {
        options = options.website_id(website_id);
    }
    options = options.http_also_allowed_hosts(args.allowed_host);
    // From the environment only, like the key, so it never shows in a process listing.
    if let Some(token) = std::env::var("CRISP_MCP_HTTP_TOKEN").ok().filter(|t| !t.trim().is_empty()) {
        options = options.http_token(token);
    }
    match std::env::var("CRISP_MCP_HUGO_SECRET") {
        Ok(secret) if secret.trim().is_empty() => {
            return Err(CliError::new(
                Exit::Usage,
                "CRISP_MCP_HUGO_SECRET is set but empty: set it to Hugo's signing secret, or unset it",
            ));
        }
        Ok(_) if args.http.is_none() => {
            eprintln!("crisp mcp: CRISP_MCP_HUGO_SECRET applies to --http only; stdio requests are not signed");
        }
        Ok(secret) => options = options.hugo_secret(secret),
        Err(_) => {}
    }
    let served = match args.http {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|err| CliError::new(Exit::Failure, format!("cannot listen on {addr}: {err}")))?;
            // The bound address, so `--http 127.0.0.1:0` says which port it got.
            let addr = listener.local_addr().unwrap_or(addr);
            eprintln!("crisp mcp: serving MCP at http://{addr}/mcp");
            crisp_mcp::serve_http_on(listener, resolved.client, options, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
        }
        None => crisp_mcp::serve_stdio(resolved.client, options).await,
    };
    served.map_err(|err| CliError::new(Exit::Failure, err.to_string()))
}

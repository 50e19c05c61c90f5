//! `crisp`: the Crisp REST API from the shell.
//!
//! Three layers: one generated subcommand per endpoint (`crisp website
//! list-conversations ...`, built from `spec/endpoints.json`), the raw
//! `crisp api METHOD PATH`, and workflow commands (`login`, `export`,
//! `listen`, `mock`, `trigger`, `mcp`, `completion`).
//!
//! Exit codes (stable): 0 success, 1 failure, 2 usage, 3 API error,
//! 4 authentication, 5 rate limited, 6 transport (see [`error::Exit`]).

mod api;
mod auth;
mod body;
mod columns;
mod config;
mod context;
mod dryrun;
mod endpoint;
mod error;
mod export;
mod generated;
mod help;
mod jq;
mod listen;
mod mcp;
mod mock;
mod output;
mod pace;
mod spec;
#[cfg(feature = "sync")]
mod sync;
mod table;
mod terminal;
mod trigger;

use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

use crate::context::{Context, Global};
use crate::error::{CliError, Exit, Result};
use crate::output::Format;

#[derive(Parser, Debug)]
#[command(
    name = "crisp",
    version,
    about = "The Crisp REST API from the shell: every endpoint, export, event forwarding, a local simulator",
    after_help = "Endpoint groups: website, plugin, plan, media, bucket (e.g. `crisp website list-conversations --help`).\n\
                  Exit codes: 0 success, 1 failure, 2 usage, 3 API error, 4 authentication, 5 rate limited, 6 transport.",
    propagate_version = true,
    subcommand_required = true,
    arg_required_else_help = true
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Hand,
}

/// The hand-written commands (the endpoint groups are added at run time).
#[derive(Subcommand, Debug)]
enum Hand {
    /// Store credentials for a profile (checked with one call)
    Login(auth::LoginArgs),
    /// Forget a profile's credentials
    Logout,
    /// Show who the resolved credentials are, and where each value came from
    Whoami,
    /// Call any route: `crisp api GET website/{id}/conversations/1`
    Api(api::ApiArgs),
    /// Export conversations (with their messages) or people as JSON Lines
    #[command(subcommand)]
    Export(export::ExportKind),
    /// Print real-time events as they arrive; optionally forward them as signed Web Hooks
    Listen(listen::ListenArgs),
    /// Copy conversations, messages, people and operators into SQLite or PostgreSQL, and keep them current
    #[cfg(feature = "sync")]
    Sync(sync::SyncArgs),
    /// Run the local Crisp simulator and save a `mock` profile for it
    Mock(mock::MockArgs),
    /// Make a running simulator raise an event
    Trigger(trigger::TriggerArgs),
    /// Print a shell completion script
    Completion {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Write man pages (crisp.1, crisp-website.1, ...) into a folder
    #[command(hide = true)]
    Man {
        /// The folder (created if missing)
        #[arg(long, value_name = "DIR")]
        out: std::path::PathBuf,
    },
    /// Serve the Crisp API to AI assistants over the Model Context Protocol (stdio, or HTTP with --http)
    Mcp(mcp::McpArgs),
}

/// The first argument that is not an option (or an option's value): the
/// command. Only that endpoint group gets built, so `crisp --version` and
/// hand-written commands never pay for the 229 generated ones.
fn first_command(args: &[String]) -> Option<&str> {
    let mut skip_value = false;
    for arg in args.iter().skip(1) {
        if skip_value {
            skip_value = false;
            continue;
        }
        if arg == "--" {
            return None;
        }
        if ["--profile", "--output", "-o", "--jq", "-q", "--columns"].contains(&arg.as_str()) {
            skip_value = true;
            continue;
        }
        if arg.starts_with('-') {
            continue;
        }
        return Some(arg);
    }
    None
}

/// Whether no command follows `group` (`crisp website --help`, `crisp website`).
fn names_no_command_after(args: &[String], group: &str) -> bool {
    let after = args.iter().skip_while(|a| *a != group).skip(1);
    after.filter(|a| !a.starts_with('-')).all(|a| a == "help")
}

/// The whole command tree; `full_group` names the group built in full
/// (`None` with `all` for completions).
fn command_tree(full_group: Option<&str>, all: bool, listing: bool) -> clap::Command {
    let mut command = Cli::command();
    for (service, about) in endpoint::SERVICES {
        let full = all || full_group == Some(service);
        command = command.subcommand(endpoint::group_command(service, about, full, full && listing));
    }
    command
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let first = first_command(&args).map(str::to_owned);
    // Completions and `crisp help ...` need the whole tree.
    let all = matches!(first.as_deref(), Some("completion" | "help" | "man"));
    // The group's own help (no endpoint command named after it) shows the sectioned list.
    let listing = all || first.as_deref().is_some_and(|group| names_no_command_after(&args, group));
    let matches = match command_tree(first.as_deref(), all, listing).try_get_matches_from(&args) {
        Ok(matches) => matches,
        Err(err) => {
            let code = if err.use_stderr() { Exit::Usage } else { Exit::Success } as u8;
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    let global = match Global::from_arg_matches(&matches) {
        Ok(global) => global,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(Exit::Usage as u8);
        }
    };
    if global.verbose {
        // Only this crate and the client; the websocket library's raw frames
        // (which carry the authentication) are never enabled.
        let filter = tracing_subscriber::filter::Targets::new()
            .with_target("crisp_api", tracing::Level::DEBUG)
            .with_target("crisp", tracing::Level::DEBUG);
        use tracing_subscriber::prelude::*;
        let _ = tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(output::color_allowed(std::io::IsTerminal::is_terminal(&std::io::stderr())))
                    .with_writer(std::io::stderr)
                    .with_filter(filter),
            )
            .try_init();
    }
    // reqwest (forwarding, triggers) needs a process-wide TLS provider; an
    // error means one is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let json_errors = global.output == Format::Json;
    let ctx = Context { global };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("crisp: cannot start: {err}");
            return ExitCode::from(Exit::Failure as u8);
        }
    };
    let result = runtime.block_on(dispatch(&ctx, &matches));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if json_errors {
                eprintln!("{}", err.to_json());
            } else {
                let color = output::color_allowed(std::io::IsTerminal::is_terminal(&std::io::stderr()));
                let (red, reset) = if color { ("\x1b[31m", "\x1b[0m") } else { ("", "") };
                eprintln!("{red}error:{reset} {err}");
            }
            ExitCode::from(err.exit as u8)
        }
    }
}

async fn dispatch(ctx: &Context, matches: &clap::ArgMatches) -> Result<()> {
    if let Some((name, group)) = matches.subcommand()
        && let Some((service, _)) = endpoint::SERVICES.iter().find(|(service, _)| *service == name)
    {
        let (command, sub) = group.subcommand().ok_or_else(|| CliError::usage("missing endpoint command"))?;
        return endpoint::run(ctx, service, command, sub).await;
    }
    let cli = Cli::from_arg_matches(matches).map_err(|e| CliError::usage(e.to_string()))?;
    match cli.command {
        Hand::Login(args) => auth::login(ctx, args).await,
        Hand::Logout => auth::logout(ctx),
        Hand::Whoami => auth::whoami(ctx).await,
        Hand::Api(args) => api::run(ctx, args).await,
        Hand::Export(kind) => export::run(ctx, kind).await,
        Hand::Listen(args) => listen::run(ctx, args).await,
        #[cfg(feature = "sync")]
        Hand::Sync(args) => sync::run(ctx, args).await,
        Hand::Mock(args) => mock::run(args).await,
        Hand::Trigger(args) => trigger::run(ctx, args).await,
        Hand::Mcp(args) => mcp::run(ctx, args).await,
        Hand::Man { out } => {
            std::fs::create_dir_all(&out)?;
            clap_mangen::generate_to(command_tree(None, true, true), &out)?;
            eprintln!("man pages written to {}", out.display());
            Ok(())
        }
        Hand::Completion { shell } => {
            let mut command = command_tree(None, true, true);
            clap_complete::generate(shell, &mut command, "crisp", &mut std::io::stdout());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_tree_is_valid() {
        command_tree(None, true, true).debug_assert();
    }

    #[test]
    fn finds_the_command_past_global_options() {
        let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(first_command(&args(&["crisp", "--profile", "website", "plan"])), Some("plan"));
        assert_eq!(first_command(&args(&["crisp", "-v", "website", "get-website"])), Some("website"));
        assert_eq!(first_command(&args(&["crisp", "--version"])), None);
    }
}

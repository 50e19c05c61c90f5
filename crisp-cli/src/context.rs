//! What every command is handed: the global options, and the resolved
//! client on demand.

use clap::Args;

use crate::error::Result;
use crate::output::Format;
use crate::{config, output};

/// Options every command takes.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// The profile to use (else CRISP_PROFILE, else the default profile)
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Output format: auto is pretty JSON on a terminal and compact JSON Lines when piped
    #[arg(long, short = 'o', global = true, value_enum, default_value = "auto")]
    pub output: Format,
    /// Table columns, as field names or dotted paths into nested fields (meta.email); implies --output
    /// table unless another format is asked for
    #[arg(long, global = true, value_name = "A,B.C", value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Filter the output with a jq expression (jaq)
    #[arg(long, short = 'q', global = true, value_name = "EXPR")]
    pub jq: Option<String>,
    /// Print the request (method, URL, headers without the key, body) instead of sending it
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Trace requests on standard error (never the key)
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
}

/// What every command gets: the global options, and the client on demand.
pub struct Context {
    pub global: Global,
}

impl Context {
    /// The credentials and client, after precedence.
    pub fn resolve(&self) -> Result<config::Resolved> {
        config::resolve(self.global.profile.as_deref())
    }

    /// The printer for the command's results, after `--output`, `--jq` and `--columns`.
    pub fn printer(&self) -> Result<output::Printer> {
        Ok(output::Printer::new(self.output(), self.global.jq.as_deref())?.with_columns(self.global.columns.clone()))
    }

    /// The output format: `--columns` asks for a table when `--output` is left at `auto`.
    pub fn output(&self) -> Format {
        match self.global.output {
            Format::Auto if !self.global.columns.is_empty() => Format::Table,
            format => format,
        }
    }
}

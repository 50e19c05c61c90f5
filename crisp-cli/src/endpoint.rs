//! The generated endpoint commands: `crisp <service> <command> ...`, one per
//! entry of the spec table, built with clap's builder API at run time (and
//! only for the group being run) from the kinds of `crisp_api::catalog`.
//! The parsed values go through the catalog's argument reader, the one the
//! MCP server uses too, then through the client's request pipeline so that
//! retries, errors and redaction are the client's own.

use clap::{Arg, ArgAction, ArgMatches, Command};
use crisp_api::catalog::{Argument, ArgumentError, Arguments, Body, Kind, Param, Response};
use serde_json::Value;

pub use crate::dryrun::Prepared;
use crate::error::{CliError, Result};
use crate::generated::endpoints::ENDPOINTS;
use crate::spec::EndpointSpec;

/// The command groups, as the client groups its methods.
pub const SERVICES: [(&str, &str); 5] = [
    ("website", "Website endpoints: conversations, people, helpdesk, operators, campaigns..."),
    ("plugin", "Plugin endpoints: connect and subscriptions"),
    ("plan", "Plan subscription endpoints"),
    ("media", "Media endpoints"),
    ("bucket", "Bucket (file upload URL) endpoints"),
];

/// The group command; with `full` its endpoint subcommands too.
pub fn group_command(service: &'static str, about: &'static str, full: bool) -> Command {
    let mut group = Command::new(service).about(about).subcommand_required(true).arg_required_else_help(true);
    if full {
        group = group.subcommands(ENDPOINTS.iter().filter(|e| e.endpoint.service == service).map(endpoint_command));
    }
    group
}

fn arg_id(name: &str) -> String {
    name.replace('_', "-")
}

/// How a kind reads in help text.
fn kind_name(kind: &Kind) -> String {
    match kind {
        Kind::Text => "string".into(),
        Kind::Integer => "integer".into(),
        Kind::Timestamp => "epoch milliseconds".into(),
        Kind::Number => "number".into(),
        Kind::Boolean => "boolean".into(),
        Kind::Flag => "0 or 1".into(),
        Kind::Json => "JSON".into(),
        Kind::Map => "object".into(),
        Kind::Id(name) | Kind::Enum { name, .. } | Kind::Model(name) => (*name).into(),
        Kind::TreePath => "tree path".into(),
        Kind::Page => "page number".into(),
        Kind::List(item) => format!("[{}]", kind_name(item)),
    }
}

/// The flag of a query parameter, typed after its kind (clap checks the value; the catalog
/// reader reads it).
fn query_arg(param: &'static Param) -> Arg {
    let arg = Arg::new(param.name).long(arg_id(param.name)).required(param.required);
    match param.kind {
        Kind::Flag | Kind::Boolean => arg
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value("true")
            .value_parser(clap::builder::BoolishValueParser::new())
            .value_name("BOOL")
            .help(format!("`{}` (sent 1; `=false` sends 0)", param.name)),
        Kind::Integer => {
            arg.value_parser(clap::value_parser!(i64)).value_name("N").help(format!("`{}` (integer)", param.name))
        }
        Kind::Timestamp => arg
            .value_parser(clap::value_parser!(u64))
            .value_name("MS")
            .help(format!("`{}` (epoch milliseconds)", param.name)),
        Kind::Number => arg.value_name("X").help(format!("`{}` (number)", param.name)),
        Kind::Json | Kind::Map | Kind::List(_) | Kind::Model(_) => {
            arg.value_name("JSON").help(format!("`{}` (JSON, sent encoded)", param.name))
        }
        Kind::Enum { values, .. } => arg.value_name("TEXT").help(format!("`{}`: {}", param.name, values.join(", "))),
        Kind::Text | Kind::Id(_) | Kind::TreePath | Kind::Page => {
            arg.value_name("TEXT").help(format!("`{}`", param.name))
        }
    }
}

fn endpoint_command(spec: &'static EndpointSpec) -> Command {
    let endpoint = spec.endpoint;
    let tiers = if endpoint.tiers.is_empty() { "not documented".to_owned() } else { endpoint.tiers.join(", ") };
    let mut long = format!(
        "{}\n\n{} ({})\nHTTP:      {} /v1/{}\nTiers:     {tiers}\nReference: {}",
        spec.about(),
        endpoint.label,
        endpoint.group,
        endpoint.method,
        endpoint.route,
        endpoint.reference
    );
    if !spec.body_hint.is_empty() {
        long.push_str(&format!("\nBody:      {}", spec.body_hint));
    }
    let mut command = Command::new(spec.command).about(format!("{} [{tiers}]", spec.about())).long_about(long);
    for param in endpoint.path_params {
        if param.kind == Kind::Page {
            command = command.arg(
                Arg::new("page")
                    .long("page")
                    .value_name("N")
                    .value_parser(clap::value_parser!(u32).range(1..))
                    .default_value("1")
                    .help("The page number (from 1)"),
            );
            continue;
        }
        let mut help = format!("`{}` ({})", param.name, kind_name(&param.kind));
        if let Kind::Enum { values, .. } = param.kind {
            help.push_str(&format!(": {}", values.join(", ")));
        }
        if param.kind == Kind::TreePath {
            help.push_str("; may hold `/`");
        }
        command = command.arg(Arg::new(param.name).value_name(param.name.to_uppercase()).required(true).help(help));
    }
    for param in endpoint.query {
        command = command.arg(query_arg(param));
    }
    if endpoint.body != Body::None {
        command = command.args(body_args());
    }
    if !endpoint.idempotent {
        command = command.arg(
            Arg::new("idempotent")
                .long("idempotent")
                .action(ArgAction::SetTrue)
                .help("Allow automatic retries of this write (it may then be applied twice)"),
        );
    }
    if spec.walks_pages() {
        command = command.args([
            Arg::new("all")
                .long("all")
                .action(ArgAction::SetTrue)
                .help("Walk every page from --page on; print the items as JSON Lines (--jq runs per item)"),
            Arg::new("slurp")
                .long("slurp")
                .action(ArgAction::SetTrue)
                .requires("all")
                .help("With --all: print one JSON array of every item (--jq runs on the array)"),
        ]);
    }
    command
}

/// `--data`, `--field`, `--raw-field`, shared with `crisp api`.
pub fn body_args() -> [Arg; 3] {
    [
        Arg::new("data")
            .long("data")
            .short('d')
            .value_name("@FILE|-|JSON")
            .help("The body: @file.json, - for standard input, or inline JSON"),
        Arg::new("field").long("field").short('F').value_name("KEY=VALUE").action(ArgAction::Append).help(
            "A body member with a typed value: true, false, null, numbers, JSON, @file; a.b=c nests, l[]=x appends",
        ),
        Arg::new("raw-field")
            .long("raw-field")
            .short('f')
            .value_name("KEY=VALUE")
            .action(ArgAction::Append)
            .help("A body member kept as text"),
    ]
}

/// Reads the body flags.
pub fn body_from(matches: &ArgMatches) -> Result<Option<Value>> {
    let strings =
        |id: &str| -> Vec<String> { matches.get_many::<String>(id).map(|v| v.cloned().collect()).unwrap_or_default() };
    crate::body::build(matches.get_one::<String>("data").map(String::as_str), &strings("field"), &strings("raw-field"))
}

/// Finds the endpoint a parsed `crisp <service> <command>` names.
pub fn find(service: &str, command: &str) -> Option<&'static EndpointSpec> {
    ENDPOINTS.iter().find(|e| e.endpoint.service == service && e.command == command)
}

/// The parsed flags as the catalog reader asks for them: values as typed (clap has checked them),
/// the page from `--page`, the body from `--data`/`--field`.
struct FlagArguments<'a> {
    matches: &'a ArgMatches,
    body: Option<Value>,
}

impl Arguments for FlagArguments<'_> {
    fn argument(&self, name: &str) -> std::result::Result<Option<Argument>, ArgumentError> {
        if name == "body" {
            return Ok(self.body.clone().map(Argument::Json));
        }
        let id = if name == "page_number" { "page" } else { name };
        let value = self.matches.try_get_raw(id).ok().flatten().and_then(|mut values| values.next());
        Ok(value.map(|raw| Argument::Text(raw.to_string_lossy().into_owned())))
    }
}

/// A reader error as a usage error, with a hint in the command line's terms.
fn usage_error(err: ArgumentError) -> CliError {
    match err {
        ArgumentError::BodyLacks { fields } => CliError::usage(format!("the body lacks {}", fields.join(", ")))
            .hint(format!("add --field {}=... (or --data @file.json)", fields[0])),
        ArgumentError::Missing { argument } => CliError::usage(format!("--{} is required", arg_id(&argument))),
        other => CliError::usage(other.to_string()),
    }
}

/// Builds the call from the parsed arguments.
pub fn prepare(client: &crisp_api::Crisp, spec: &EndpointSpec, matches: &ArgMatches) -> Result<Prepared> {
    let endpoint = spec.endpoint;
    let method: http::Method =
        endpoint.method.parse().map_err(|_| CliError::failure(format!("unknown method {}", endpoint.method)))?;
    let page = matches.try_get_one::<u32>("page").ok().flatten().copied().unwrap_or(1);
    let body = if endpoint.body == Body::None { None } else { body_from(matches)? };
    let request = endpoint.request(&FlagArguments { matches, body }).map_err(usage_error)?;
    let mut call = request.call(client);
    if matches.try_get_one::<bool>("idempotent").ok().flatten().copied().unwrap_or(false) {
        call.mark_idempotent();
    }
    Ok(Prepared { call, method, body: request.body().cloned(), page })
}

/// Runs one endpoint command.
pub async fn run(ctx: &crate::context::Context, service: &str, command: &str, matches: &ArgMatches) -> Result<()> {
    let spec = find(service, command).ok_or_else(|| CliError::usage(format!("unknown command {service} {command}")))?;
    let endpoint = spec.endpoint;
    let resolved = ctx.resolve()?;
    let tier = resolved.tier.as_str();
    if !endpoint.tiers.is_empty() && !endpoint.tiers.contains(&tier) {
        eprintln!(
            "warning: {} documents the tiers {}, not `{tier}`; Crisp may refuse it",
            endpoint.label,
            endpoint.tiers.join(", ")
        );
    }
    let prepared = prepare(&resolved.client, spec, matches)?;
    if ctx.global.dry_run {
        return crate::dryrun::print(&resolved, &prepared);
    }
    let mut printer = ctx.printer()?;
    let all = matches.try_get_one::<bool>("all").ok().flatten().copied().unwrap_or(false);
    if all {
        let slurp = matches.get_flag("slurp") || ctx.output() == crate::output::Format::Table;
        return walk_pages(prepared, slurp, &mut printer, ctx.global.verbose).await;
    }
    if endpoint.response == Response::Exists {
        let exists = prepared.call.send_exists().await?;
        printer.document(&Value::Bool(exists))?;
        return printer.flush();
    }
    let url = ctx.global.verbose.then(|| prepared.call.url());
    let response = prepared.call.send_with_response().await?;
    if let Some(url) = url {
        eprintln!("{} {url} → {}", endpoint.method, response.status);
    }
    printer.document(&response.data)?;
    printer.flush()
}

/// `--all`: every page from the first asked for, items streamed one by one
/// (or gathered into one array with `--slurp`). Stops at an empty page, or a
/// page equal to the previous one (a server ignoring the page number).
async fn walk_pages(
    prepared: Prepared,
    slurp: bool,
    printer: &mut crate::output::Printer,
    verbose: bool,
) -> Result<()> {
    let mut page = prepared.page;
    let mut previous: Option<Vec<Value>> = None;
    let mut gathered = Vec::new();
    loop {
        let items = match prepared.call.with_page(page).send().await? {
            Value::Array(items) => items,
            // A non-list answer ends the walk: print it as it is.
            other => {
                printer.document(&other)?;
                break;
            }
        };
        if verbose {
            eprintln!("page {page}: {} items", items.len());
        }
        if items.is_empty() || previous.as_ref() == Some(&items) {
            break;
        }
        if slurp {
            gathered.extend(items.iter().cloned());
        } else {
            for item in &items {
                printer.document(item)?;
            }
            printer.flush()?;
        }
        previous = Some(items);
        page = match page.checked_add(1) {
            Some(next) => next,
            None => break,
        };
    }
    if slurp {
        printer.document(&Value::Array(gathered))?;
    }
    printer.flush()
}

//! The generated endpoint commands: `crisp <service> <command> ...`, one per
//! entry of the spec table, built with clap's builder API at run time (and
//! only for the group being run), then executed through the client's request
//! pipeline so that retries, errors and redaction are the client's own.

use clap::{Arg, ArgAction, ArgMatches, Command};
use crisp_api::{Call, Segment};
use serde_json::Value;

use crate::error::{CliError, Result};
use crate::generated::endpoints::ENDPOINTS;
use crate::spec::{BodyKind, EndpointSpec, QueryKind, ResponseKind};

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
        group = group.subcommands(ENDPOINTS.iter().filter(|e| e.service == service).map(endpoint_command));
    }
    group
}

fn arg_id(name: &str) -> String {
    name.replace('_', "-")
}

fn endpoint_command(endpoint: &'static EndpointSpec) -> Command {
    let tiers = if endpoint.tiers.is_empty() { "not documented".to_owned() } else { endpoint.tiers.join(", ") };
    let mut long = format!(
        "{}\n\n{} ({})\nHTTP:      {} /v1/{}\nTiers:     {tiers}\nReference: {}",
        endpoint.about(),
        endpoint.label,
        endpoint.group,
        endpoint.method,
        endpoint.route,
        endpoint.reference
    );
    if !endpoint.body_hint.is_empty() {
        long.push_str(&format!("\nBody:      {}", endpoint.body_hint));
    }
    let mut command = Command::new(endpoint.command).about(format!("{} [{tiers}]", endpoint.about())).long_about(long);
    for param in endpoint.path_params {
        if param.name == "page_number" {
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
        let mut help = format!("`{}` ({})", param.name, param.ty);
        if !param.values.is_empty() {
            help.push_str(&format!(": {}", param.values.join(", ")));
        }
        if param.many {
            help.push_str("; may hold `/`");
        }
        command = command.arg(Arg::new(param.name).value_name(param.name.to_uppercase()).required(true).help(help));
    }
    for query in endpoint.query {
        let id = arg_id(query.name);
        let arg = Arg::new(query.name).long(id).required(query.required);
        let arg = match query.kind {
            QueryKind::Flag => arg
                .num_args(0..=1)
                .require_equals(true)
                .default_missing_value("true")
                .value_parser(clap::builder::BoolishValueParser::new())
                .value_name("BOOL")
                .help(format!("`{}` (sent 1; `=false` sends 0)", query.name)),
            QueryKind::Integer => {
                arg.value_parser(clap::value_parser!(u64)).value_name("N").help(format!("`{}` (integer)", query.name))
            }
            QueryKind::Timestamp => arg
                .value_parser(clap::value_parser!(u64))
                .value_name("MS")
                .help(format!("`{}` (epoch milliseconds)", query.name)),
            QueryKind::Json => arg.value_name("JSON").help(format!("`{}` (JSON, sent encoded)", query.name)),
            QueryKind::Text => arg.value_name("TEXT").help(format!("`{}`", query.name)),
        };
        command = command.arg(arg);
    }
    if endpoint.body != BodyKind::None {
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
    if endpoint.walks_pages() {
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
    ENDPOINTS.iter().find(|e| e.service == service && e.command == command)
}

/// A request ready to send or to show.
pub struct Prepared {
    pub call: Call<Value>,
    pub method: http::Method,
    pub body: Option<Value>,
    pub page: u32,
}

/// Builds the call from the parsed arguments.
pub fn prepare(client: &crisp_api::Crisp, endpoint: &EndpointSpec, matches: &ArgMatches) -> Result<Prepared> {
    let method: http::Method =
        endpoint.method.parse().map_err(|_| CliError::failure(format!("unknown method {}", endpoint.method)))?;
    let page = matches.try_get_one::<u32>("page").ok().flatten().copied().unwrap_or(1);
    let page_text = page.to_string();
    let mut values: Vec<String> = Vec::new();
    for param in endpoint.path_params {
        if param.name == "page_number" {
            values.push(page_text.clone());
        } else {
            values.push(matches.get_one::<String>(param.name).cloned().unwrap_or_default());
        }
    }
    let segments: Vec<Segment<'_>> = endpoint
        .path_params
        .iter()
        .zip(&values)
        .map(|(param, value)| if param.many { Segment::Many(value) } else { Segment::One(value) })
        .collect();
    let mut call = Call::<Value>::new(client, method.clone(), endpoint.route, &segments, endpoint.idempotent);
    for param in endpoint.query {
        match param.kind {
            QueryKind::Flag => {
                if let Some(on) = matches.get_one::<bool>(param.name) {
                    call.query_flag(param.name, *on);
                }
            }
            QueryKind::Integer | QueryKind::Timestamp => {
                if let Some(n) = matches.get_one::<u64>(param.name) {
                    call.query(param.name, n);
                }
            }
            QueryKind::Json => {
                if let Some(text) = matches.get_one::<String>(param.name) {
                    let value: Value = serde_json::from_str(text)
                        .map_err(|e| CliError::usage(format!("--{} is not valid JSON: {e}", arg_id(param.name))))?;
                    call.query_json(param.name, &value);
                }
            }
            QueryKind::Text => {
                if let Some(text) = matches.get_one::<String>(param.name) {
                    call.query(param.name, text);
                }
            }
        }
    }
    let body = match endpoint.body {
        BodyKind::None => None,
        kind => {
            let body = body_from(matches)?;
            if let (BodyKind::Fields { required }, Some(Value::Object(map))) = (kind, &body) {
                let missing: Vec<&str> = required.iter().copied().filter(|name| !map.contains_key(*name)).collect();
                if !missing.is_empty() {
                    return Err(CliError::usage(format!("the body lacks {}", missing.join(", ")))
                        .hint(format!("add --field {}=...", missing[0])));
                }
            }
            if let (BodyKind::Fields { required }, None) = (kind, &body)
                && !required.is_empty()
            {
                return Err(CliError::usage(format!("this endpoint needs a body with {}", required.join(", ")))
                    .hint(format!("--field {}=... or --data @file.json", required[0])));
            }
            match body {
                Some(value) => {
                    call.body_json(&value);
                    Some(value)
                }
                None if kind == BodyKind::Empty || method != http::Method::GET => {
                    call.body_empty();
                    Some(Value::Object(Default::default()))
                }
                None => None,
            }
        }
    };
    if matches.try_get_one::<bool>("idempotent").ok().flatten().copied().unwrap_or(false) {
        call.mark_idempotent();
    }
    Ok(Prepared { call, method, body, page })
}

/// Runs one endpoint command.
pub async fn run(ctx: &crate::Context, service: &str, command: &str, matches: &ArgMatches) -> Result<()> {
    let endpoint =
        find(service, command).ok_or_else(|| CliError::usage(format!("unknown command {service} {command}")))?;
    let resolved = ctx.resolve()?;
    let tier = resolved.tier.as_str();
    if !endpoint.tiers.is_empty() && !endpoint.tiers.contains(&tier) {
        eprintln!(
            "warning: {} documents the tiers {}, not `{tier}`; Crisp may refuse it",
            endpoint.label,
            endpoint.tiers.join(", ")
        );
    }
    let prepared = prepare(&resolved.client, endpoint, matches)?;
    if ctx.global.dry_run {
        return crate::dryrun::print(&resolved, &prepared);
    }
    let mut printer = ctx.printer()?;
    let all = matches.try_get_one::<bool>("all").ok().flatten().copied().unwrap_or(false);
    if all {
        let slurp = matches.get_flag("slurp") || ctx.global.output == crate::output::Format::Table;
        return walk_pages(prepared, slurp, &mut printer, ctx.global.verbose).await;
    }
    if endpoint.response == ResponseKind::Exists {
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

//! The generated endpoint commands: `crisp <service> <command> ...`, one per
//! entry of the spec table, built with clap's builder API at run time (and
//! only for the group being run) from the kinds of `crisp_api::catalog`.
//! The parsed values go through the catalog's argument reader, the one the
//! MCP server uses too, then through the client's request pipeline so that
//! retries, errors and redaction are the client's own.

use clap::{Arg, ArgAction, ArgMatches, Command};
use crisp_api::catalog::{Argument, ArgumentError, Arguments, Body, Kind, Param, Response};
use serde_json::Value;

pub use crate::dryrun::{Defaulted, Prepared};
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
/// With `listing`, the group's help lists its commands by section (drawn only when that help may be
/// shown: the listing is a long template clap would otherwise process on every run).
pub fn group_command(service: &'static str, about: &'static str, full: bool, listing: bool) -> Command {
    let mut group = Command::new(service).about(about).subcommand_required(true).arg_required_else_help(true);
    if full {
        let specs: Vec<&'static EndpointSpec> = ENDPOINTS.iter().filter(|e| e.endpoint.service == service).collect();
        if listing {
            let listing = crate::help::grouped_list(&specs, crate::terminal::width());
            // The grouped list replaces clap's single one; `{options}` keeps clap's own option help.
            group = group.help_template(format!(
                "{{about-with-newline}}\n{{usage-heading}} {{usage}}\n\n{listing}Options:\n{{options}}{{after-help}}"
            ));
        }
        group = group
            .after_help(format!(
                "Each command's --help has its flags, route and reference; e.g. `crisp {service} {} --help`.",
                specs.first().map(|s| s.command).unwrap_or("COMMAND")
            ))
            .subcommands(specs.into_iter().map(endpoint_command));
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
/// reader reads it). Its help is the spec's documentation of the field, or, where the spec has
/// none, the field's name and kind.
fn query_arg(param: &'static Param) -> Arg {
    let arg = Arg::new(param.name).long(arg_id(param.name)).required(param.required);
    let name = param.name;
    let doc = (!param.doc.is_empty()).then_some(param.doc);
    // The documentation, or the name followed by what the kind says.
    let help = |undocumented: &str| doc.map_or_else(|| format!("`{name}`{undocumented}"), str::to_owned);
    match param.kind {
        Kind::Flag | Kind::Boolean => arg
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value("true")
            .value_parser(clap::builder::BoolishValueParser::new())
            .value_name("BOOL")
            .help(match doc {
                Some(doc) => format!("{doc} (`--{}=false` sends 0)", arg_id(name)),
                None => format!("`{name}` (sent 1; `=false` sends 0)"),
            }),
        Kind::Integer => arg.value_parser(clap::value_parser!(i64)).value_name("N").help(help(" (integer)")),
        Kind::Timestamp => {
            arg.value_parser(clap::value_parser!(u64)).value_name("MS").help(help(" (epoch milliseconds)"))
        }
        Kind::Number => arg.value_name("X").help(help(" (number)")),
        Kind::Json | Kind::Map | Kind::List(_) | Kind::Model(_) => arg
            .value_name("JSON")
            .help(format!("{} (JSON, sent encoded)", doc.map_or_else(|| format!("`{name}`"), str::to_owned))),
        Kind::Enum { values, .. } => arg.value_name("TEXT").help(match doc {
            Some(doc) => format!("{doc} [values: {}]", values.join(", ")),
            None => format!("`{name}`: {}", values.join(", ")),
        }),
        Kind::Text | Kind::Id(_) | Kind::TreePath | Kind::Page => arg.value_name("TEXT").help(help("")),
    }
}

/// The positional ids of an endpoint (its path parameters but the page, which is `--page`).
fn positional_params(endpoint: &'static crisp_api::catalog::Endpoint) -> impl Iterator<Item = &'static Param> {
    endpoint.path_params.iter().filter(|p| p.kind != Kind::Page)
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
        let mut help = if param.doc.is_empty() {
            format!("`{}` ({})", param.name, kind_name(&param.kind))
        } else {
            param.doc.to_owned()
        };
        if let Kind::Enum { values, .. } = param.kind {
            help.push_str(&format!(": {}", values.join(", ")));
        }
        if param.kind == Kind::TreePath {
            help.push_str("; may hold `/`");
        }
        if param.name == WEBSITE_ID {
            help.push_str(" Left out: the profile's website_id, or CRISP_WEBSITE_ID.");
        }
        // Not required for clap: a left-out website id is filled in from the profile, and the
        // others are checked when the values are read (see `path_arguments`).
        command = command.arg(Arg::new(param.name).value_name(param.name.to_uppercase()).help(help));
    }
    let usage: Vec<String> = positional_params(endpoint)
        .map(|p| if p.name == WEBSITE_ID { "[WEBSITE_ID]".to_owned() } else { format!("<{}>", p.name.to_uppercase()) })
        .collect();
    command =
        command.override_usage(format!("crisp {} {} [OPTIONS] {}", endpoint.service, spec.command, usage.join(" ")));
    if let Some(examples) = crate::help::examples(endpoint.service, spec.command) {
        command = command.after_long_help(examples);
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
    /// The path ids, after the website default.
    path: PathValues,
    body: Option<Value>,
}

/// The path parameter filled in from the profile or the environment when left out.
const WEBSITE_ID: &str = "website_id";

/// Path parameter names and their values, in route order.
type PathValues = Vec<(&'static str, String)>;

/// The path ids as given; with one fewer than the route needs and a website id in the route, the
/// given ones are the others and the website id is the resolved default.
fn path_arguments(
    endpoint: &'static crisp_api::catalog::Endpoint,
    matches: &ArgMatches,
    resolved: &crate::config::Resolved,
) -> Result<(PathValues, Option<Defaulted>)> {
    let params: Vec<&'static Param> = positional_params(endpoint).collect();
    // clap fills positionals from the left, so the given values are the first ones.
    let given: Vec<String> = params
        .iter()
        .map_while(|p| matches.try_get_raw(p.name).ok().flatten().and_then(|mut v| v.next()))
        .map(|raw| raw.to_string_lossy().into_owned())
        .collect();
    if given.len() == params.len() {
        return Ok((params.iter().map(|p| p.name).zip(given).collect(), None));
    }
    let website_at = params.iter().position(|p| p.name == WEBSITE_ID);
    if let (Some(at), true) = (website_at, given.len() + 1 == params.len()) {
        if let Some(value) = &resolved.website_id {
            let source = resolved.sources.get(WEBSITE_ID).cloned().unwrap_or_else(|| "the profile".into());
            let mut values = given;
            values.insert(at, value.clone());
            let defaulted = Defaulted { name: WEBSITE_ID, value: value.clone(), source };
            return Ok((params.iter().map(|p| p.name).zip(values).collect(), Some(defaulted)));
        }
        if given.len() == at {
            return Err(CliError::usage("WEBSITE_ID is required: no profile or environment gives one")
                .hint("give it, set CRISP_WEBSITE_ID, or `crisp login --website-id ID`"));
        }
    }
    // With a default website, the given values are the other ids.
    let expected: Vec<&Param> = match (website_at, &resolved.website_id) {
        (Some(_), Some(_)) => params.iter().copied().filter(|p| p.name != WEBSITE_ID).collect(),
        _ => params.clone(),
    };
    let missing: Vec<String> =
        expected.iter().skip(given.len()).map(|p| format!("<{}>", p.name.to_uppercase())).collect();
    Err(CliError::usage(format!("missing {}", missing.join(" "))))
}

impl Arguments for FlagArguments<'_> {
    fn argument(&self, name: &str) -> std::result::Result<Option<Argument>, ArgumentError> {
        if name == "body" {
            return Ok(self.body.clone().map(Argument::Json));
        }
        if let Some((_, value)) = self.path.iter().find(|(param, _)| *param == name) {
            return Ok(Some(Argument::Text(value.clone())));
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
pub fn prepare(resolved: &crate::config::Resolved, spec: &EndpointSpec, matches: &ArgMatches) -> Result<Prepared> {
    let endpoint = spec.endpoint;
    let client = &resolved.client;
    let (path, defaulted) = path_arguments(endpoint, matches, resolved)?;
    let method: http::Method =
        endpoint.method.parse().map_err(|_| CliError::failure(format!("unknown method {}", endpoint.method)))?;
    let page = matches.try_get_one::<u32>("page").ok().flatten().copied().unwrap_or(1);
    let body = if endpoint.body == Body::None { None } else { body_from(matches)? };
    let request = endpoint.request(&FlagArguments { matches, path, body }).map_err(usage_error)?;
    let mut call = request.call(client);
    if matches.try_get_one::<bool>("idempotent").ok().flatten().copied().unwrap_or(false) {
        call.mark_idempotent();
    }
    Ok(Prepared { call, method, body: request.body().cloned(), page, defaulted })
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
    let prepared = prepare(&resolved, spec, matches)?;
    if let Some(d) = &prepared.defaulted
        && (ctx.global.dry_run || ctx.global.verbose)
    {
        eprintln!("{} = {} (from {})", d.name, d.value, d.source);
    }
    if ctx.global.dry_run {
        return crate::dryrun::print(&resolved, &prepared);
    }
    let mut printer = ctx.printer()?;
    printer.set_model(answer_model(endpoint));
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

/// The spec model the answer is (a list of), for the table's columns.
fn answer_model(endpoint: &crisp_api::catalog::Endpoint) -> Option<&'static str> {
    match endpoint.response {
        Response::Data(Kind::Model(name)) => Some(name),
        Response::Data(Kind::List(Kind::Model(name))) => Some(name),
        _ => None,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_curated_model_is_the_answer_of_some_endpoint() {
        for model in crate::columns::curated_models() {
            assert!(ENDPOINTS.iter().any(|e| answer_model(e.endpoint) == Some(model)), "{model} answers nothing");
        }
    }

    #[test]
    fn query_flags_are_documented_by_the_spec() {
        let spec = find("website", "list-conversations").unwrap();
        let command = endpoint_command(spec);
        let per_page = command.get_arguments().find(|a| a.get_id() == "per_page").unwrap();
        let help = per_page.get_help().unwrap().to_string();
        assert!(help.contains("per page") && !help.contains("(integer)"), "{help}");
    }
}

//! `crisp api METHOD PATH`: any route, with the same credentials, output
//! and errors as the generated commands.

use clap::Args;
use serde_json::Value;

use crate::error::{CliError, Result};

#[derive(Args, Debug)]
pub struct ApiArgs {
    /// GET, HEAD, POST, PUT, PATCH or DELETE
    method: String,
    /// The path under /v1/, with an optional ?query: website/ID/conversations/1?per_page=5
    path: String,
    /// The body: @file.json, - for standard input, or inline JSON
    #[arg(long, short = 'd', value_name = "@FILE|-|JSON")]
    data: Option<String>,
    /// A body member with a typed value (true, false, null, numbers, JSON, @file); a.b=c nests
    #[arg(long, short = 'F', value_name = "KEY=VALUE")]
    field: Vec<String>,
    /// A body member kept as text
    #[arg(long, short = 'f', value_name = "KEY=VALUE")]
    raw_field: Vec<String>,
    /// Allow automatic retries of a POST or PATCH (it may then be applied twice)
    #[arg(long)]
    idempotent: bool,
}

/// Splits `path?a=b&c=d` into the path and decoded query pairs.
fn split_query(raw: &str) -> Result<(String, Vec<(String, String)>)> {
    let raw = raw.trim_start_matches('/');
    let raw = raw.strip_prefix("v1/").unwrap_or(raw);
    let (path, query) = raw.split_once('?').unwrap_or((raw, ""));
    let mut pairs = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode =
            |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
        pairs.push((decode(name), decode(value)));
    }
    if path.is_empty() {
        return Err(CliError::usage("the path is empty").hint("e.g. website/WEBSITE_ID"));
    }
    Ok((path.to_owned(), pairs))
}

pub async fn run(ctx: &crate::context::Context, args: ApiArgs) -> Result<()> {
    let method: http::Method = args.method.to_ascii_uppercase().parse().map_err(|_| {
        CliError::usage(format!("`{}` is not an HTTP method", args.method))
            .hint("GET, HEAD, POST, PUT, PATCH or DELETE")
    })?;
    let (path, query) = split_query(&args.path)?;
    let body = crate::body::build(args.data.as_deref(), &args.field, &args.raw_field)?;
    let resolved = ctx.resolve()?;
    let mut call = resolved.client.raw(method.clone(), &path);
    for (name, value) in &query {
        call.query(name.clone(), value);
    }
    if let Some(body) = &body {
        call.body_json(body);
    }
    if args.idempotent {
        call.mark_idempotent();
    }
    if ctx.global.dry_run {
        let prepared = crate::endpoint::Prepared { call, method, body, page: 1, defaulted: None };
        return crate::dryrun::print(&resolved, &prepared);
    }
    let mut printer = ctx.printer()?;
    if method == http::Method::HEAD {
        printer.document(&Value::Bool(call.send_exists().await?))?;
    } else {
        let response = call.send_with_response().await?;
        if ctx.global.verbose {
            eprintln!("{method} {path} → {}", response.status);
        }
        printer.document(&response.data)?;
    }
    printer.flush()
}

#[cfg(test)]
mod tests {
    use super::split_query;

    #[test]
    fn splits_and_decodes_the_query() {
        let (path, query) = split_query("/v1/website/w1/conversations/1?per_page=5&search_query=a%20b+c").unwrap();
        assert_eq!(path, "website/w1/conversations/1");
        assert_eq!(query, vec![("per_page".into(), "5".into()), ("search_query".into(), "a b c".into())]);
        assert!(split_query("/").is_err());
    }
}

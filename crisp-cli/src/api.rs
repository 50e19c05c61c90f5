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
    /// Follow the page number at the end of the path (`.../conversations/1`, then 2, 3...) until a
    /// page is empty; print each page's answer as it comes (--jq runs per page)
    #[arg(long)]
    paginate: bool,
    /// With --paginate: print one JSON array of every page's items (--jq runs on the array)
    #[arg(long, requires = "paginate")]
    slurp: bool,
    /// With --paginate: read at most this many pages
    #[arg(long, value_name = "N", default_value_t = 100, requires = "paginate", value_parser = clap::value_parser!(u32).range(1..))]
    max_pages: u32,
}

/// The path without its final page number, and that number: `website/w/conversations/2` gives
/// (`website/w/conversations`, 2).
fn split_page(path: &str) -> Option<(&str, u32)> {
    let (base, last) = path.trim_end_matches('/').rsplit_once('/')?;
    let page = last.parse::<u32>().ok().filter(|p| *p >= 1)?;
    Some((base, page))
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
    if args.paginate {
        if method != http::Method::GET {
            return Err(CliError::usage("--paginate follows GET routes only"));
        }
        let (base, first) = split_page(&path).ok_or_else(|| {
            CliError::usage(format!("`{path}` does not end in a page number"))
                .hint("paged Crisp routes end in /{page}, e.g. website/WEBSITE_ID/conversations/1")
        })?;
        let pages = Pages { base, first, max_pages: args.max_pages, slurp: args.slurp };
        return paginate(ctx, &resolved, &query, pages).await;
    }
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

/// What `--paginate` walks.
struct Pages<'a> {
    base: &'a str,
    first: u32,
    max_pages: u32,
    slurp: bool,
}

/// `--paginate`: page after page from the one in the path. Stops at an empty page, an answer that is
/// not a list, a page equal to the previous one (a route that ignores the number), or `--max-pages`
/// (said on standard error, so a cut-off walk is not mistaken for a complete one).
async fn paginate(
    ctx: &crate::context::Context,
    resolved: &crate::config::Resolved,
    query: &[(String, String)],
    pages: Pages<'_>,
) -> Result<()> {
    let mut printer = ctx.printer()?;
    let mut gathered = Vec::new();
    let mut previous: Option<Value> = None;
    let mut read = 0;
    let mut page = pages.first;
    loop {
        if read == pages.max_pages {
            eprintln!("crisp: stopped after {read} pages (--max-pages); more may follow from page {page}");
            break;
        }
        let mut call = resolved.client.raw(http::Method::GET, format!("{}/{page}", pages.base));
        for (name, value) in query {
            call.query(name.clone(), value);
        }
        let data = call.send().await?;
        read += 1;
        if ctx.global.verbose {
            eprintln!("GET {}/{page}: {} items", pages.base, data.as_array().map_or(0, Vec::len));
        }
        let done = match &data {
            Value::Array(items) => items.is_empty() || previous.as_ref() == Some(&data),
            _ => true,
        };
        if done {
            // A non-list answer is still shown: it is what the route says.
            if !data.is_array() && gathered.is_empty() && !pages.slurp {
                printer.document(&data)?;
            }
            break;
        }
        if pages.slurp {
            gathered.extend(data.as_array().into_iter().flatten().cloned());
        } else {
            printer.document(&data)?;
            printer.flush()?;
        }
        previous = Some(data);
        page = match page.checked_add(1) {
            Some(next) => next,
            None => break,
        };
    }
    if pages.slurp {
        printer.document(&Value::Array(gathered))?;
    }
    printer.flush()
}

#[cfg(test)]
mod tests {
    use super::{split_page, split_query};

    #[test]
    fn finds_the_page_number_at_the_end_of_the_path() {
        assert_eq!(split_page("website/w/conversations/2"), Some(("website/w/conversations", 2)));
        assert_eq!(split_page("website/w"), None);
        assert_eq!(split_page("website/w/conversations/0"), None);
    }

    #[test]
    fn splits_and_decodes_the_query() {
        let (path, query) = split_query("/v1/website/w1/conversations/1?per_page=5&search_query=a%20b+c").unwrap();
        assert_eq!(path, "website/w1/conversations/1");
        assert_eq!(query, vec![("per_page".into(), "5".into()), ("search_query".into(), "a b c".into())]);
        assert!(split_query("/").is_err());
    }
}

//! `crisp trigger <event>`: makes a running simulator raise an event, with
//! its data overridden from `--data` and `--set`.

use clap::Args;
use serde_json::{Value, json};

use crate::error::{CliError, Exit, Result};

#[derive(Args, Debug)]
pub struct TriggerArgs {
    /// The event name, e.g. message:send, session:set_state
    event: String,
    /// The event data: @file.json, - for standard input, or inline JSON
    #[arg(long, short = 'd', value_name = "@FILE|-|JSON")]
    data: Option<String>,
    /// Override one data member (typed like --field): --set content=Hello --set user.nickname=Ann
    #[arg(long, value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// The website (default: the profile's)
    #[arg(long, value_name = "ID")]
    website: Option<String>,
    /// The conversation
    #[arg(long, value_name = "ID")]
    session: Option<String>,
}

/// The simulator's origin (its admin routes sit outside `/v1/`).
fn origin(base_url: &str) -> String {
    let trimmed = base_url.trim_end_matches('/');
    trimmed.strip_suffix("/v1").unwrap_or(trimmed).to_owned()
}

pub async fn run(ctx: &crate::context::Context, args: TriggerArgs) -> Result<()> {
    if !crisp_api::events::EVENT_NAMES.contains(&args.event.as_str()) {
        eprintln!("warning: `{}` is not an event the spec knows; sending it anyway", args.event);
    }
    let data = crate::body::build(args.data.as_deref(), &args.set, &[])?;
    let resolved = ctx.resolve()?;
    let website_id = args.website.or(resolved.website_id.clone());
    let origin = origin(&resolved.base_url);
    // A visitor's plain text message is played as the chat box sends it:
    // stored in its conversation (a new one without --session), so a bot
    // answering the event finds it. Anything else is raised as given.
    let only_content = match &data {
        None => Some(json!("Hello from crisp trigger")),
        Some(Value::Object(map)) if map.len() == 1 => map.get("content").filter(|c| c.is_string()).cloned(),
        Some(_) => None,
    };
    let (route, request) = match only_content {
        Some(content) if args.event == "message:send" => {
            let mut visitor = json!({"content": content});
            if let Some(id) = &args.session {
                visitor["session_id"] = json!(id);
            }
            if let Some(id) = &website_id {
                visitor["website_id"] = json!(id);
            }
            ("visitor/message", visitor)
        }
        _ => {
            let mut request = json!({"event": args.event});
            if let Some(id) = &website_id {
                request["website_id"] = json!(id);
            }
            if let Some(id) = &args.session {
                request["session_id"] = json!(id);
            }
            if let Some(data) = &data {
                request["data"] = data.clone();
            }
            ("trigger", request)
        }
    };
    let url = format!("{origin}/mock/{route}");
    if ctx.global.dry_run {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"method": "POST", "url": url, "body": request})).unwrap_or_default()
        );
        return Ok(());
    }
    let http = reqwest::Client::new();
    let answer = post(&http, &url, &request).await?;
    match answer {
        (status, body) if (200..300).contains(&status) => {
            let mut printer = ctx.printer()?;
            printer.document(&body)?;
            printer.flush()
        }
        (404, _) => Err(CliError::new(Exit::Api, format!("{origin} has no trigger route for `{}`", args.event))
            .hint("is it a crisp simulator (`crisp mock`)? check --profile")),
        (status, body) => {
            let reason = body.get("reason").and_then(Value::as_str).unwrap_or("error").to_owned();
            let mut err = CliError::new(Exit::Api, format!("the simulator refused the trigger ({status} {reason})"));
            err.status = Some(status);
            err.reason = Some(reason);
            Err(err)
        }
    }
}

async fn post(http: &reqwest::Client, url: &str, body: &Value) -> Result<(u16, Value)> {
    let response =
        http.post(url).header("content-type", "application/json").body(body.to_string()).send().await.map_err(|e| {
            CliError::new(Exit::Transport, format!("cannot reach the simulator at {url}: {e}"))
                .hint("start it with `crisp mock`")
        })?;
    let status = response.status().as_u16();
    let bytes = response.bytes().await.map_err(|e| CliError::new(Exit::Transport, e.to_string()))?;
    Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
}

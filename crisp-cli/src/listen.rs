//! `crisp listen`: real-time events on standard output, and with
//! `--forward-to` each one delivered to a local URL as a signed Web Hook,
//! signed exactly as Crisp signs (`X-Crisp-Request-Timestamp`,
//! `X-Crisp-Signature`: hex HMAC-SHA256 of `[timestamp;body]`).
//!
//! It is meant to run for days: the RTM client reconnects by itself and this
//! command says so on standard error; if the connection ends anyway (a
//! server gone for long), it connects again, forever, unless Crisp refuses
//! the credentials. Forwarding runs on its own task with a bounded queue: a
//! slow or down handler is retried with back-off and reported, and listening
//! goes on.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Args;
use crisp_api::rtm::{ConnectionState, RtmError};
use futures_util::StreamExt as _;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::error::{CliError, Exit, Result};

#[derive(Args, Debug)]
pub struct ListenArgs {
    /// Only these events (comma-separated; default: all)
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    events: Vec<String>,
    /// Deliver each event as a signed Web Hook to this URL
    #[arg(long, value_name = "URL", requires = "secret")]
    forward_to: Option<String>,
    /// The Web Hook signing secret (or CRISP_WEBHOOK_SECRET)
    #[arg(long, env = "CRISP_WEBHOOK_SECRET", hide_env_values = true, value_name = "SECRET")]
    secret: Option<String>,
    /// Attempts per delivery before it is reported as failed
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    forward_attempts: u32,
    /// The RTM URL, skipping discovery through the REST API
    #[arg(long, value_name = "URL")]
    rtm_url: Option<String>,
}

/// A Web Hook body, as Crisp sends it.
pub fn webhook_body(event: &str, data: &Value, timestamp_ms: u64) -> Value {
    json!({"website_id": data.get("website_id"), "event": event, "data": data, "timestamp": timestamp_ms})
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// The event names to subscribe to; a name Crisp does not document is
/// refused here rather than silently subscribing to nothing.
fn subscription(names: &[String]) -> Result<Vec<crisp_api::events::EventName>> {
    names
        .iter()
        .map(|name| {
            name.parse::<crisp_api::events::EventName>().map_err(|unknown| {
                let hint = match unknown.suggestion() {
                    Some(known) => format!("did you mean `{known}`? (`crisp trigger --help` lists them all)"),
                    None => "event names look like `message:send` or `session:set_state`; see `crisp trigger --help`"
                        .to_owned(),
                };
                crate::error::CliError::usage(format!("`{}` is not a Crisp event name", unknown.value())).hint(hint)
            })
        })
        .collect()
}

pub async fn run(ctx: &crate::context::Context, args: ListenArgs) -> Result<()> {
    let events = subscription(&args.events)?;
    let resolved = ctx.resolve()?;
    let client = resolved.client;
    let forward = match (&args.forward_to, &args.secret) {
        (Some(url), Some(secret)) => {
            let (tx, rx) = mpsc::channel::<Value>(1024);
            tokio::spawn(forwarder(url.clone(), secret.clone(), args.forward_attempts, rx));
            eprintln!("forwarding events to {url}");
            Some(tx)
        }
        _ => None,
    };
    let mut printer = ctx.printer()?;
    let mut delay = Duration::from_millis(500);
    loop {
        let mut builder = client.rtm();
        if !events.is_empty() {
            builder = builder.events(events.clone());
        }
        if let Some(url) = &args.rtm_url {
            builder = builder.url(url.clone());
        }
        let connected = tokio::select! {
            connected = builder.connect() => connected,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let mut rtm = match connected {
            Ok(rtm) => rtm,
            Err(err) => {
                give_up_if_fatal(&err)?;
                eprintln!("cannot connect ({err}); trying again in {:.1} s", delay.as_secs_f64());
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(30));
                continue;
            }
        };
        delay = Duration::from_millis(500);
        eprintln!(
            "connected; listening for {} (Ctrl-C stops)",
            if args.events.is_empty() { "all events".to_owned() } else { args.events.join(", ") }
        );
        let mut states = rtm.state_changes();
        tokio::spawn(async move {
            while states.changed().await.is_ok() {
                let state = *states.borrow();
                match state {
                    ConnectionState::Reconnecting { attempt } => {
                        eprintln!("connection lost; reconnecting (attempt {attempt})")
                    }
                    ConnectionState::Authenticated => eprintln!("reconnected; listening again"),
                    ConnectionState::Closed => break,
                    _ => {}
                }
            }
        });
        loop {
            let next = tokio::select! {
                next = rtm.next() => next,
                _ = tokio::signal::ctrl_c() => {
                    rtm.close().await;
                    return Ok(());
                }
            };
            match next {
                Some(Ok(event)) => {
                    let data = crate::generated::events::event_data(&event);
                    let body = webhook_body(event.name(), &data, now_ms());
                    printer.document(&body)?;
                    printer.flush()?;
                    if let Some(tx) = &forward {
                        // Waits when the handler is far behind: memory stays bounded.
                        let _ = tx.send(body).await;
                    }
                }
                Some(Err(err)) => {
                    give_up_if_fatal(&err)?;
                    eprintln!("the event stream ended ({err}); connecting again");
                    break;
                }
                None => {
                    eprintln!("the event stream ended; connecting again");
                    break;
                }
            }
        }
        tokio::time::sleep(delay).await;
    }
}

pub(crate) fn give_up_if_fatal(err: &RtmError) -> Result<()> {
    if err.is_fatal() {
        let exit = if matches!(err, RtmError::Unauthorized { .. }) { Exit::Auth } else { Exit::Failure };
        return Err(CliError::new(exit, err.to_string()));
    }
    Ok(())
}

/// Delivers events in order; each is retried with back-off, then reported
/// as failed, and the next one is taken.
async fn forwarder(url: String, secret: String, attempts: u32, mut rx: mpsc::Receiver<Value>) {
    let http = match reqwest::Client::builder().timeout(Duration::from_secs(10)).build() {
        Ok(http) => http,
        Err(err) => {
            eprintln!("cannot forward: {err}");
            return;
        }
    };
    while let Some(body) = rx.recv().await {
        let name = body.get("event").and_then(Value::as_str).unwrap_or("?").to_owned();
        let bytes = body.to_string().into_bytes();
        let mut wait = Duration::from_millis(250);
        for attempt in 1..=attempts {
            let timestamp = now_ms();
            let signature = crisp_api::webhook::sign(&secret, timestamp, &bytes);
            let started = Instant::now();
            let sent = http
                .post(&url)
                .header("content-type", "application/json")
                .header("x-crisp-request-timestamp", timestamp.to_string())
                .header("x-crisp-signature", signature)
                .body(bytes.clone())
                .send()
                .await;
            let ms = started.elapsed().as_millis();
            let retry = match sent {
                Ok(response) if response.status().is_success() => {
                    eprintln!("→ {name}: {} in {ms} ms", response.status());
                    false
                }
                Ok(response) if response.status().is_server_error() || response.status().as_u16() == 429 => {
                    eprintln!("→ {name}: {} in {ms} ms (attempt {attempt}/{attempts})", response.status());
                    true
                }
                Ok(response) => {
                    // A 4xx is the handler's verdict (a refused signature, say): report it, do not insist.
                    eprintln!("→ {name}: {} in {ms} ms, not retried", response.status());
                    false
                }
                Err(err) => {
                    let why = if err.is_connect() { "the handler is down".to_owned() } else { err.to_string() };
                    eprintln!("→ {name}: {why} (attempt {attempt}/{attempts})");
                    true
                }
            };
            if !retry {
                break;
            }
            if attempt == attempts {
                eprintln!("→ {name}: not delivered after {attempts} attempts; still listening");
                break;
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(10));
        }
    }
}

//! `crisp export conversations|people --website ID`: every item as one JSON
//! line, paged, paced, resumable.
//!
//! - **Pacing** ([`crate::pace`]). The client's own retries are off here: this module sees each
//!   429/420, waits for `Retry-After` (or a growing back-off), and lowers its
//!   request rate (multiplicative decrease, additive increase back up to
//!   `--max-rate`). Conversations of a page are fetched `--concurrency` at a
//!   time and written in page order.
//! - **Resumable.** Next to the output sits `<out>.checkpoint.json`: the
//!   page to fetch next, the ids already written from it, and the length of
//!   the output at that point. It is replaced atomically (write, fsync,
//!   rename) after the output is flushed and synced, so it never claims more
//!   than the file holds. `--resume` cuts the output back to that length
//!   (dropping a half-written line) and carries on: no duplicates, no gaps.
//! - **Memory** holds one page and one conversation's messages at a time.

use std::collections::HashSet;
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use crisp_api::{Call, Segment};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{CliError, Result};
use crate::pace::{PaceArgs, Pacer};

#[derive(Subcommand, Debug)]
pub enum ExportKind {
    /// Every conversation with all of its messages (under "messages", oldest first)
    Conversations(ExportArgs),
    /// Every people profile
    People(ExportArgs),
}

#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    /// The website (default: the profile's)
    #[arg(long, value_name = "ID")]
    website: Option<String>,
    /// Write to this file (default: standard output; --resume needs a file)
    #[arg(long, short = 'O', value_name = "FILE")]
    out: Option<PathBuf>,
    /// Carry on an interrupted export from its checkpoint
    #[arg(long, requires = "out")]
    resume: bool,
    #[command(flatten)]
    pace: PaceArgs,
}

#[derive(Serialize, Deserialize, Default, Debug)]
struct Checkpoint {
    kind: String,
    website_id: String,
    /// The listing page to fetch next (its items may be partly written).
    page: u32,
    /// Ids already written from `page` (and from the page before, so a page
    /// shifted by a new conversation does not repeat it).
    written_ids: Vec<String>,
    /// The output's length after the last item counted here.
    out_len: u64,
    items: u64,
}

fn checkpoint_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".checkpoint.json");
    out.with_file_name(name)
}

impl Checkpoint {
    fn load(path: &Path) -> Result<Option<Self>> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
                CliError::usage(format!("the checkpoint {} is damaged: {e}", path.display()))
                    .hint("remove it (and the output) to start over")
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(CliError::failure(format!("cannot read {}: {err}", path.display()))),
        }
    }

    fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_vec(self).map_err(|e| CliError::failure(e.to_string()))?;
        crate::config::write_private(path, &text)
    }
}

/// Where the lines go.
enum Sink {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    File { file: std::io::BufWriter<std::fs::File>, len: u64 },
}

impl Sink {
    fn line(&mut self, value: &Value) -> Result<()> {
        let mut bytes = serde_json::to_vec(value).map_err(|e| CliError::failure(e.to_string()))?;
        bytes.push(b'\n');
        let result = match self {
            Sink::Stdout(out) => out.write_all(&bytes),
            Sink::File { file, len } => {
                *len += bytes.len() as u64;
                file.write_all(&bytes)
            }
        };
        result.map_err(|e| CliError::failure(format!("cannot write the export: {e}")))
    }

    /// Flushes and, for a file, syncs: after this the bytes survive a crash.
    fn sync(&mut self) -> Result<u64> {
        match self {
            Sink::Stdout(out) => out.flush().map(|_| 0),
            Sink::File { file, len } => file.flush().and_then(|_| file.get_ref().sync_data()).map(|_| *len),
        }
        .map_err(|e| CliError::failure(format!("cannot write the export: {e}")))
    }
}

pub async fn run(ctx: &crate::context::Context, kind: ExportKind) -> Result<()> {
    let (kind_name, args) = match kind {
        ExportKind::Conversations(args) => ("conversations", args),
        ExportKind::People(args) => ("people", args),
    };
    let resolved =
        crate::config::resolve_with(ctx.global.profile.as_deref(), |b| b.retry(crisp_api::RetryPolicy::none()))?;
    let website_id = args
        .website
        .clone()
        .or(resolved.website_id.clone())
        .ok_or_else(|| CliError::usage("which website? pass --website ID").hint("or set CRISP_WEBSITE_ID"))?;
    let client = resolved.client;

    // Open the output, and the checkpoint if resuming.
    let mut checkpoint =
        Checkpoint { kind: kind_name.into(), website_id: website_id.clone(), page: 1, ..Default::default() };
    let checkpoint_file = args.out.as_deref().map(checkpoint_path);
    let mut sink = match &args.out {
        None => Sink::Stdout(std::io::BufWriter::new(std::io::stdout())),
        Some(out) => {
            let cp_path = checkpoint_file.as_deref().unwrap_or(out);
            let existing = Checkpoint::load(cp_path)?;
            match (&existing, args.resume) {
                (Some(_), false) => {
                    return Err(CliError::usage(format!("{} holds an interrupted export", out.display()))
                        .hint("add --resume to carry on, or remove the file and its .checkpoint.json"));
                }
                (Some(saved), true) if saved.kind != kind_name || saved.website_id != website_id => {
                    return Err(CliError::usage(format!(
                        "the checkpoint is for {} of website {}, not {kind_name} of {website_id}",
                        saved.kind, saved.website_id
                    )));
                }
                _ => {}
            }
            let file = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(false)
                .open(out)
                .map_err(|e| CliError::failure(format!("cannot open {}: {e}", out.display())))?;
            let len = match existing {
                Some(saved) => {
                    checkpoint = saved;
                    checkpoint.out_len
                }
                None => 0,
            };
            // Whatever follows the checkpointed length was not counted: drop it.
            file.set_len(len).map_err(|e| CliError::failure(format!("cannot truncate {}: {e}", out.display())))?;
            let mut file = std::io::BufWriter::new(file);
            use std::io::Seek as _;
            file.seek(std::io::SeekFrom::Start(len)).map_err(|e| CliError::failure(e.to_string()))?;
            if args.resume && len > 0 {
                eprintln!("resuming at page {} after {} items", checkpoint.page, checkpoint.items);
            }
            Sink::File { file, len }
        }
    };

    let pacer = Pacer::new(args.pace.max_rate);
    let started = Instant::now();
    let progress = progress_bar(kind_name);
    // People have a total, which gives the bar a length and an ETA; Crisp
    // counts conversations nowhere, so theirs shows the rate only.
    if kind_name == "people" && !progress.is_hidden() {
        let params = [Segment::One(website_id.as_str())];
        let stats = Call::new(&client, http::Method::GET, "website/{website_id}/people/stats", &params, true);
        if let Ok(Some(total)) = pacer.send(&stats).await.map(|v| v.get("total").and_then(Value::as_u64)) {
            progress.set_length(total);
            progress.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} people · {per_sec} · ETA {eta} · {elapsed_precise}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
        }
    }
    progress.set_position(checkpoint.items);
    let mut last_save = Instant::now();
    let mut items_this_run = 0u64;
    let mut previous_ids: HashSet<String> = checkpoint.written_ids.iter().cloned().collect();
    let mut filtered_pages = 0;
    loop {
        let page = checkpoint.page;
        let list = list_call(&client, kind_name, &website_id, page, args.pace.per_page);
        let items = match pacer.send(&list).await? {
            Value::Array(items) => items,
            _ => Vec::new(),
        };
        let id_key = if kind_name == "conversations" { "session_id" } else { "people_id" };
        let id_of = |item: &Value| item.get(id_key).and_then(Value::as_str).unwrap_or_default().to_owned();
        if items.is_empty() {
            break;
        }
        let fresh: Vec<Value> = items.into_iter().filter(|item| !previous_ids.contains(&id_of(item))).collect();
        // A page already written in full (a resume right after its last
        // item) is skipped; two in a row mean a server that ignores the page
        // number, and the walk ends.
        if fresh.is_empty() {
            filtered_pages += 1;
            if filtered_pages >= 2 {
                break;
            }
            checkpoint.page = page.saturating_add(1);
            continue;
        }
        filtered_pages = 0;
        let client_ref = &client;
        let pacer_ref = &pacer;
        let website_ref = website_id.as_str();
        let mut full = futures_util::stream::iter(fresh)
            .map(|item| async move {
                if kind_name == "conversations" {
                    with_messages(client_ref, pacer_ref, website_ref, item).await
                } else {
                    Ok(item)
                }
            })
            .buffered(args.pace.concurrency as usize);
        let mut page_ids = Vec::new();
        while let Some(item) = full.next().await {
            let item = item?;
            let id = id_of(&item);
            sink.line(&item)?;
            page_ids.push(id.clone());
            previous_ids.insert(id);
            items_this_run += 1;
            checkpoint.items += 1;
            progress.inc(1);
            if last_save.elapsed() >= Duration::from_secs(1) {
                checkpoint.out_len = sink.sync()?;
                checkpoint.written_ids = previous_ids.iter().cloned().collect();
                if let Some(path) = &checkpoint_file {
                    checkpoint.save(path)?;
                }
                last_save = Instant::now();
            }
        }
        // The page is done: the next checkpoint starts at the next page, and
        // remembers this page's ids so a shifted listing cannot repeat them.
        checkpoint.page = page.saturating_add(1);
        previous_ids = page_ids.into_iter().collect();
        checkpoint.out_len = sink.sync()?;
        checkpoint.written_ids = previous_ids.iter().cloned().collect();
        if let Some(path) = &checkpoint_file {
            checkpoint.save(path)?;
        }
        last_save = Instant::now();
    }
    sink.sync()?;
    progress.finish_and_clear();
    // Done: the checkpoint has served its purpose.
    if let Some(path) = &checkpoint_file {
        let _ = std::fs::remove_file(path);
    }
    let elapsed = started.elapsed();
    let requests = pacer.requests.load(Ordering::Relaxed);
    eprintln!(
        "exported {items_this_run} {kind_name} ({} in total) in {:.1} s: {requests} requests ({:.1}/s), {} retries",
        checkpoint.items,
        elapsed.as_secs_f64(),
        requests as f64 / elapsed.as_secs_f64().max(0.001),
        pacer.retries.load(Ordering::Relaxed)
    );
    Ok(())
}

fn list_call(client: &crisp_api::Crisp, kind: &str, website_id: &str, page: u32, per_page: u32) -> Call<Value> {
    let page_text = page.to_string();
    let params = [Segment::One(website_id), Segment::One(&page_text)];
    if kind == "conversations" {
        let mut call =
            Call::new(client, http::Method::GET, "website/{website_id}/conversations/{page_number}", &params, true);
        call.query("per_page", per_page);
        call
    } else {
        Call::new(client, http::Method::GET, "website/{website_id}/people/profiles/{page_number}", &params, true)
    }
}

/// Adds every message of a conversation, walking back with
/// `timestamp_before` until a batch brings nothing older.
async fn with_messages(client: &crisp_api::Crisp, pacer: &Pacer, website_id: &str, mut item: Value) -> Result<Value> {
    let session_id = item.get("session_id").and_then(Value::as_str).unwrap_or_default().to_owned();
    let mut messages: Vec<Value> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut before: Option<u64> = None;
    loop {
        let params = [Segment::One(website_id), Segment::One(&session_id)];
        let mut call = Call::new(
            client,
            http::Method::GET,
            "website/{website_id}/conversation/{session_id}/messages",
            &params,
            true,
        );
        if let Some(before) = before {
            call.query("timestamp_before", before);
        }
        let batch = match pacer.send(&call).await? {
            Value::Array(batch) => batch,
            _ => Vec::new(),
        };
        let oldest = batch.iter().filter_map(|m| m.get("timestamp").and_then(Value::as_u64)).min();
        let mut older: Vec<Value> = batch
            .into_iter()
            .filter(|m| seen.insert(m.get("fingerprint").map_or_else(|| m.to_string(), Value::to_string)))
            .collect();
        if older.is_empty() {
            break;
        }
        older.append(&mut messages);
        messages = older;
        match (oldest, before) {
            (Some(oldest), Some(previous)) if oldest >= previous => break,
            (Some(oldest), _) => before = Some(oldest),
            (None, _) => break,
        }
    }
    if let Value::Object(map) = &mut item {
        map.insert("messages".into(), Value::Array(messages));
    }
    Ok(item)
}

fn progress_bar(kind: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    let style = indicatif::ProgressStyle::with_template(&format!(
        "{{spinner}} {{pos}} {kind} · {{per_sec}} · {{elapsed_precise}}"
    ))
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

//! `crisp sync --database URL`: a website's conversations, messages, people
//! and operators in SQLite or PostgreSQL, kept current.
//!
//! - **Full, then incremental.** Conversations and people are listed newest
//!   update first; the walk stops at the first one older than the previous
//!   run's high-water mark (the first run has none and walks everything). A
//!   conversation whose listed JSON equals the stored one is skipped without
//!   a request; a changed one gets its messages newer than its stored
//!   `updated_at` (all of them when new), walking back with
//!   `timestamp_before`. Messages are keyed by (session id, fingerprint).
//! - **Checkpoint.** The walk's position (page, and the `updated_at` reached)
//!   and the high-water marks live in `sync_state`, written in the same
//!   transaction as the rows they count ([`db`]). A rerun after a kill
//!   starts at that page, one page back if removals moved the listing.
//! - **`--follow`.** Then real-time events are applied as they come, and
//!   every `--reconcile-every` seconds (and after each reconnect) an
//!   incremental pass catches what the events missed. Event changes never
//!   move a conversation's stored `updated_at`, so that pass still fetches
//!   whatever arrived while the connection was down.
//! - **Pacing** is export's ([`crate::pace`]); memory holds one page and
//!   `--concurrency` conversations' new messages.

mod db;
mod rows;

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal as _;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use clap::Args;
use crisp_api::events::EventName;
use crisp_api::{Call, Segment};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{CliError, Exit, Result};
use crate::pace::{PaceArgs, Pacer};
use db::{Batch, Counts, Database, Delete, Table, Target};

/// `crisp sync`'s options (`crisp sync --database sqlite://crisp.db --follow`).
#[derive(Args, Debug)]
pub struct SyncArgs {
    /// The database: sqlite://FILE or postgres://USER:PASSWORD@HOST:PORT/DATABASE
    #[arg(long, env = "CRISP_SYNC_DATABASE", hide_env_values = true, default_value = "sqlite://crisp.db")]
    database: DatabaseUrl,
    /// The website (default: the profile's)
    #[arg(long, value_name = "ID")]
    website: Option<String>,
    /// After catching up, keep the database current from real-time events
    #[arg(long)]
    follow: bool,
    /// With --follow: seconds between reconciliation passes
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    reconcile_every: u64,
    /// Walk everything again, ignoring the last run's high-water marks (rows are upserted)
    #[arg(long)]
    full: bool,
    #[command(flatten)]
    pace: PaceArgs,
    /// The RTM URL for --follow, skipping discovery through the REST API
    #[arg(long, value_name = "URL")]
    rtm_url: Option<String>,
}

/// `--database` as given. It may hold a password, so it is read here (not
/// by clap, whose errors repeat the value) and never shown.
#[derive(Clone)]
struct DatabaseUrl(String);

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseUrl(..)")
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = std::convert::Infallible;

    fn from_str(url: &str) -> std::result::Result<Self, Self::Err> {
        Ok(DatabaseUrl(url.to_owned()))
    }
}

/// Where a walk over one listing is.
#[derive(Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
struct Walk {
    /// The newest `updated_at` when this walk began: the next run's mark.
    target: Option<u64>,
    /// The listing page to fetch next.
    page: u32,
    /// The `updated_at` of the last item committed.
    cursor: Option<u64>,
}

#[derive(Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
struct Stream {
    /// Items updated before this were synced by an earlier run.
    since: Option<u64>,
    /// An unfinished walk.
    walk: Option<Walk>,
}

#[derive(Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
struct Checkpoint {
    conversations: Stream,
    people: Stream,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Listing {
    Conversations,
    People,
}

impl Listing {
    fn name(self) -> &'static str {
        match self {
            Listing::Conversations => "conversations",
            Listing::People => "people",
        }
    }
}

fn updated_at(item: &Value) -> Option<u64> {
    rows::int_at(item, "/updated_at").and_then(|n| u64::try_from(n).ok())
}

/// One run's state: the client, the database, the counters.
struct Syncer {
    client: crisp_api::Crisp,
    website_id: String,
    db: Database,
    pacer: Pacer,
    checkpoint: Checkpoint,
    counts: Counts,
    concurrency: usize,
    per_page: u32,
    progress: indicatif::ProgressBar,
    /// Rows fetched this run, for the progress line.
    fetched: [u64; 4],
}

/// Runs `crisp sync`: opens and migrates the database, catches up, prints the
/// summary, then follows events with `--follow`.
pub async fn run(ctx: &crate::context::Context, args: SyncArgs) -> Result<()> {
    let resolved =
        crate::config::resolve_with(ctx.global.profile.as_deref(), |b| b.retry(crisp_api::RetryPolicy::none()))?;
    let website_id = args
        .website
        .clone()
        .or(resolved.website_id.clone())
        .ok_or_else(|| CliError::usage("which website? pass --website ID").hint("or set CRISP_WEBSITE_ID"))?;
    let target: Target = args
        .database
        .0
        .parse()
        .map_err(|message: String| CliError::usage(message).hint("for example --database sqlite://crisp.db"))?;
    let mut db = Database::open(&target).await?;
    let checkpoint = match db.checkpoint(&website_id).await? {
        Some(saved) => serde_json::from_value(saved).map_err(|e| {
            CliError::failure(format!("the checkpoint in {} is damaged: {e}", target.describe()))
                .hint("delete its row from sync_state to sync from scratch")
        })?,
        None => Checkpoint::default(),
    };
    let mut syncer = Syncer {
        client: resolved.client,
        website_id,
        db,
        pacer: Pacer::new(args.pace.max_rate),
        checkpoint,
        counts: Counts::default(),
        concurrency: args.pace.concurrency as usize,
        per_page: args.pace.per_page,
        progress: progress_bar(),
        fetched: [0; 4],
    };
    let started = Instant::now();
    let mode = if args.full || syncer.checkpoint.conversations.since.is_none() { "full" } else { "incremental" };
    syncer.catch_up(args.full).await?;
    syncer.progress.finish_and_clear();
    eprintln!(
        "synced website {} ({mode}) into {} in {:.1} s: {}",
        syncer.website_id,
        target.describe(),
        started.elapsed().as_secs_f64(),
        syncer.summary(started.elapsed())
    );
    if args.follow {
        syncer.follow(&args).await?;
    }
    Ok(())
}

impl Syncer {
    fn summary(&self, elapsed: Duration) -> String {
        let tables: Vec<String> = Table::ALL
            .iter()
            .map(|t| {
                let i = *t as usize;
                let mut line =
                    format!("{} {} new, {} updated", t.name(), self.counts.inserted[i], self.counts.updated[i]);
                if self.counts.deleted[i] > 0 {
                    line.push_str(&format!(", {} removed", self.counts.deleted[i]));
                }
                line
            })
            .collect();
        let requests = self.pacer.requests.load(Ordering::Relaxed);
        format!(
            "{}; {requests} requests ({:.1}/s), {} retries",
            tables.join("; "),
            requests as f64 / elapsed.as_secs_f64().max(0.001),
            self.pacer.retries.load(Ordering::Relaxed)
        )
    }

    fn show(&self) {
        self.progress.set_message(format!(
            "{} conversations · {} messages · {} people · {} requests",
            self.fetched[0],
            self.fetched[1],
            self.fetched[2],
            self.pacer.requests.load(Ordering::Relaxed)
        ));
    }

    /// Operators, then conversations with their messages, then people.
    async fn catch_up(&mut self, full: bool) -> Result<()> {
        self.operators().await?;
        self.walk(Listing::Conversations, full).await?;
        self.walk(Listing::People, full).await?;
        Ok(())
    }

    async fn commit(&mut self, batch: &Batch) -> Result<()> {
        let checkpoint = serde_json::to_value(&self.checkpoint).map_err(|e| CliError::failure(e.to_string()))?;
        let counts = self.db.commit(batch, Some((&self.website_id, &checkpoint))).await?;
        self.counts.add(&counts);
        Ok(())
    }

    async fn operators(&mut self) -> Result<()> {
        let params = [Segment::One(self.website_id.as_str())];
        let call = Call::new(&self.client, http::Method::GET, "website/{website_id}/operators/list", &params, true);
        let list = match self.pacer.send(&call).await? {
            Value::Array(list) => list,
            _ => Vec::new(),
        };
        let mut batch = Batch::default();
        batch.upserts.extend(list.iter().filter_map(|o| rows::operator(o, &self.website_id)));
        self.fetched[Table::Operators as usize] += batch.upserts.len() as u64;
        let counts = self.db.commit(&batch, None).await?;
        self.counts.add(&counts);
        Ok(())
    }

    fn stream(&mut self, listing: Listing) -> &mut Stream {
        match listing {
            Listing::Conversations => &mut self.checkpoint.conversations,
            Listing::People => &mut self.checkpoint.people,
        }
    }

    fn list_call(&self, listing: Listing, page: u32) -> Call<Value> {
        let page_text = page.to_string();
        let params = [Segment::One(self.website_id.as_str()), Segment::One(&page_text)];
        match listing {
            Listing::Conversations => {
                let route = "website/{website_id}/conversations/{page_number}";
                let mut call = Call::new(&self.client, http::Method::GET, route, &params, true);
                call.query("per_page", self.per_page);
                call
            }
            Listing::People => {
                let route = "website/{website_id}/people/profiles/{page_number}";
                let mut call = Call::new(&self.client, http::Method::GET, route, &params, true);
                call.query("sort_field", "updated_at");
                call.query("sort_order", "descending");
                call
            }
        }
    }

    /// People have a total, which gives the bar a length and an ETA on a
    /// full walk; Crisp counts conversations nowhere, so theirs shows counts.
    async fn people_total(&mut self) {
        if self.progress.is_hidden() {
            return;
        }
        let params = [Segment::One(self.website_id.as_str())];
        let call = Call::new(&self.client, http::Method::GET, "website/{website_id}/people/stats", &params, true);
        if let Ok(Some(total)) = self.pacer.send(&call).await.map(|v| v.get("total").and_then(Value::as_u64)) {
            self.progress.set_length(total);
            self.progress.set_position(0);
            self.progress.set_style(
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} people · {msg} · ETA {eta}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
        }
    }

    /// Walks one listing, newest update first, down to the last run's mark.
    async fn walk(&mut self, listing: Listing, full: bool) -> Result<()> {
        let stream = self.stream(listing).clone();
        let since = if full { None } else { stream.since };
        if listing == Listing::People && since.is_none() {
            self.people_total().await;
        }
        let resuming = stream.walk.is_some();
        let mut walk = stream.walk.unwrap_or(Walk { target: None, page: 1, cursor: None });
        if resuming {
            eprintln!("resuming the {} walk at page {}", listing.name(), walk.page);
        }
        let mut check_shift = resuming;
        loop {
            let items = match self.pacer.send(&self.list_call(listing, walk.page)).await? {
                Value::Array(items) => items,
                _ => Vec::new(),
            };
            // Removals since the kill move items forward, past the saved page:
            // step back until the page starts at or above the cursor.
            if check_shift && walk.page > 1 {
                let first = items.first().and_then(updated_at);
                if first.is_none() || first < walk.cursor {
                    walk.page -= 1;
                    continue;
                }
            }
            check_shift = false;
            if items.is_empty() {
                break;
            }
            if walk.target.is_none() {
                walk.target = items.iter().filter_map(updated_at).max();
            }
            let before = items.len();
            let fresh: Vec<Value> = items
                .into_iter()
                .filter(|item| since.is_none_or(|s| updated_at(item).unwrap_or(u64::MAX) >= s))
                .collect();
            let reached_mark = fresh.len() < before;
            match listing {
                Listing::Conversations => self.conversations_page(fresh, &mut walk).await?,
                Listing::People => {
                    let mut batch = Batch::default();
                    batch.upserts.extend(fresh.iter().filter_map(|p| rows::person(p, &self.website_id)));
                    self.fetched[Table::People as usize] += batch.upserts.len() as u64;
                    self.progress.inc(batch.upserts.len() as u64);
                    walk.cursor = fresh.iter().filter_map(updated_at).min().or(walk.cursor);
                    walk.page = walk.page.saturating_add(1);
                    self.stream(listing).walk = Some(walk.clone());
                    self.commit(&batch).await?;
                    self.show();
                }
            }
            if reached_mark {
                break;
            }
        }
        let stream = self.stream(listing);
        stream.since = walk.target.or(stream.since);
        stream.walk = None;
        self.commit(&Batch::default()).await
    }

    /// One page of conversations: unchanged ones cost nothing, changed ones
    /// get their new messages (`concurrency` at a time, written in order).
    async fn conversations_page(&mut self, items: Vec<Value>, walk: &mut Walk) -> Result<()> {
        let ids: Vec<String> =
            items.iter().filter_map(|i| i.get("session_id").and_then(Value::as_str).map(str::to_owned)).collect();
        let stored = self.db.stored(Table::Conversations, &ids).await?;
        let work: Vec<(Value, Option<Option<u64>>)> = items
            .into_iter()
            .map(|item| {
                let id = item.get("session_id").and_then(Value::as_str).unwrap_or_default();
                match stored.get(id) {
                    Some(old) if *old == item => (item, None),
                    Some(old) => (item, Some(updated_at(old))),
                    None => (item, Some(None)),
                }
            })
            .collect();
        // Split borrows: the fetches read the client and pacer while the
        // writes below use the database and the counters.
        let Syncer { client, pacer, website_id, db, checkpoint, counts, fetched, progress, concurrency, .. } = self;
        let (client, pacer, website_id) = (&*client, &*pacer, website_id.as_str());
        let mut results = futures_util::stream::iter(work)
            .map(|(item, since)| async move {
                let messages = match since {
                    None => Vec::new(),
                    Some(since) => {
                        let id = item.get("session_id").and_then(Value::as_str).unwrap_or_default();
                        messages_since(client, pacer, website_id, id, since).await?
                    }
                };
                Ok::<_, CliError>((item, messages))
            })
            .buffered(*concurrency);
        let mut batch = Batch::default();
        let mut pending = 0;
        loop {
            let next = results.next().await;
            let done = next.is_none();
            if let Some(result) = next {
                let (item, messages) = result?;
                if let Some(row) = rows::conversation(&item) {
                    let session_id = item.get("session_id").and_then(Value::as_str).unwrap_or_default();
                    let website = item.get("website_id").and_then(Value::as_str).unwrap_or(website_id);
                    batch.upserts.push(row);
                    batch.upserts.extend(messages.iter().filter_map(|m| rows::message(m, session_id, website)));
                    fetched[Table::Conversations as usize] += 1;
                    fetched[Table::Messages as usize] += messages.len() as u64;
                    walk.cursor = updated_at(&item).or(walk.cursor);
                    pending += 1;
                }
            }
            // Commit every few conversations, so a kill loses little.
            if pending >= 25 || (done && pending > 0) {
                checkpoint.conversations.walk = Some(walk.clone());
                let saved = serde_json::to_value(&*checkpoint).map_err(|e| CliError::failure(e.to_string()))?;
                counts.add(&db.commit(&batch, Some((website_id, &saved))).await?);
                batch = Batch::default();
                pending = 0;
                progress.set_message(format!(
                    "{} conversations · {} messages · {} requests",
                    fetched[0],
                    fetched[1],
                    pacer.requests.load(Ordering::Relaxed)
                ));
            }
            if done {
                break;
            }
        }
        drop(results);
        walk.page = walk.page.saturating_add(1);
        self.checkpoint.conversations.walk = Some(walk.clone());
        self.commit(&Batch::default()).await
    }
}

/// A conversation's messages newer than `since` (all of them without it),
/// walking back with `timestamp_before` until a batch reaches `since` or
/// brings nothing older.
async fn messages_since(
    client: &crisp_api::Crisp,
    pacer: &Pacer,
    website_id: &str,
    session_id: &str,
    since: Option<u64>,
) -> Result<Vec<Value>> {
    let mut messages = Vec::new();
    let mut seen: HashSet<i64> = HashSet::new();
    let mut before: Option<u64> = None;
    loop {
        let params = [Segment::One(website_id), Segment::One(session_id)];
        let route = "website/{website_id}/conversation/{session_id}/messages";
        let mut call = Call::new(client, http::Method::GET, route, &params, true);
        if let Some(before) = before {
            call.query("timestamp_before", before);
        }
        let batch = match pacer.send(&call).await? {
            Value::Array(batch) => batch,
            _ => Vec::new(),
        };
        let oldest = batch.iter().filter_map(|m| m.get("timestamp").and_then(Value::as_u64)).min();
        let before_len = messages.len();
        for message in batch {
            match rows::int_at(&message, "/fingerprint") {
                Some(fingerprint) if seen.insert(fingerprint) => messages.push(message),
                _ => {}
            }
        }
        if messages.len() == before_len {
            break;
        }
        match (oldest, before, since) {
            (Some(oldest), _, Some(since)) if oldest <= since => break,
            (Some(oldest), Some(previous), _) if oldest >= previous => break,
            (Some(oldest), _, _) => before = Some(oldest),
            (None, _, _) => break,
        }
    }
    Ok(messages)
}

fn progress_bar() -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    let style = indicatif::ProgressStyle::with_template("{spinner} {msg} · {elapsed_precise}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

// --- follow ---

/// The events `--follow` applies.
fn followed() -> Vec<EventName> {
    vec![
        EventName::MessageSend,
        EventName::MessageReceived,
        EventName::MessageUpdated,
        EventName::MessageRemoved,
        EventName::SessionRemoved,
        EventName::SessionRequestInitiated,
        EventName::SessionSetState,
        EventName::SessionSetNickname,
        EventName::SessionSetEmail,
        EventName::SessionSetPhone,
        EventName::SessionSetSegments,
        EventName::SessionSetBlock,
        EventName::SessionUpdateVerify,
        EventName::PeopleProfileCreated,
        EventName::PeopleProfileUpdated,
        EventName::PeopleProfileRemoved,
    ]
}

impl Syncer {
    async fn follow(&mut self, args: &SyncArgs) -> Result<()> {
        let events = followed();
        let every = Duration::from_secs(args.reconcile_every);
        let mut delay = Duration::from_millis(500);
        loop {
            let mut builder = self.client.rtm().events(events.clone());
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
                    crate::listen::give_up_if_fatal(&err)?;
                    eprintln!("cannot connect for events ({err}); trying again in {:.1} s", delay.as_secs_f64());
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(30));
                    continue;
                }
            };
            delay = Duration::from_millis(500);
            eprintln!("following real-time events; reconciling every {} s (Ctrl-C stops)", every.as_secs());
            let mut states = rtm.state_changes();
            let mut states_open = true;
            let mut reconcile = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                tokio::select! {
                    next = rtm.next() => match next {
                        Some(Ok(event)) => {
                            let data = crate::generated::events::event_data(&event);
                            if let Err(err) = self.apply(event.name(), &data).await {
                                // A database error stops; an API error on one event does not.
                                if err.exit == Exit::Failure {
                                    return Err(err);
                                }
                                eprintln!("{}: not applied ({err}); the next reconciliation will catch up", event.name());
                            }
                        }
                        Some(Err(err)) => {
                            if err.is_fatal() {
                                return Err(CliError::new(Exit::Failure, err.to_string()));
                            }
                            eprintln!("the event stream ended ({err}); connecting again");
                            break;
                        }
                        None => {
                            eprintln!("the event stream ended; connecting again");
                            break;
                        }
                    },
                    changed = states.changed(), if states_open => {
                        // A closed channel answers at once, forever: stop asking it.
                        states_open = changed.is_ok();
                        if states_open && matches!(*states.borrow(), crisp_api::rtm::ConnectionState::Authenticated) {
                            eprintln!("reconnected; reconciling what the gap missed");
                            self.reconcile().await?;
                        }
                    }
                    _ = reconcile.tick() => self.reconcile().await?,
                    _ = tokio::signal::ctrl_c() => {
                        rtm.close().await;
                        return Ok(());
                    }
                }
            }
            tokio::time::sleep(delay).await;
            self.reconcile().await?;
        }
    }

    /// An incremental pass, reported on one line.
    async fn reconcile(&mut self) -> Result<()> {
        let before = self.counts;
        let started = Instant::now();
        self.catch_up(false).await?;
        let mut changed = 0;
        for i in 0..4 {
            changed += self.counts.inserted[i] - before.inserted[i] + self.counts.updated[i] - before.updated[i];
        }
        eprintln!("reconciled in {:.1} s: {changed} rows changed", started.elapsed().as_secs_f64());
        Ok(())
    }

    async fn fetch_conversation(&self, session_id: &str) -> Result<Option<Value>> {
        let params = [Segment::One(self.website_id.as_str()), Segment::One(session_id)];
        let call =
            Call::new(&self.client, http::Method::GET, "website/{website_id}/conversation/{session_id}", &params, true);
        match self.pacer.send(&call).await {
            Ok(value) => Ok(value.is_object().then_some(value)),
            Err(err) if err.status == Some(404) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// A conversation the database does not hold yet: fetched whole, with
    /// its messages, into `batch`. Answers whether it exists.
    async fn add_conversation(&mut self, session_id: &str, batch: &mut Batch) -> Result<bool> {
        let Some(item) = self.fetch_conversation(session_id).await? else { return Ok(false) };
        let messages = messages_since(&self.client, &self.pacer, &self.website_id, session_id, None).await?;
        let website = item.get("website_id").and_then(Value::as_str).unwrap_or(&self.website_id).to_owned();
        batch.upserts.extend(rows::conversation(&item));
        batch.upserts.extend(messages.iter().filter_map(|m| rows::message(m, session_id, &website)));
        Ok(true)
    }

    /// Applies one event to the database, in one transaction.
    async fn apply(&mut self, name: &str, data: &Value) -> Result<()> {
        if data.get("website_id").and_then(Value::as_str).is_some_and(|w| w != self.website_id) {
            return Ok(());
        }
        let session_id = data.get("session_id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let mut batch = Batch::default();
        let stored = if session_id.is_empty() {
            None
        } else {
            self.db.stored(Table::Conversations, std::slice::from_ref(&session_id)).await?.remove(&session_id)
        };
        match name {
            "message:send" | "message:received" if !session_id.is_empty() => {
                if stored.is_none() && !self.add_conversation(&session_id, &mut batch).await? {
                    return Ok(());
                }
                batch.upserts.extend(rows::message(data, &session_id, &self.website_id));
            }
            "message:updated" => {
                let Some(fingerprint) = rows::int_at(data, "/fingerprint") else { return Ok(()) };
                if let Some(Value::Object(mut message)) = self.db.stored_message(&session_id, fingerprint).await? {
                    if let Value::Object(change) = data {
                        for (key, value) in change {
                            if key != "website_id" && key != "session_id" {
                                message.insert(key.clone(), value.clone());
                            }
                        }
                    }
                    batch.upserts.extend(rows::message(&Value::Object(message), &session_id, &self.website_id));
                }
            }
            "message:removed" => {
                let Some(fingerprint) = rows::int_at(data, "/fingerprint") else { return Ok(()) };
                batch.deletes.push(Delete::Message(session_id, fingerprint));
            }
            "session:removed" => batch.deletes.push(Delete::Conversation(session_id)),
            "people:profile:removed" => {
                let Some(id) = data.get("people_id").and_then(Value::as_str) else { return Ok(()) };
                batch.deletes.push(Delete::Person(id.to_owned()));
            }
            "people:profile:created" | "people:profile:updated" => {
                let Some(id) = data.get("people_id").and_then(Value::as_str) else { return Ok(()) };
                let params = [Segment::One(self.website_id.as_str()), Segment::One(id)];
                let route = "website/{website_id}/people/profile/{people_id}";
                let call = Call::new(&self.client, http::Method::GET, route, &params, true);
                match self.pacer.send(&call).await {
                    Ok(profile) => batch.upserts.extend(rows::person(&profile, &self.website_id)),
                    Err(err) if err.status == Some(404) => return Ok(()),
                    Err(err) => return Err(err),
                }
            }
            _ if name.starts_with("session:") && !session_id.is_empty() => match stored {
                None => {
                    self.add_conversation(&session_id, &mut batch).await?;
                }
                Some(Value::Object(mut conversation)) => {
                    // The change itself, on the stored record; `updated_at`
                    // stays, so reconciliation still fetches missed messages.
                    let mut meta =
                        conversation.get("meta").cloned().unwrap_or_else(|| Value::Object(Default::default()));
                    let mut set = HashMap::new();
                    match name {
                        "session:set_state" => set.insert("state", data.get("state")),
                        "session:set_block" => set.insert("is_blocked", data.get("is_blocked")),
                        "session:update_verify" => set.insert("is_verified", data.get("is_verified")),
                        _ => None,
                    };
                    for (event, key) in [
                        ("session:set_nickname", "nickname"),
                        ("session:set_email", "email"),
                        ("session:set_phone", "phone"),
                        ("session:set_segments", "segments"),
                    ] {
                        if name == event
                            && let (Some(value), Value::Object(meta)) = (data.get(key), &mut meta)
                        {
                            meta.insert(key.into(), value.clone());
                        }
                    }
                    conversation.insert("meta".into(), meta);
                    for (key, value) in set {
                        if let Some(value) = value {
                            conversation.insert(key.into(), value.clone());
                        }
                    }
                    batch.upserts.extend(rows::conversation(&Value::Object(conversation)));
                }
                Some(_) => {}
            },
            _ => return Ok(()),
        }
        if !batch.is_empty() {
            let counts = self.db.commit(&batch, None).await?;
            self.counts.add(&counts);
            eprintln!("{name}: applied");
        }
        Ok(())
    }
}

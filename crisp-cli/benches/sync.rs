//! Figures for `crisp sync`, measured on the release binary against the
//! simulator:
//!
//! 1. rows per second and peak memory (VmHWM, Linux) of a full sync of
//!    10,000 generated conversations (and the peak for 1,000: flat means
//!    the same), then of an incremental one after 1%
//!    of them got a new message, into SQLite and into PostgreSQL (a
//!    throwaway cluster; skipped without server binaries);
//! 2. the answered requests per second as a share of the simulator's rate
//!    limit R (a fixed window answering 429 with `Retry-After`), with
//!    `--max-rate R` (the limit known) and `--max-rate 2R` (found from the
//!    429s).
//!
//! `cargo bench -p crisp-api-cli --bench sync`; `BENCH_CONVERSATIONS` (default
//! 10000) and `BENCH_RATE` (default 100) change the sizes.

mod measure;
#[path = "../tests/support/mod.rs"]
mod support;
#[path = "../tests/sync_support/mod.rs"]
mod sync_support;

use std::time::{Duration, Instant};

use support::Env;

const BIN: &str = env!("CARGO_BIN_EXE_crisp");

struct Run {
    seconds: f64,
    peak_kib: u64,
    summary: String,
}

/// Runs one sync and samples the child's peak resident memory.
async fn sync(env: &Env, database: &str, max_rate: f64) -> Run {
    let started = Instant::now();
    let child = std::process::Command::new(BIN)
        .env("CRISP_CONFIG_DIR", env.config.path())
        .env("CRISP_NO_KEYRING", "1")
        .env("CRISP_BASE_URL", env.mock.base_url())
        .env("CRISP_IDENTIFIER", env.mock.identifier())
        .env("CRISP_KEY", env.mock.key())
        .env("CRISP_TIER", "plugin")
        .args(["sync", "--website", env.mock.website_id(), "--database", database, "--concurrency", "8"])
        .args(["--max-rate", &max_rate.to_string()])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (output, peak_kib) = measure::wait_measuring_peak(child).await;
    let seconds = started.elapsed().as_secs_f64();
    let summary = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    assert!(output.status.success(), "sync failed: {summary}");
    Run { seconds, peak_kib, summary }
}

fn rows(run: &Run) -> u64 {
    sync_support::summary_counts(&run.summary).values().map(|(new, updated)| new + updated).sum()
}

fn retries(run: &Run) -> u64 {
    let line = run.summary.lines().find(|l| l.starts_with("synced website")).unwrap();
    line.rsplit(", ").next().and_then(|s| s.split_whitespace().next()).and_then(|n| n.parse().ok()).unwrap_or(0)
}

async fn sizes(label: &str, database: &str, conversations: usize) {
    let env = sync_support::generated(conversations, 11).await;
    let full = sync(&env, database, 100_000.0).await;
    println!(
        "{label} full, {conversations} conversations: {} rows in {:.1} s = {:.0} rows/s; {} requests; peak RSS {:.1} MiB",
        rows(&full),
        full.seconds,
        rows(&full) as f64 / full.seconds,
        sync_support::summary_requests(&full.summary),
        full.peak_kib as f64 / 1024.0
    );
    let ids: Vec<String> = env
        .mock
        .with_state(|s| s.websites.values().next().unwrap().conversations.keys().step_by(100).cloned().collect());
    for id in &ids {
        env.mock.visitor_says(Some(id), "one more thing");
    }
    let incremental = sync(&env, database, 100_000.0).await;
    println!(
        "{label} incremental after {} new messages: {} rows in {:.2} s = {:.0} rows/s; {} requests; peak RSS {:.1} MiB",
        ids.len(),
        rows(&incremental),
        incremental.seconds,
        rows(&incremental) as f64 / incremental.seconds,
        sync_support::summary_requests(&incremental.summary),
        incremental.peak_kib as f64 / 1024.0
    );
}

async fn paced(label: &str, database: impl Fn(&str) -> String, rate: f64) {
    let conversations = (rate * 20.0) as usize; // about 40 s of requests (two per conversation)
    for (name, max_rate) in [("--max-rate R", rate), ("--max-rate 2R", rate * 2.0)] {
        let mock = crisp_mock::MockServer::builder()
            .seed(12)
            .generate(conversations)
            .rate_limit(crisp_mock::RateLimit::new(rate as u32, Duration::from_secs(1)))
            .start()
            .await
            .unwrap();
        let env = Env { mock, config: tempfile::tempdir().unwrap() };
        let run = sync(&env, &database(&name.replace(['-', ' '], "")), max_rate).await;
        let requests = sync_support::summary_requests(&run.summary);
        let answered = requests - retries(&run);
        let achieved = answered as f64 / run.seconds;
        println!(
            "{label} paced ({name}, R = {rate}/s, {conversations} conversations): {achieved:.1} answered requests/s \
             = {:.0}% of R; {} answered 429",
            achieved / rate * 100.0,
            retries(&run)
        );
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let big: usize = std::env::var("BENCH_CONVERSATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
        let rate: f64 = std::env::var("BENCH_RATE").ok().and_then(|v| v.parse().ok()).unwrap_or(100.0);
        let dir = tempfile::tempdir().unwrap();
        let sqlite = |name: &str| format!("sqlite://{}", dir.path().join(format!("{name}.db")).display());

        // Flat memory: a tenth of the data, the same peak.
        let small = sync_support::generated(big / 10, 10).await;
        let run = sync(&small, &sqlite("small"), 100_000.0).await;
        println!("sqlite full, {} conversations: peak RSS {:.1} MiB", big / 10, run.peak_kib as f64 / 1024.0);
        sizes("sqlite", &sqlite("sizes"), big).await;
        paced("sqlite", sqlite, rate).await;

        match sync_support::Postgres::start() {
            Some(cluster) => {
                let url = cluster.database("bench_sizes").await;
                sizes("postgres", &url, big).await;
                let mut urls = Vec::new();
                for name in ["maxrater", "maxrate2r"] {
                    urls.push((name, cluster.database(&format!("bench_{name}")).await));
                }
                let pick = |name: &str| {
                    urls.iter().find(|(n, _)| name.to_lowercase() == *n).map(|(_, url)| url.clone()).unwrap()
                };
                paced("postgres", pick, rate).await;
            }
            None => println!("postgres: skipped (no server binaries)"),
        }
    });
}

//! Figures for the `crisp` command, measured on the release binary:
//!
//! 1. start-up: wall time of `crisp --version` (mean of 50 runs), and the
//!    binary's size;
//! 2. export throughput against the simulator behind a server-side rate
//!    limit of R requests/s (a token bucket in front of it answering 429
//!    with `Retry-After`), as a share of R: once with `--max-rate R` (the
//!    limit is known) and once with `--max-rate 2R` (it must be found from
//!    the 429s);
//! 3. peak memory (VmHWM, Linux) of an export of 1,000 and of 10,000
//!    conversations: flat means the same.
//!
//! `cargo bench -p crisp-api-cli --bench export`; `BENCH_RATE` (default 100)
//! and `BENCH_CONVERSATIONS` (default 10000) change the sizes.

mod measure;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

const BIN: &str = env!("CARGO_BIN_EXE_crisp");

/// A token bucket of `rate` tokens per second, holding at most one second's worth.
struct Limiter {
    rate: f64,
    state: std::sync::Mutex<(f64, Instant)>,
    upstream: String,
    http: reqwest::Client,
    limited: AtomicU64,
}

impl Limiter {
    fn take(&self) -> Result<(), Duration> {
        let mut state = self.state.lock().unwrap();
        let now = Instant::now();
        let (tokens, at) = *state;
        let tokens = (tokens + now.duration_since(at).as_secs_f64() * self.rate).min(self.rate);
        if tokens >= 1.0 {
            *state = (tokens - 1.0, now);
            Ok(())
        } else {
            *state = (tokens, now);
            Err(Duration::from_secs_f64((1.0 - tokens) / self.rate))
        }
    }
}

async fn proxy(
    State(limiter): State<Arc<Limiter>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(wait) = limiter.take() {
        limiter.limited.fetch_add(1, Ordering::Relaxed);
        // Retry-After is whole seconds on the wire; round up like a server would.
        let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
        let body = r#"{"error":true,"reason":"rate_limited","data":{}}"#;
        return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", seconds.to_string())], body).into_response();
    }
    let url = format!("{}{}", limiter.upstream, uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
    let mut request = limiter.http.request(method, url).body(body);
    for (name, value) in &headers {
        if name != "host" {
            request = request.header(name, value);
        }
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status();
            let bytes = response.bytes().await.unwrap_or_default();
            (status, [("content-type", "application/json")], bytes).into_response()
        }
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}

/// Starts the rate-limited front; returns its base URL.
async fn limited_front(upstream: &str, rate: f64) -> (String, Arc<Limiter>) {
    let limiter = Arc::new(Limiter {
        rate,
        state: std::sync::Mutex::new((rate, Instant::now())),
        upstream: upstream.trim_end_matches('/').trim_end_matches("/v1").to_owned(),
        http: reqwest::Client::new(),
        limited: AtomicU64::new(0),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(proxy).with_state(limiter.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (format!("http://{addr}/v1/"), limiter)
}

fn seed(mock: &crisp_mock::MockServer, count: usize) {
    let website_id = mock.website_id().to_owned();
    mock.with_state(|state| {
        let website = state.websites.get_mut(&website_id).unwrap();
        website.conversations.clear();
        for i in 0..count {
            let id = format!("session_bench_{i:07}");
            let at = 1_600_000_000_000u64 + i as u64 * 1_000;
            let fields = serde_json::json!({"session_id": id, "website_id": website_id, "state": "pending",
                "meta": {"nickname": format!("Visitor {i}"), "email": format!("v{i}@example.com")},
                "created_at": at, "updated_at": at});
            let messages = (0..3)
                .map(|m| {
                    serde_json::json!({"session_id": id, "type": "text", "from": "user", "origin": "chat",
                    "content": format!("message {m} of {i}: {}", "lorem ipsum ".repeat(8)), "fingerprint": i * 10 + m,
                    "timestamp": at + m as u64})
                })
                .collect();
            let fields = fields.as_object().cloned().unwrap();
            website.conversations.insert(id, crisp_mock::state::Conversation { fields, messages });
        }
    });
}

struct Run {
    seconds: f64,
    requests: f64,
    peak_kib: u64,
    summary: String,
}

/// Runs one export and samples the child's peak resident memory.
async fn export(base_url: &str, mock: &crisp_mock::MockServer, max_rate: f64, config: &std::path::Path) -> Run {
    let out = config.join("export.jsonl");
    let _ = std::fs::remove_file(&out);
    let started = Instant::now();
    let child = std::process::Command::new(BIN)
        .env("CRISP_CONFIG_DIR", config)
        .env("CRISP_NO_KEYRING", "1")
        .env("CRISP_BASE_URL", base_url)
        .env("CRISP_IDENTIFIER", mock.identifier())
        .env("CRISP_KEY", mock.key())
        .env("CRISP_TIER", "plugin")
        .args(["export", "conversations", "--website", mock.website_id(), "--concurrency", "8"])
        .args(["--max-rate", &max_rate.to_string(), "--out"])
        .arg(&out)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (output, peak_kib) = measure::wait_measuring_peak(child).await;
    let seconds = started.elapsed().as_secs_f64();
    let summary = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    assert!(output.status.success(), "export failed: {summary}");
    let requests = summary
        .split(": ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    Run { seconds, requests, peak_kib, summary }
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let rate: f64 = std::env::var("BENCH_RATE").ok().and_then(|v| v.parse().ok()).unwrap_or(100.0);
        let big: usize = std::env::var("BENCH_CONVERSATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
        let config = tempfile::tempdir().unwrap();

        // 1. Start-up and size.
        let runs = 50;
        let started = Instant::now();
        for _ in 0..runs {
            let status = std::process::Command::new(BIN).arg("--version").output().unwrap();
            assert!(status.status.success());
        }
        let startup_ms = started.elapsed().as_secs_f64() * 1000.0 / runs as f64;
        let size_mib = std::fs::metadata(BIN).unwrap().len() as f64 / (1024.0 * 1024.0);
        println!("start-up: `crisp --version` {startup_ms:.1} ms (mean of {runs}); binary {size_mib:.1} MiB");

        // 2. Throughput behind a rate limit of R requests/s.
        let mock = crisp_mock::MockServer::start().await.unwrap();
        let conversations = (rate * 20.0) as usize; // about 20 s of requests
        seed(&mock, conversations);
        for (label, max_rate) in [("--max-rate R", rate), ("--max-rate 2R", rate * 2.0)] {
            let (front, limiter) = limited_front(&mock.base_url(), rate).await;
            tokio::time::sleep(Duration::from_millis(1100)).await; // a full bucket to start
            let run = export(&front, &mock, max_rate, config.path()).await;
            let achieved = run.requests / run.seconds;
            println!(
                "throughput ({label}, R = {rate}/s, {conversations} conversations): {achieved:.1} requests/s = {:.0}% of R; \
                 {} answered 429 by the limiter\n  {}",
                achieved / rate * 100.0,
                limiter.limited.load(Ordering::Relaxed),
                run.summary
            );
        }

        // 3. Peak memory: small and big exports, no limit.
        for count in [1_000, big] {
            seed(&mock, count);
            let run = export(&mock.base_url(), &mock, 100_000.0, config.path()).await;
            println!(
                "memory: export of {count} conversations: peak RSS {:.1} MiB in {:.1} s",
                run.peak_kib as f64 / 1024.0,
                run.seconds
            );
        }
    });
}

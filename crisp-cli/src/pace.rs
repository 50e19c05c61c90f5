//! Request pacing for the bulk commands (`export`, `sync`): at most
//! `--max-rate` requests a second, slower after each 429/420 (multiplicative
//! decrease, additive increase back up), every request held back until the
//! server's `Retry-After` has passed, and retries for what is worth retrying.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use clap::Args;
use crisp_api::Call;
use serde_json::Value;

use crate::error::Result;

/// The pacing flags the bulk commands share.
#[derive(Args, Debug, Clone)]
pub struct PaceArgs {
    /// Requests in flight at once
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=32))]
    pub concurrency: u32,
    /// Requests per second at most (the pace starts here and adapts down on 429/420)
    #[arg(long, default_value_t = 10.0)]
    pub max_rate: f64,
    /// Conversations per listing page
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub per_page: u32,
}

/// How long the rate stays under the one the server last refused.
const HOLD: Duration = Duration::from_secs(30);

/// Request pacing shared by the concurrent fetches.
pub(crate) struct Pacer {
    max_rate: f64,
    state: tokio::sync::Mutex<PaceState>,
    pub(crate) requests: AtomicU64,
    pub(crate) retries: AtomicU64,
}

struct PaceState {
    rate: f64,
    next: tokio::time::Instant,
    /// The rate at which the server last said "too many", if it did.
    ceiling: Option<f64>,
    /// When the rate was last cut: answers to requests already in flight
    /// then are the same news, not a reason to cut again.
    last_cut: Option<tokio::time::Instant>,
}

impl Pacer {
    pub(crate) fn new(max_rate: f64) -> Self {
        // Below one request a minute the pause would be absurd (and tiny rates overflow a Duration).
        let max_rate =
            if max_rate.is_finite() && max_rate > 0.0 { max_rate.clamp(1.0 / 60.0, 100_000.0) } else { 10.0 };
        Self {
            max_rate,
            state: tokio::sync::Mutex::new(PaceState {
                rate: max_rate,
                next: tokio::time::Instant::now(),
                ceiling: None,
                last_cut: None,
            }),
            requests: AtomicU64::new(0),
            retries: AtomicU64::new(0),
        }
    }

    /// Waits for this request's slot.
    async fn slot(&self) {
        let at = {
            let mut state = self.state.lock().await;
            let now = tokio::time::Instant::now();
            let at = state.next.max(now);
            state.next = at + Duration::from_secs_f64(1.0 / state.rate);
            at
        };
        tokio::time::sleep_until(at).await;
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Speeds up: quickly (+10% a second) back to just under the rate the
    /// server last refused, and no further for [`HOLD`] (probing past it at
    /// once only earns the next 429 and its pause); then slowly (+1% a
    /// second) past it, to find out whether the limit moved.
    async fn succeeded(&self) {
        let mut state = self.state.lock().await;
        let now = tokio::time::Instant::now();
        let held = state.last_cut.is_some_and(|at| now.duration_since(at) < HOLD);
        let (step, cap) = match state.ceiling {
            Some(ceiling) if held => (0.1, ceiling * 0.97),
            Some(ceiling) if state.rate >= ceiling * 0.95 => (0.01, self.max_rate),
            _ => (0.1, self.max_rate),
        };
        // One success takes 1/rate of a second: `step` of the rate per second.
        state.rate = (state.rate + step).min(cap).min(self.max_rate);
    }

    /// Slows down by 30% (once per burst of refusals) and holds every
    /// request back until the server's `Retry-After` has passed.
    async fn limited(&self, wait: Duration) {
        let mut state = self.state.lock().await;
        let now = tokio::time::Instant::now();
        if state.last_cut.is_none_or(|at| now.duration_since(at) > wait.max(Duration::from_secs(1))) {
            state.ceiling = Some(state.rate);
            state.rate = (state.rate * 0.7).max(0.2);
            state.last_cut = Some(now);
        }
        state.next = state.next.max(now + wait);
    }

    /// Sends with pacing and retries: 429/420, 5xx, timeouts and transport
    /// errors are retried (these are all reads), others end the export.
    pub(crate) async fn send(&self, call: &Call<Value>) -> Result<Value> {
        const ATTEMPTS: u32 = 8;
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.slot().await;
            match call.clone().send().await {
                Ok(value) => {
                    self.succeeded().await;
                    return Ok(value);
                }
                Err(err) if attempt < ATTEMPTS && err.is_retryable() => {
                    self.retries.fetch_add(1, Ordering::Relaxed);
                    let backoff = Duration::from_millis(200u64 << attempt.min(6));
                    let wait = err.retry_after().unwrap_or(backoff).min(Duration::from_secs(120));
                    if matches!(err.kind(), crisp_api::ErrorKind::RateLimited { .. }) {
                        self.limited(wait).await;
                    } else {
                        tokio::time::sleep(wait).await;
                    }
                }
                Err(err) => return Err(err.into()),
            }
        }
    }
}

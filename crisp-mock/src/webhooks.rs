//! Web Hook delivery: the mock posts each raised event, signed like Crisp
//! (`X-Crisp-Request-Timestamp`, `X-Crisp-Signature` = hex HMAC-SHA256 of
//! `[timestamp;body]`), to the configured URLs, retrying failed deliveries.
//! Each target has its own bounded queue and task: a slow or dead target
//! delays and loses only its own events.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::Full;
use serde_json::json;
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::clock::Clock;
use crate::events::Outgoing;
use crate::sync::lock;

/// Where the mock delivers Web Hooks.
///
/// ```
/// let target = crisp_mock::WebhookTarget::new("http://127.0.0.1:9000/hooks", "signing-secret");
/// assert_eq!(target.attempts, 5);
/// ```
#[derive(Clone)]
pub struct WebhookTarget {
    /// URL the events are posted to (http only: the mock talks to local servers).
    pub url: String,
    /// Signing secret.
    pub secret: String,
    /// Attempts per event, the first included.
    pub attempts: u32,
    /// Delay before the first retry; it doubles each time.
    pub retry_delay: Duration,
    /// How long one attempt may take.
    pub timeout: Duration,
}

impl std::fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("url", &self.url)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

impl WebhookTarget {
    /// A target with 5 attempts and a 100 ms first retry delay.
    ///
    /// ```
    /// let target = crisp_mock::WebhookTarget::new("http://127.0.0.1:9000/hooks", "secret");
    /// # let _ = target;
    /// ```
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            secret: secret.into(),
            attempts: 5,
            retry_delay: Duration::from_millis(100),
            timeout: Duration::from_secs(5),
        }
    }
}

/// One delivery attempt, as the mock made it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mock = crisp_mock::MockServer::start().await?;
/// for delivery in mock.webhook_deliveries() {
///     println!("{} attempt {} -> {:?}", delivery.event, delivery.attempt, delivery.status);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct WebhookDelivery {
    /// Event name.
    pub event: String,
    /// Attempt number, from 1.
    pub attempt: u32,
    /// HTTP status received, or `None` when the request failed.
    pub status: Option<u16>,
}

/// A target's queue and its delivery task (which ends when the queue is dropped).
struct Target {
    queue: mpsc::Sender<Delivery>,
    lost: Arc<std::sync::atomic::AtomicUsize>,
}

struct Delivery {
    event: String,
    body: Bytes,
}

/// Every Web Hook target with its queue, and the log of delivery attempts.
pub(crate) struct Hub {
    targets: Mutex<Vec<Target>>,
    deliveries: Arc<Mutex<VecDeque<WebhookDelivery>>>,
    /// Events each target's queue holds.
    queue: usize,
    clock: Clock,
}

impl Hub {
    pub(crate) fn new(queue: usize, clock: Clock) -> Self {
        Self { targets: Mutex::new(Vec::new()), deliveries: Default::default(), queue: queue.max(1), clock }
    }

    /// Starts delivering to `target` from its own bounded queue.
    fn start(&self, target: WebhookTarget) -> Target {
        let (queue, events) = mpsc::channel(self.queue);
        tokio::spawn(deliver(target, events, self.deliveries.clone(), self.clock.clone()));
        Target { queue, lost: Default::default() }
    }

    /// Delivers to `target` too, from its own queue.
    pub(crate) fn add(&self, target: WebhookTarget) {
        let started = self.start(target);
        lock(&self.targets).push(started);
    }

    /// Delivers to `target` only.
    pub(crate) fn replace(&self, target: WebhookTarget) {
        let started = self.start(target);
        // Dropping the previous targets' queues ends their tasks.
        *lock(&self.targets) = vec![started];
    }

    /// Events each target lost because its queue was full, in the order they were added.
    pub(crate) fn lost_events(&self) -> Vec<usize> {
        lock(&self.targets).iter().map(|t| t.lost.load(std::sync::atomic::Ordering::Relaxed)).collect()
    }

    /// The delivery attempts made so far (the last [`DELIVERY_LOG`]).
    pub(crate) fn deliveries(&self) -> Vec<WebhookDelivery> {
        lock(&self.deliveries).iter().cloned().collect()
    }

    /// Queues an event for every target; a full queue loses the event for
    /// that target only.
    pub(crate) fn enqueue(&self, event: &Outgoing) {
        let targets = lock(&self.targets);
        if targets.is_empty() {
            return;
        }
        let timestamp = self.clock.now_ms();
        let body = json!({"website_id": event.data.get("website_id"), "event": event.name, "data": event.data, "timestamp": timestamp});
        let body = Bytes::from(body.to_string());
        for target in targets.iter() {
            let delivery = Delivery { event: event.name.clone(), body: body.clone() };
            if target.queue.try_send(delivery).is_err() {
                target.lost.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }
}

/// How many delivery attempts the log keeps.
pub(crate) const DELIVERY_LOG: usize = 10_000;

/// Lowercase hex HMAC-SHA256 of `[timestamp;body]`.
pub(crate) fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(b"[");
    mac.update(timestamp.as_bytes());
    mac.update(b";");
    mac.update(body);
    mac.update(b"]");
    hex::encode(mac.finalize().into_bytes())
}

/// Posts one target's queued events one after the other, in order, with
/// retries; a slow or failing target only delays its own queue.
async fn deliver(
    target: WebhookTarget,
    mut queue: mpsc::Receiver<Delivery>,
    log: Arc<Mutex<VecDeque<WebhookDelivery>>>,
    clock: Clock,
) {
    let client =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http::<Full<Bytes>>();
    while let Some(delivery) = queue.recv().await {
        let mut delay = target.retry_delay;
        for attempt in 1..=target.attempts.max(1) {
            let timestamp = clock.now_ms().to_string();
            let request = http::Request::post(&target.url)
                .header(http::header::CONTENT_TYPE, "application/json")
                .header("x-crisp-request-timestamp", &timestamp)
                .header("x-crisp-signature", signature(&target.secret, &timestamp, &delivery.body))
                .body(Full::new(delivery.body.clone()));
            let status = match request {
                Ok(request) => match tokio::time::timeout(target.timeout, client.request(request)).await {
                    Ok(Ok(response)) => Some(response.status().as_u16()),
                    _ => None,
                },
                Err(_) => None,
            };
            {
                let mut log = lock(&log);
                if log.len() >= DELIVERY_LOG {
                    log.pop_front();
                }
                log.push_back(WebhookDelivery { event: delivery.event.clone(), attempt, status });
            }
            if status.is_some_and(|s| (200..300).contains(&s)) {
                break;
            }
            if attempt < target.attempts {
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signature_matches_an_independent_vector() {
        // printf '[1700000000000;{"event":"message:send"}]' | openssl dgst -sha256 -hmac secret
        assert_eq!(
            super::signature("secret", "1700000000000", br#"{"event":"message:send"}"#),
            "8ea663074b2c75e7486dc4f12d86922350ba776b759ac64d3524330accca959a"
        );
    }
}

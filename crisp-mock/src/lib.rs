//! A local simulator of the Crisp REST API v1, its real-time events and Web
//! Hooks, with a browser playground.
//!
//! It serves every route of the project's spec on 127.0.0.1: it checks HTTP
//! Basic credentials (any case of the scheme) and the `X-Crisp-Tier` header,
//! validates path parameters and bodies, and answers with Crisp-shaped
//! envelopes. A website it does not know is `404 website_not_found` on every
//! route. Websites, operators, conversations, messages, metas, state,
//! routing, block and verify, and people profiles are kept in memory, with
//! the searches and filters of their list routes; a write to any other
//! route is read back by the route reading the same path; the rest answer
//! with examples built from the spec. Faults (statuses, delays, broken
//! bodies, dropped connections, rate limits) can be injected per route or
//! for all, and request-rate limits configured ([`RateLimit`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let mock = crisp_mock::MockServer::start().await?;
//! println!("Crisp API at {} (identifier {})", mock.base_url(), mock.identifier());
//! # Ok(()) }
//! ```
//!
//! # Starting one
//!
//! [`MockServer::start`] gives the default website with one conversation;
//! [`MockServer::builder`] sets `.listen(addr)`, `.fixtures(path or value)`
//! (see [`fixtures`] for the format, and `crisp-mock/fixtures/acme.json`),
//! `.seed(n)` and `.generate(conversations)` (seeded, realistic data),
//! `.webhook(url, secret)` (one queue per target), `.rate_limit(..)`,
//! `.request_log(capacity)` (0 turns it off), `.clock(..)` ([`Clock`]: real
//! by default, or fixed), then `.start().await`.
//!
//! # Staying bounded
//!
//! The request log is a ring bounded in entries and bytes. An
//! unauthenticated request is answered 401 without its body being read or
//! kept. Bodies over [`MockConfig::max_body_bytes`] (1 MiB) are answered
//! 413. A request head or body slower than [`MockConfig::read_timeout`] is
//! cut off, and so is a connection silent that long before its first byte
//! (75 s between requests). Each RTM socket and each Web Hook target has its
//! own bounded queue: a consumer that stops reading loses its own events and
//! (an RTM socket) is disconnected, without delaying anyone else.
//!
//! # Its own routes
//!
//! Under `/mock/`, without credentials, answering Crisp envelopes: raise any
//! event of the spec (`POST /mock/trigger`), write as a visitor, dump and
//! replace the state as a fixtures document, read and move the clock, read
//! the request log. The playground is at `/`. See [`admin`] for the list.

#![warn(missing_docs)]

pub mod admin;
mod builder;
mod clock;
mod documents;
mod events;
pub mod fixtures;
mod generate;
mod rate_limit;
mod request_log;
#[path = "generated/routes.rs"]
mod route_table;
pub mod routes;
mod rtm;
mod server;
pub mod state;
mod webhooks;

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;

pub use builder::MockBuilder;
pub use clock::Clock;
pub use fixtures::{FixtureError, Fixtures};
pub use rate_limit::RateLimit;
pub use route_table::ROUTES;
pub use webhooks::{WebhookDelivery, WebhookTarget};

/// The identifier the mock accepts by default.
pub const DEFAULT_IDENTIFIER: &str = "crisp-mock-identifier";
/// The key the mock accepts by default.
pub const DEFAULT_KEY: &str = "crisp-mock-key";
/// The id of the website the mock starts with.
pub const DEFAULT_WEBSITE_ID: &str = "8c842203-7ed8-4e29-a608-7cf78a7d2fcc";

/// How to start the mock.
///
/// ```
/// let config = crisp_mock::MockConfig::default().credentials("id", "secret");
/// assert_eq!(config.identifier, "id");
/// ```
///
/// Its `Debug` leaves the key out.
#[derive(Clone)]
pub struct MockConfig {
    /// Address to listen on (default `127.0.0.1:0`, a free port).
    pub listen: SocketAddr,
    /// Accepted token identifier.
    pub identifier: String,
    /// Accepted token key.
    pub key: String,
    /// Id of the website the state starts with.
    pub website_id: String,
    /// Refuse (403) routes whose documented tiers exclude the request's tier.
    /// The `website` tier is treated like `user`, whose routes it reaches.
    pub enforce_tiers: bool,
    /// How often the RTM server pings its clients (and how long it waits for
    /// the answer).
    pub rtm_ping_interval: Duration,
    /// Requests the log keeps (the newest); 0 turns the log off.
    pub request_log: usize,
    /// Bytes the log keeps at most, bodies and headers counted; the oldest
    /// entries go first.
    pub request_log_bytes: usize,
    /// Largest request body read; larger ones are answered 413.
    pub max_body_bytes: usize,
    /// Time a client has to send a request head, and then its body.
    pub read_timeout: Duration,
    /// Request-rate limits, answered with 429 or 420 and `Retry-After`.
    pub rate_limits: Vec<RateLimit>,
    /// Events each RTM socket's queue holds (default 65,536: the events are
    /// shared, a queue holds pointers); a socket whose queue overflows is
    /// disconnected.
    pub rtm_queue: usize,
    /// How long a socket may keep its buffer full (not reading) before it
    /// is disconnected.
    pub rtm_lag_timeout: Duration,
    /// Events each Web Hook target's queue holds; more are lost for that target.
    pub webhook_queue: usize,
    /// Seed of generated data and visitor identities.
    pub seed: u64,
    /// The clock (real time by default).
    pub clock: Clock,
}

impl std::fmt::Debug for MockConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockConfig")
            .field("listen", &self.listen)
            .field("identifier", &self.identifier)
            .field("website_id", &self.website_id)
            .field("enforce_tiers", &self.enforce_tiers)
            .field("request_log", &self.request_log)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("read_timeout", &self.read_timeout)
            .field("rate_limits", &self.rate_limits)
            .field("seed", &self.seed)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            identifier: DEFAULT_IDENTIFIER.to_owned(),
            key: DEFAULT_KEY.to_owned(),
            website_id: DEFAULT_WEBSITE_ID.to_owned(),
            enforce_tiers: true,
            rtm_ping_interval: Duration::from_secs(25),
            request_log: 1_000,
            request_log_bytes: 16 * 1024 * 1024,
            max_body_bytes: 1024 * 1024,
            read_timeout: Duration::from_secs(10),
            rate_limits: Vec::new(),
            rtm_queue: 65_536,
            rtm_lag_timeout: Duration::from_secs(5),
            webhook_queue: 4_096,
            seed: 0x00C0_FFEE,
            clock: Clock::real(),
        }
    }
}

impl MockConfig {
    /// Sets the accepted credentials.
    ///
    /// ```
    /// let config = crisp_mock::MockConfig::default().credentials("id", "secret");
    /// assert_eq!(config.key, "secret");
    /// ```
    pub fn credentials(mut self, identifier: impl Into<String>, key: impl Into<String>) -> Self {
        self.identifier = identifier.into();
        self.key = key.into();
        self
    }

    /// Sets the listening address.
    ///
    /// ```
    /// let config = crisp_mock::MockConfig::default().listen("127.0.0.1:0".parse().unwrap());
    /// # let _ = config;
    /// ```
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }
}

/// A request as the mock received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path as sent, percent-encoded, including `/v1/`.
    pub path: String,
    /// Raw query string, without `?`.
    pub query: Option<String>,
    /// Request headers.
    pub headers: http::HeaderMap,
    /// Request body.
    pub body: Bytes,
    /// `service.name` of the spec route it matched.
    pub endpoint: Option<String>,
}

impl RecordedRequest {
    /// Query pairs, percent-decoded, in order.
    ///
    /// ```
    /// # let request = crisp_mock::RecordedRequest { method: "GET".into(), path: "/v1/x".into(),
    /// #   query: Some("a=1&b=x%20y".into()), headers: Default::default(), body: Default::default(), endpoint: None };
    /// assert_eq!(request.query_pairs(), vec![("a".to_owned(), "1".to_owned()), ("b".to_owned(), "x y".to_owned())]);
    /// ```
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        parse_query(self.query.as_deref().unwrap_or(""))
    }

    /// The body as JSON, if it is JSON.
    ///
    /// ```
    /// # let request = crisp_mock::RecordedRequest { method: "POST".into(), path: "/v1/x".into(),
    /// #   query: None, headers: Default::default(), body: "{\"a\":1}".into(), endpoint: None };
    /// assert_eq!(request.json().unwrap()["a"], 1);
    /// ```
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (routes::decode(&key.replace('+', " ")), routes::decode(&value.replace('+', " ")))
        })
        .collect()
}

/// What an injected fault does to a request.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer this status with a Crisp error envelope.
    Status(u16),
    /// Answer 429 or 420, with `Retry-After` seconds when given.
    RateLimit {
        /// 429 or 420.
        status: u16,
        /// `Retry-After` in seconds.
        retry_after: Option<u64>,
    },
    /// Answer 200 with a body that is not JSON.
    MalformedJson,
    /// Answer this status with an HTML page, as a proxy in front of the API would.
    Html(u16),
    /// Start a 200 answer and break the connection halfway through the body.
    TruncatedBody,
    /// Close the connection without answering.
    DropConnection,
    /// Answer normally, after this delay.
    Delay(Duration),
}

/// A fault to inject, on one route or on all.
///
/// ```
/// use std::time::Duration;
/// use crisp_mock::Fault;
/// let fault = Fault::status(503).on_route("website.get_conversation").times(2);
/// let slow = Fault::delay(Duration::from_millis(200));
/// # let _ = (fault, slow);
/// ```
#[derive(Clone, Debug)]
pub struct Fault {
    /// What happens.
    pub kind: FaultKind,
    /// `service.name` of the route, or every route when `None`.
    pub route: Option<String>,
    /// How many requests it affects; `None` for all.
    pub remaining: Option<usize>,
}

impl Fault {
    fn new(kind: FaultKind) -> Self {
        Self { kind, route: None, remaining: None }
    }
    /// Answers with `status` and a Crisp error envelope.
    ///
    /// ```
    /// let fault = crisp_mock::Fault::status(500);
    /// # let _ = fault;
    /// ```
    pub fn status(status: u16) -> Self {
        Self::new(FaultKind::Status(status))
    }
    /// Answers 429 or 420 with an optional `Retry-After` (seconds).
    ///
    /// ```
    /// let fault = crisp_mock::Fault::rate_limit(429, Some(1));
    /// # let _ = fault;
    /// ```
    pub fn rate_limit(status: u16, retry_after: Option<u64>) -> Self {
        Self::new(FaultKind::RateLimit { status, retry_after })
    }
    /// Answers 200 with a body that is not JSON.
    ///
    /// ```
    /// let fault = crisp_mock::Fault::malformed_json();
    /// # let _ = fault;
    /// ```
    pub fn malformed_json() -> Self {
        Self::new(FaultKind::MalformedJson)
    }
    /// Answers `status` with an HTML error page.
    ///
    /// ```
    /// let fault = crisp_mock::Fault::html(502);
    /// # let _ = fault;
    /// ```
    pub fn html(status: u16) -> Self {
        Self::new(FaultKind::Html(status))
    }
    /// Breaks the connection in the middle of a 200 body.
    ///
    /// ```
    /// let fault = crisp_mock::Fault::truncated_body();
    /// # let _ = fault;
    /// ```
    pub fn truncated_body() -> Self {
        Self::new(FaultKind::TruncatedBody)
    }
    /// Closes the connection without answering.
    ///
    /// ```
    /// let fault = crisp_mock::Fault::drop_connection();
    /// # let _ = fault;
    /// ```
    pub fn drop_connection() -> Self {
        Self::new(FaultKind::DropConnection)
    }
    /// Delays the answer.
    ///
    /// ```
    /// let fault = crisp_mock::Fault::delay(std::time::Duration::from_secs(1));
    /// # let _ = fault;
    /// ```
    pub fn delay(delay: Duration) -> Self {
        Self::new(FaultKind::Delay(delay))
    }
    /// Limits the fault to one route, by `service.name` (e.g. `website.get_conversation`).
    ///
    /// ```
    /// let fault = crisp_mock::Fault::status(500).on_route("website.list_conversations");
    /// # let _ = fault;
    /// ```
    pub fn on_route(mut self, route: impl Into<String>) -> Self {
        self.route = Some(route.into());
        self
    }
    /// Limits the fault to the next `n` matching requests.
    ///
    /// ```
    /// let fault = crisp_mock::Fault::status(503).times(1);
    /// # let _ = fault;
    /// ```
    pub fn times(mut self, n: usize) -> Self {
        self.remaining = Some(n);
        self
    }
}

pub(crate) struct Shared {
    pub(crate) config: MockConfig,
    /// The state's clock (shared with it).
    pub(crate) clock: Clock,
    /// `http://127.0.0.1:PORT/rtm/`, what the `connect/endpoints` routes advertise.
    pub(crate) rtm_url: String,
    pub(crate) events: tokio::sync::mpsc::UnboundedSender<rtm::Outgoing>,
    pub(crate) rtm_authentications: Mutex<Vec<Vec<String>>>,
    pub(crate) rtm_refusals: AtomicUsize,
    pub(crate) rtm_binds: Mutex<Vec<(&'static str, Vec<String>)>>,
    pub(crate) rtm_sockets: Mutex<rtm::Sockets>,
    /// Events lost by RTM sockets that could not keep up.
    pub(crate) rtm_lost_events: AtomicUsize,
    /// RTM sockets disconnected for not keeping up.
    pub(crate) rtm_slow_dropped: AtomicUsize,
    /// What the playground authenticates to RTM with, instead of the API key.
    pub(crate) playground_token: String,
    pub(crate) webhooks: Mutex<Vec<webhooks::Target>>,
    pub(crate) webhook_deliveries: Arc<Mutex<VecDeque<WebhookDelivery>>>,
    /// Bumped to close every open connection at once.
    pub(crate) cut: tokio::sync::watch::Sender<u64>,
    pub(crate) state: Mutex<state::State>,
    pub(crate) faults: Mutex<Vec<Fault>>,
    pub(crate) limiter: Mutex<rate_limit::Limiter>,
    pub(crate) requests: Mutex<request_log::RequestLog>,
    pub(crate) answers: Mutex<BTreeMap<String, (u16, serde_json::Value)>>,
}

/// Locks a mutex, recovering the data if a thread panicked while holding it:
/// the mock's data stays usable for the tests that inspect it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    /// Sends the events the state raised to RTM subscribers and Web Hooks.
    pub(crate) fn flush_events(&self, state: &mut state::State) {
        for (name, data) in state.outbox.drain(..) {
            self.raise(name.to_owned(), data);
        }
    }

    /// Hands an event to the dispatcher (which never waits on a consumer).
    pub(crate) fn raise(&self, name: String, data: serde_json::Value) {
        let _ = self.events.send(rtm::Outgoing { name, data });
    }

    /// Takes the first fault that applies to `endpoint`, counting it down.
    pub(crate) fn take_fault(&self, endpoint: Option<&str>) -> Option<FaultKind> {
        let mut faults = lock(&self.faults);
        // A fault for zero requests applies to none.
        faults.retain(|f| f.remaining != Some(0));
        let index = faults.iter().position(|f| f.route.as_deref().is_none_or(|r| Some(r) == endpoint))?;
        let fault = &mut faults[index];
        let kind = fault.kind.clone();
        if let Some(remaining) = &mut fault.remaining {
            *remaining = remaining.saturating_sub(1);
            if *remaining == 0 {
                faults.remove(index);
            }
        }
        Some(kind)
    }
}

/// A running mock. Dropping it stops the server.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mock = crisp_mock::MockServer::start().await?;
/// assert!(mock.base_url().starts_with("http://127.0.0.1:"));
/// mock.shutdown();
/// # Ok(()) }
/// ```
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: tokio::sync::watch::Sender<bool>,
    /// The server, dispatcher and delivery tasks; dropping the set aborts them.
    _tasks: tokio::task::JoinSet<()>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a mock with the default configuration on a free port of 127.0.0.1.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// # let _ = mock;
    /// # Ok(()) }
    /// ```
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(MockConfig::default()).await
    }

    /// Starts a mock with the given configuration.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let config = crisp_mock::MockConfig::default().credentials("id", "key");
    /// let mock = crisp_mock::MockServer::start_with(config).await?;
    /// assert_eq!(mock.identifier(), "id");
    /// # Ok(()) }
    /// ```
    pub async fn start_with(config: MockConfig) -> std::io::Result<Self> {
        let state = state::State::seeded_with(&config.website_id, config.clock.clone(), config.seed);
        Self::launch(config, state, Vec::new()).await
    }

    /// A builder, for fixtures, generated data, Web Hooks, rate limits,
    /// the request log and the clock.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::builder().seed(7).generate(500).start().await?;
    /// let count = mock.with_state(|s| s.websites[mock.website_id()].conversations.len());
    /// assert_eq!(count, 501); // the generated ones and the default one
    /// # Ok(()) }
    /// ```
    pub fn builder() -> MockBuilder {
        MockBuilder::default()
    }

    pub(crate) async fn launch(
        config: MockConfig,
        state: state::State,
        webhook_targets: Vec<WebhookTarget>,
    ) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let (events, events_rx) = tokio::sync::mpsc::unbounded_channel();
        let token = {
            let mut rng = fastrand::Rng::new();
            (0..4).map(|_| format!("{:016x}", rng.u64(..))).collect::<String>()
        };
        let shared = Arc::new(Shared {
            clock: state.clock().clone(),
            state: Mutex::new(state),
            limiter: Mutex::new(rate_limit::Limiter::new(&config.rate_limits)),
            requests: Mutex::new(request_log::RequestLog::new(config.request_log, config.request_log_bytes)),
            config,
            rtm_url: format!("http://{addr}{}/", rtm::RTM_PATH),
            events,
            rtm_authentications: Mutex::new(Vec::new()),
            rtm_refusals: AtomicUsize::new(0),
            rtm_binds: Mutex::new(Vec::new()),
            rtm_sockets: Mutex::new(rtm::Sockets::default()),
            rtm_lost_events: AtomicUsize::new(0),
            rtm_slow_dropped: AtomicUsize::new(0),
            playground_token: token,
            webhooks: Mutex::new(Vec::new()),
            webhook_deliveries: Arc::new(Mutex::new(VecDeque::new())),
            cut: tokio::sync::watch::channel(0).0,
            faults: Mutex::new(Vec::new()),
            answers: Mutex::new(BTreeMap::new()),
        });
        for target in webhook_targets {
            let started = webhooks::start(&shared, target);
            lock(&shared.webhooks).push(started);
        }
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let (rtm_layer, io) = rtm::layer(&shared);
        let mut tasks = tokio::task::JoinSet::new();
        tasks.spawn(rtm::dispatch(io, shared.clone(), events_rx));
        tasks.spawn(server::serve(listener, shared.clone(), rtm_layer, stopped));
        Ok(Self { addr, shared, stop, _tasks: tasks })
    }

    /// The address the mock listens on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// assert!(mock.addr().ip().is_loopback());
    /// # Ok(()) }
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The REST base URL to give a client, `http://127.0.0.1:PORT/v1/`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// assert!(mock.base_url().ends_with("/v1/"));
    /// # Ok(()) }
    /// ```
    pub fn base_url(&self) -> String {
        format!("http://{}/v1/", self.addr)
    }

    /// The accepted identifier.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// assert_eq!(mock.identifier(), crisp_mock::DEFAULT_IDENTIFIER);
    /// # Ok(()) }
    /// ```
    pub fn identifier(&self) -> &str {
        &self.shared.config.identifier
    }

    /// The accepted key.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// assert_eq!(mock.key(), crisp_mock::DEFAULT_KEY);
    /// # Ok(()) }
    /// ```
    pub fn key(&self) -> &str {
        &self.shared.config.key
    }

    /// The id of the website the mock starts with.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// assert_eq!(mock.website_id(), crisp_mock::DEFAULT_WEBSITE_ID);
    /// # Ok(()) }
    /// ```
    pub fn website_id(&self) -> &str {
        &self.shared.config.website_id
    }

    /// Adds a fault; faults apply in the order they were added.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// mock.inject(crisp_mock::Fault::status(503).times(1));
    /// # Ok(()) }
    /// ```
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).push(fault);
    }

    /// Makes a route answer `data` with `status` (a Crisp envelope), before
    /// any state or example; `status` ≥ 400 makes an error envelope.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// mock.set_answer("website.get_website", 200, serde_json::json!({"name": "Custom"}));
    /// # Ok(()) }
    /// ```
    pub fn set_answer(&self, route: impl Into<String>, status: u16, data: serde_json::Value) {
        lock(&self.shared.answers).insert(route.into(), (status, data));
    }

    /// Removes the answers set with [`set_answer`](Self::set_answer).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// mock.clear_answers();
    /// # Ok(()) }
    /// ```
    pub fn clear_answers(&self) {
        lock(&self.shared.answers).clear();
    }

    /// Removes every fault.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// mock.inject(crisp_mock::Fault::status(503));
    /// mock.clear_faults();
    /// # Ok(()) }
    /// ```
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// The requests received so far, oldest first.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// assert!(mock.requests().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).iter().map(|entry| entry.request.clone()).collect()
    }

    /// Returns and forgets the requests received so far.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// let _ = mock.take_requests();
    /// # Ok(()) }
    /// ```
    pub fn take_requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clear()
    }

    /// Counts received requests per `service.name` route.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// assert_eq!(mock.request_counts().get("website.get_website"), None);
    /// # Ok(()) }
    /// ```
    pub fn request_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for entry in lock(&self.shared.requests).iter() {
            *counts.entry(entry.request.endpoint.clone().unwrap_or_default()).or_default() += 1;
        }
        counts
    }

    /// Runs `f` with the mock's state, to seed or inspect it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// let conversations = mock.with_state(|state| state.websites[mock.website_id()].conversations.len());
    /// assert_eq!(conversations, 1);
    /// # Ok(()) }
    /// ```
    pub fn with_state<R>(&self, f: impl FnOnce(&mut state::State) -> R) -> R {
        f(&mut lock(&self.shared.state))
    }

    /// The Socket.IO URL the `connect/endpoints` routes advertise,
    /// `http://127.0.0.1:PORT/rtm/`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// assert!(mock.rtm_url().ends_with("/rtm/"));
    /// # Ok(()) }
    /// ```
    pub fn rtm_url(&self) -> &str {
        &self.shared.rtm_url
    }

    /// Raises an event as Crisp would: RTM sockets subscribed to `name`
    /// receive it, and so does the Web Hook target. Events are delivered in
    /// the order they are raised.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// mock.emit("website:users:available", serde_json::json!({"website_id": mock.website_id(), "available": true}));
    /// # Ok(()) }
    /// ```
    pub fn emit(&self, name: impl Into<String>, data: serde_json::Value) {
        self.shared.raise(name.into(), data);
    }

    /// Acts as a visitor: sends `text` from the user side of a conversation
    /// (a new one when `session_id` is `None`), which raises `message:send`.
    /// Returns the session id (empty when `session_id` does not exist). The
    /// same is reachable over HTTP as `POST /mock/visitor/message` with
    /// `{"session_id"?, "content", "website_id"?}`. A new conversation gets
    /// a visitor with a drawn name, email and place.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// let session_id = mock.visitor_says(None, "Hello, anyone there?");
    /// assert!(session_id.starts_with("session_"));
    /// # Ok(()) }
    /// ```
    pub fn visitor_says(&self, session_id: Option<&str>, text: &str) -> String {
        server::visitor_message(&self.shared, &self.shared.config.website_id, session_id, text).unwrap_or_default()
    }

    /// Delivers every raised event as a signed Web Hook to `target` from now on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// mock.deliver_webhooks_to(crisp_mock::WebhookTarget::new("http://127.0.0.1:9/hooks", "secret"));
    /// # Ok(()) }
    /// ```
    pub fn deliver_webhooks_to(&self, target: WebhookTarget) {
        let started = webhooks::start(&self.shared, target);
        // Dropping the previous targets' queues ends their tasks.
        *lock(&self.shared.webhooks) = vec![started];
    }

    /// Delivers every raised event to `target` too, from its own queue.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// mock.add_webhook_target(crisp_mock::WebhookTarget::new("http://127.0.0.1:9/a", "secret"));
    /// mock.add_webhook_target(crisp_mock::WebhookTarget::new("http://127.0.0.1:9/b", "secret"));
    /// # Ok(()) }
    /// ```
    pub fn add_webhook_target(&self, target: WebhookTarget) {
        let started = webhooks::start(&self.shared, target);
        lock(&self.shared.webhooks).push(started);
    }

    /// Events Web Hook targets lost because their queue was full, per
    /// target in the order they were added.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// assert!(mock.webhook_lost_events().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn webhook_lost_events(&self) -> Vec<usize> {
        lock(&self.shared.webhooks).iter().map(|t| t.lost.load(Ordering::Relaxed)).collect()
    }

    /// The simulator's clock: set or advance it to move time.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::builder().clock(crisp_mock::Clock::fixed(1_000)).start().await?;
    /// mock.clock().advance(500);
    /// assert_eq!(mock.clock().now_ms(), 1_500);
    /// # Ok(()) }
    /// ```
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// The playground's URL, `http://127.0.0.1:PORT/`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// assert!(mock.playground_url().ends_with('/'));
    /// # Ok(()) }
    /// ```
    pub fn playground_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The state as a fixtures document (what `GET /mock/state` answers).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// assert_eq!(mock.dump_state()["websites"][0]["website_id"], mock.website_id());
    /// # Ok(()) }
    /// ```
    pub fn dump_state(&self) -> serde_json::Value {
        fixtures::dump(&lock(&self.shared.state))
    }

    /// Replaces every website with those of a fixtures document (what
    /// `PUT /mock/state` does); nothing changes on error.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// mock.load_state(&serde_json::json!({"websites": [{"website_id": mock.website_id()}]}))?;
    /// assert_eq!(mock.with_state(|s| s.websites[mock.website_id()].conversations.len()), 0);
    /// # Ok(()) }
    /// ```
    pub fn load_state(&self, document: &serde_json::Value) -> Result<(), FixtureError> {
        let mut state = lock(&self.shared.state);
        let websites = fixtures::read(document, &mut state)?;
        state.websites = websites.into_iter().collect();
        state.documents.clear();
        Ok(())
    }

    /// RTM sockets disconnected because they stopped reading, and the
    /// events they lost.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// assert_eq!(mock.rtm_slow_consumers(), (0, 0));
    /// # Ok(()) }
    /// ```
    pub fn rtm_slow_consumers(&self) -> (usize, usize) {
        (self.shared.rtm_slow_dropped.load(Ordering::Relaxed), self.shared.rtm_lost_events.load(Ordering::Relaxed))
    }

    /// The Web Hook delivery attempts made so far (the last 10,000).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// assert!(mock.webhook_deliveries().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        lock(&self.shared.webhook_deliveries).iter().cloned().collect()
    }

    /// The event lists of the RTM authentications accepted so far, oldest
    /// first (the last 1,000).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// assert!(mock.rtm_authentications().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn rtm_authentications(&self) -> Vec<Vec<String>> {
        lock(&self.shared.rtm_authentications).clone()
    }

    /// The subscription changes RTM clients made (`socket:bind:push` or
    /// `socket:bind:pop`, with their events), oldest first (the last 1,000).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// assert!(mock.rtm_subscription_changes().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn rtm_subscription_changes(&self) -> Vec<(&'static str, Vec<String>)> {
        lock(&self.shared.rtm_binds).clone()
    }

    /// How many RTM authentications were refused.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// assert_eq!(mock.rtm_refusals(), 0);
    /// # Ok(()) }
    /// ```
    pub fn rtm_refusals(&self) -> usize {
        self.shared.rtm_refusals.load(Ordering::Relaxed)
    }

    /// Cuts every open connection (REST and RTM) without a goodbye, as a
    /// network failure would; the server keeps accepting new ones.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::start().await?;
    /// mock.drop_connections();
    /// # Ok(()) }
    /// ```
    pub fn drop_connections(&self) {
        self.shared.cut.send_modify(|generation| *generation += 1);
    }

    /// Stops accepting connections and closes open ones.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// crisp_mock::MockServer::start().await?.shutdown();
    /// # Ok(()) }
    /// ```
    pub fn shutdown(&self) {
        let _ = self.stop.send(true);
        // Upgraded RTM sockets no longer belong to the accept loop: cut them too.
        self.drop_connections();
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

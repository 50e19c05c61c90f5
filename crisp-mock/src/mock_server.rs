//! [`MockServer`]: a running simulator, and what tests do with it (faults,
//! answers, events, visitors, the request log, the state and the clock).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::clock::Clock;
use crate::config::MockConfig;
use crate::fault::Fault;
use crate::fixtures::{self, FixtureError};
use crate::request_log::RecordedRequest;
use crate::shared::Shared;
use crate::state::State;
use crate::sync::lock;
use crate::webhooks::{WebhookDelivery, WebhookTarget};
use crate::{admin, api, rtm, serve};

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
        let state = State::seeded_with(&config.website_id, config.clock.clone(), config.seed);
        Self::launch(config, state, Vec::new()).await
    }

    /// Binds the listener and starts the server, the event dispatcher and
    /// the Web Hook deliveries.
    pub(crate) async fn launch(
        config: MockConfig,
        state: State,
        webhook_targets: Vec<WebhookTarget>,
    ) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let playground_token = {
            let mut rng = fastrand::Rng::new();
            (0..4).map(|_| format!("{:016x}", rng.u64(..))).collect::<String>()
        };
        let rtm_url = format!("http://{addr}{}/", rtm::RTM_PATH);
        let (shared, events) = Shared::new(config, state, rtm_url, playground_token);
        for target in webhook_targets {
            shared.webhooks.add(target);
        }
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let (rtm_layer, io) = rtm::layer(&shared.rtm);
        let router = admin::router().fallback(api::answer).layer(rtm_layer).with_state(shared.clone());
        let mut tasks = tokio::task::JoinSet::new();
        tasks.spawn(rtm::dispatch(io, shared.rtm.clone(), shared.webhooks.clone(), events));
        tasks.spawn(serve::serve(listener, shared.clone(), router, stopped));
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

    /// The environment that points every face of the project at this
    /// simulator, as lines for a POSIX shell: `export NAME=value` for
    /// `CRISP_IDENTIFIER`, `CRISP_KEY`, `CRISP_TIER` (`plugin`, which the
    /// simulator lets reach its routes), `CRISP_BASE_URL` and
    /// `CRISP_WEBSITE_ID`, in that order, each value quoted where a shell
    /// needs it. The banners of `crisp-mock` and `crisp mock` print these
    /// lines, so evaluating a banner's standard output sets them. A NUL,
    /// which no environment variable can hold, is left out.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = crisp_mock::MockServer::builder().credentials("bot", "it's a key").start().await?;
    /// let exports = mock.shell_exports();
    /// assert!(exports.starts_with("export CRISP_IDENTIFIER=bot\nexport CRISP_KEY=\"it's a key\"\n"));
    /// assert!(exports.contains(&format!("export CRISP_BASE_URL={}\n", mock.base_url())));
    /// assert!(exports.ends_with(&format!("export CRISP_WEBSITE_ID={}\n", mock.website_id())));
    /// # Ok(()) }
    /// ```
    pub fn shell_exports(&self) -> String {
        let base_url = self.base_url();
        let variables = [
            ("CRISP_IDENTIFIER", self.identifier()),
            ("CRISP_KEY", self.key()),
            ("CRISP_TIER", "plugin"),
            ("CRISP_BASE_URL", &base_url),
            ("CRISP_WEBSITE_ID", self.website_id()),
        ];
        variables.iter().map(|(name, value)| format!("export {name}={}\n", shell_word(value))).collect()
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
    pub fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
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
        self.shared.visitor_message(&self.shared.config.website_id, session_id, text).unwrap_or_default()
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
        self.shared.webhooks.replace(target);
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
        self.shared.webhooks.add(target);
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
        self.shared.webhooks.lost_events()
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
        (self.shared.rtm.slow_dropped.load(Ordering::Relaxed), self.shared.rtm.lost_events.load(Ordering::Relaxed))
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
        self.shared.webhooks.deliveries()
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
        lock(&self.shared.rtm.authentications).clone()
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
        lock(&self.shared.rtm.binds).clone()
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
        self.shared.rtm.refusals.load(Ordering::Relaxed)
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

/// `value` as one shell word, quoted when it needs to be (NULs left out).
fn shell_word(value: &str) -> String {
    match shlex::try_quote(value) {
        Ok(word) => word.into_owned(),
        // The only refusal is a NUL byte.
        Err(_) => shlex::try_quote(&value.replace('\0', "")).map(|word| word.into_owned()).unwrap_or_default(),
    }
}

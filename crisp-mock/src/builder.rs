//! [`MockBuilder`]: how the `crisp mock` command, test suites and load tests
//! start a simulator with the data and behaviour they need.

use std::net::SocketAddr;
use std::time::Duration;

use crate::clock::Clock;
use crate::config::MockConfig;
use crate::fixtures::{self, Fixtures};
use crate::generate;
use crate::mock_server::MockServer;
use crate::rate_limit::RateLimit;
use crate::state::State;
use crate::webhooks::WebhookTarget;

impl MockServer {
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
}

/// Configures and starts a [`MockServer`]; from [`MockServer::builder`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use std::time::Duration;
/// let mock = crisp_mock::MockServer::builder()
///     .listen("127.0.0.1:0".parse().unwrap())
///     .seed(42)
///     .generate(1_000)
///     .rate_limit(crisp_mock::RateLimit::new(100, Duration::from_secs(1)))
///     .request_log(10_000)
///     .clock(crisp_mock::Clock::fixed(1_750_000_000_000))
///     .start()
///     .await?;
/// # let _ = mock;
/// # Ok(()) }
/// ```
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until `.start().await`"]
pub struct MockBuilder {
    config: MockConfig,
    website_id_given: bool,
    fixtures: Option<Fixtures>,
    generate: usize,
    webhooks: Vec<WebhookTarget>,
}

impl MockBuilder {
    /// Listens on `addr` (default `127.0.0.1:0`, a free port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.config.listen = addr;
        self
    }

    /// Accepts these credentials (default [`DEFAULT_IDENTIFIER`](crate::DEFAULT_IDENTIFIER)
    /// and [`DEFAULT_KEY`](crate::DEFAULT_KEY)).
    pub fn credentials(mut self, identifier: impl Into<String>, key: impl Into<String>) -> Self {
        self.config = self.config.credentials(identifier, key);
        self
    }

    /// The website [`MockServer::website_id`] names and the visitor route
    /// writes to by default. Without it: the first website of the fixtures,
    /// else [`DEFAULT_WEBSITE_ID`](crate::DEFAULT_WEBSITE_ID).
    pub fn website_id(mut self, website_id: impl Into<String>) -> Self {
        self.config.website_id = website_id.into();
        self.website_id_given = true;
        self
    }

    /// Starts from a fixtures document (a file path or a value) instead of
    /// the default website; see [`fixtures`](crate::fixtures) for the format.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let doc = serde_json::json!({"websites": [{"website_id": "w1", "name": "Shop",
    ///     "conversations": [{"meta": {"nickname": "Ana"}, "messages": [{"type": "text", "from": "user", "origin": "chat", "content": "Hi"}]}]}]});
    /// let mock = crisp_mock::MockServer::builder().fixtures(doc).start().await?;
    /// assert_eq!(mock.website_id(), "w1");
    /// # Ok(()) }
    /// ```
    pub fn fixtures(mut self, fixtures: impl Into<Fixtures>) -> Self {
        self.fixtures = Some(fixtures.into());
        self
    }

    /// Seeds generated data and visitor identities: the same seed gives the same data.
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self
    }

    /// Adds this many generated conversations (with messages, visitors,
    /// people profiles and operators) to the website, spread over the 90
    /// days before the clock's time.
    pub fn generate(mut self, conversations: usize) -> Self {
        self.generate = conversations;
        self
    }

    /// Delivers every event as a signed Web Hook to `url`; call it again for
    /// more targets, each with its own queue.
    pub fn webhook(self, url: impl Into<String>, secret: impl Into<String>) -> Self {
        self.webhook_target(WebhookTarget::new(url, secret))
    }

    /// Like [`webhook`](Self::webhook), with the target's retry settings.
    pub fn webhook_target(mut self, target: WebhookTarget) -> Self {
        self.webhooks.push(target);
        self
    }

    /// Adds a request-rate limit (global or per route).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.config.rate_limits.push(limit);
        self
    }

    /// Keeps the newest `capacity` requests in the log (default 1,000); 0 turns it off.
    pub fn request_log(mut self, capacity: usize) -> Self {
        self.config.request_log = capacity;
        self
    }

    /// Answers 413 to bodies larger than this (default 1 MiB).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.config.max_body_bytes = bytes;
        self
    }

    /// Time a client has to send a request head, then its body (default 10 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.config.read_timeout = timeout;
        self
    }

    /// The clock (default: real time).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.config.clock = clock;
        self
    }

    /// Lets any tier reach any route.
    pub fn any_tier(mut self) -> Self {
        self.config.enforce_tiers = false;
        self
    }

    /// Changes the rest of the configuration.
    ///
    /// ```
    /// let builder = crisp_mock::MockServer::builder().configure(|c| c.rtm_queue = 1_024);
    /// # let _ = builder;
    /// ```
    pub fn configure(mut self, change: impl FnOnce(&mut MockConfig)) -> Self {
        change(&mut self.config);
        self
    }

    /// Loads the data and starts listening.
    ///
    /// # Errors
    /// When the address cannot be bound, or the fixtures cannot be read or
    /// do not fit the format (`InvalidData`, saying where).
    pub async fn start(self) -> std::io::Result<MockServer> {
        let MockBuilder { mut config, website_id_given, fixtures, generate, webhooks } = self;
        let mut state = match &fixtures {
            None => State::seeded_with(&config.website_id, config.clock.clone(), config.seed),
            Some(fixtures) => {
                let document = fixtures.document()?;
                let mut state = State::empty(config.clock.clone(), config.seed);
                let websites = fixtures::read(&document, &mut state)?;
                if !website_id_given && let Some((first, _)) = websites.first() {
                    config.website_id = first.clone();
                }
                state.websites = websites.into_iter().collect();
                state
            }
        };
        if generate > 0 {
            generate::populate(&mut state, &config.website_id, generate);
        }
        MockServer::launch(config, state, webhooks).await
    }
}

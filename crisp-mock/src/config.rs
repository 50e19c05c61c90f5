//! How a simulator is configured: [`MockConfig`] and the defaults it starts from.

use std::net::SocketAddr;
use std::time::Duration;

use crate::clock::Clock;
use crate::rate_limit::RateLimit;

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

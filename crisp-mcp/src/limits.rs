//! How much an HTTP client may ask of the server: body sizes, concurrent requests, open connections and the
//! time it may take to send a request. The defaults keep memory flat under many slow or hostile clients.

use std::time::Duration;

/// Bounds on what HTTP clients may hold of the server.
///
/// ```
/// use std::time::Duration;
/// let limits = crisp_mcp::HttpLimits::default().max_body_bytes(256 * 1024).read_timeout(Duration::from_secs(5));
/// assert_eq!(limits.max_body_bytes, 256 * 1024);
/// assert_eq!(crisp_mcp::HttpLimits::default().max_concurrent_requests, 64);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpLimits {
    /// The largest request body read, in bytes; larger ones are answered 413 (default 1 MiB).
    pub max_body_bytes: usize,
    /// Requests handled at once; more are answered 503 with `Retry-After` (default 64).
    pub max_concurrent_requests: usize,
    /// Connections open at once; beyond it the server stops accepting until one closes (default 1024).
    pub max_connections: usize,
    /// Time a client has to send a request's head, and then its whole body (default 10 s).
    pub read_timeout: Duration,
    /// A connection with no byte either way for this long is closed (default 60 s; open event streams send
    /// a keep-alive every 15 s).
    pub idle_timeout: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_concurrent_requests: 64,
            max_connections: 1024,
            read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

impl HttpLimits {
    /// Sets the largest request body read, in bytes.
    ///
    /// ```
    /// assert_eq!(crisp_mcp::HttpLimits::default().max_body_bytes(4096).max_body_bytes, 4096);
    /// ```
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Sets how many requests are handled at once (at least one).
    ///
    /// ```
    /// assert_eq!(crisp_mcp::HttpLimits::default().max_concurrent_requests(0).max_concurrent_requests, 1);
    /// ```
    pub fn max_concurrent_requests(mut self, requests: usize) -> Self {
        self.max_concurrent_requests = requests.max(1);
        self
    }

    /// Sets how many connections may be open at once (at least one).
    ///
    /// ```
    /// assert_eq!(crisp_mcp::HttpLimits::default().max_connections(8).max_connections, 8);
    /// ```
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// Sets the time a client has to send a request's head, and then its body.
    ///
    /// ```
    /// let limits = crisp_mcp::HttpLimits::default().read_timeout(std::time::Duration::from_secs(2));
    /// assert_eq!(limits.read_timeout.as_secs(), 2);
    /// ```
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Sets how long a silent connection stays open.
    ///
    /// ```
    /// let limits = crisp_mcp::HttpLimits::default().idle_timeout(std::time::Duration::from_secs(30));
    /// assert_eq!(limits.idle_timeout.as_secs(), 30);
    /// ```
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }
}

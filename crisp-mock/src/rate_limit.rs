//! Request-rate limits as configuration: a fixed window per limit, answered
//! like Crisp with 429 (or 420) and `Retry-After`.

use std::time::{Duration, Instant};

/// A request-rate limit, for every route or for one.
///
/// Requests over `requests` within a `window` are answered with `status`
/// (429 by default, or 420 as Crisp's older limiter does) and `Retry-After`
/// set to the seconds left in the window.
///
/// ```
/// use std::time::Duration;
/// let limit = crisp_mock::RateLimit::new(10, Duration::from_secs(1))
///     .on_route("website.list_conversations")
///     .status(420);
/// assert_eq!(limit.requests, 10);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: u32,
    /// Length of a window.
    pub window: Duration,
    /// `service.name` of the route it counts, or every route when `None`.
    pub route: Option<String>,
    /// 429 or 420.
    pub status: u16,
}

impl RateLimit {
    /// At most `requests` per `window`, on every route, answered with 429.
    ///
    /// ```
    /// let limit = crisp_mock::RateLimit::new(100, std::time::Duration::from_secs(60));
    /// assert_eq!(limit.status, 429);
    /// ```
    pub fn new(requests: u32, window: Duration) -> Self {
        Self { requests, window: window.max(Duration::from_millis(1)), route: None, status: 429 }
    }

    /// Counts only the requests of one route, by `service.name`.
    ///
    /// ```
    /// let limit = crisp_mock::RateLimit::new(1, std::time::Duration::from_secs(1)).on_route("website.get_website");
    /// assert_eq!(limit.route.as_deref(), Some("website.get_website"));
    /// ```
    pub fn on_route(mut self, route: impl Into<String>) -> Self {
        self.route = Some(route.into());
        self
    }

    /// Answers with this status (420 or 429) when over the limit.
    ///
    /// ```
    /// let limit = crisp_mock::RateLimit::new(1, std::time::Duration::from_secs(1)).status(420);
    /// assert_eq!(limit.status, 420);
    /// ```
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
}

/// The counters of the configured limits.
#[derive(Debug)]
pub(crate) struct Limiter {
    limits: Vec<(RateLimit, Window)>,
}

#[derive(Debug)]
struct Window {
    started: Instant,
    count: u32,
}

impl Limiter {
    pub(crate) fn new(limits: &[RateLimit]) -> Self {
        let now = Instant::now();
        Self { limits: limits.iter().cloned().map(|l| (l, Window { started: now, count: 0 })).collect() }
    }

    /// Counts a request to `endpoint`; answers the status and the
    /// `Retry-After` seconds of the first limit it goes over.
    pub(crate) fn check(&mut self, endpoint: Option<&str>) -> Option<(u16, u64)> {
        let now = Instant::now();
        let mut over = None;
        for (limit, window) in &mut self.limits {
            if limit.route.as_deref().is_some_and(|r| Some(r) != endpoint) {
                continue;
            }
            if now.duration_since(window.started) >= limit.window {
                *window = Window { started: now, count: 0 };
            }
            window.count = window.count.saturating_add(1);
            if window.count > limit.requests && over.is_none() {
                let left = limit.window.saturating_sub(now.duration_since(window.started));
                // Round up: a client waiting the advertised seconds lands in the next window.
                over = Some((limit.status, left.as_millis().div_ceil(1000).max(1) as u64));
            }
        }
        over
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_route_and_globally() {
        let mut limiter = Limiter::new(&[
            RateLimit::new(2, Duration::from_secs(60)).on_route("a.x").status(420),
            RateLimit::new(3, Duration::from_secs(60)),
        ]);
        assert_eq!(limiter.check(Some("a.x")), None);
        assert_eq!(limiter.check(Some("a.x")), None);
        assert_eq!(limiter.check(Some("a.x")).map(|(s, _)| s), Some(420));
        // The global limit saw three requests already: the fourth is over it.
        let (status, retry_after) = limiter.check(Some("b.y")).unwrap();
        assert_eq!(status, 429);
        assert!((1..=60).contains(&retry_after));
    }

    #[test]
    fn a_new_window_starts_over() {
        let mut limiter = Limiter::new(&[RateLimit::new(1, Duration::from_millis(1))]);
        assert_eq!(limiter.check(None), None);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(limiter.check(None), None);
    }
}

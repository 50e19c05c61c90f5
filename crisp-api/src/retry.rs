//! When and how often a failed request is tried again, and how long a
//! rate-limited answer asks to wait.

use std::time::Duration;

use http::HeaderValue;

/// The longest `Retry-After` honoured or reported: a larger value (or a date
/// further away) counts as this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// When and how often a failed request is tried again.
///
/// Requests the spec marks idempotent (GET, HEAD, PUT, DELETE) are retried on
/// connection errors, timeouts, 5xx answers and rate limits (429, 420). Other
/// requests (POST, PATCH) are retried only when they provably never reached
/// Crisp, unless the call opts in with `.idempotent()`. Delays grow
/// exponentially with full jitter and honour `Retry-After`; the whole call
/// stays within the client's timeout.
///
/// ```
/// use std::time::Duration;
/// let policy = crisp_api::RetryPolicy::default()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(100))
///     .max_backoff(Duration::from_secs(2));
/// # let _ = policy;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 3, initial_backoff: Duration::from_millis(250), max_backoff: Duration::from_secs(4) }
    }
}

impl RetryPolicy {
    /// Never retry.
    ///
    /// ```
    /// let policy = crisp_api::RetryPolicy::none();
    /// # let _ = policy;
    /// ```
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// Attempts in all, the first included (at least 1).
    ///
    /// ```
    /// let policy = crisp_api::RetryPolicy::default().max_attempts(2);
    /// # let _ = policy;
    /// ```
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The ceiling of the first back-off delay; it doubles per attempt.
    ///
    /// ```
    /// let policy = crisp_api::RetryPolicy::default().initial_backoff(std::time::Duration::from_millis(50));
    /// # let _ = policy;
    /// ```
    pub fn initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// The largest back-off delay (a longer `Retry-After` still wins).
    ///
    /// ```
    /// let policy = crisp_api::RetryPolicy::default().max_backoff(std::time::Duration::from_secs(1));
    /// # let _ = policy;
    /// ```
    pub fn max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// Full jitter: a uniform delay between zero and the exponential ceiling.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let ceiling =
            self.initial_backoff.saturating_mul(1u32 << attempt.saturating_sub(1).min(16)).min(self.max_backoff);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// `Retry-After` as seconds (`120`, `0.5`) or as an HTTP date, clamped to
/// [`MAX_RETRY_AFTER`]; a date in the past means now, anything else is ignored.
pub(crate) fn parse_retry_after(value: &HeaderValue) -> Option<Duration> {
    let text = value.to_str().ok()?.trim();
    let wait = if text.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        let seconds: f64 = text.parse().ok()?;
        if !seconds.is_finite() || seconds < 0.0 {
            return None;
        }
        Duration::from_secs_f64(seconds.min(MAX_RETRY_AFTER.as_secs_f64()))
    } else {
        let date = httpdate::parse_http_date(text).ok()?;
        date.duration_since(std::time::SystemTime::now()).unwrap_or_default()
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_its_ceiling() {
        let policy =
            RetryPolicy::default().initial_backoff(Duration::from_millis(100)).max_backoff(Duration::from_millis(300));
        for attempt in 1..40 {
            assert!(policy.backoff(attempt) <= Duration::from_millis(300));
        }
        assert!(policy.backoff(1) <= Duration::from_millis(100));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let parse = |text: &str| parse_retry_after(&HeaderValue::from_str(text).unwrap());
        assert_eq!(parse("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse("-1"), None);
        assert_eq!(parse("soon"), None);
        assert_eq!(parse("1e400"), None);
        assert_eq!(parse("99999999999"), Some(MAX_RETRY_AFTER));
        // A date in the past means "now"; one far ahead is clamped.
        assert_eq!(parse("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse("Fri, 31 Dec 9999 23:59:59 GMT"), Some(MAX_RETRY_AFTER));
        let soon = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(30));
        let wait = parse(&soon).unwrap();
        assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30), "{wait:?}");
    }
}

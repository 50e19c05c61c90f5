//! The one error type of the client.

use std::fmt;
use std::time::Duration;

/// Result of every call made with this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong with a request, with enough context to act on it.
///
/// The error is boxed so that `Result<T, Error>` stays one pointer wide.
/// `Display` gives one sentence naming the method, the route and the cause;
/// it never contains credentials.
///
/// # Example
/// ```
/// use crisp_api::{Error, ErrorKind};
///
/// fn explain(err: &Error) -> &'static str {
///     match err.kind() {
///         ErrorKind::RateLimited { .. } => "slow down",
///         ErrorKind::Api { status: 404, .. } => "not found",
///         _ if err.is_retryable() => "try again later",
///         _ => "give up",
///     }
/// }
/// # let _ = explain;
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    method: Option<http::Method>,
    route: Option<&'static str>,
}

/// The cause of an [`Error`].
///
/// # Example
/// ```
/// use crisp_api::ErrorKind;
/// let kind = ErrorKind::InvalidInput { message: "empty id".into() };
/// assert!(matches!(kind, ErrorKind::InvalidInput { .. }));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Crisp answered with an error envelope or a non-success status.
    Api {
        /// HTTP status code.
        status: u16,
        /// Crisp's machine-readable `reason` (for example `invalid_session`), or
        /// `http_error` when the body was not a Crisp envelope.
        reason: String,
        /// The start of the body when it was not a Crisp envelope (an HTML error page, say).
        body_snippet: Option<String>,
    },
    /// Crisp refused the request for now (HTTP 429 or 420).
    RateLimited {
        /// 429 or 420.
        status: u16,
        /// How long Crisp asked to wait, from `Retry-After`.
        retry_after: Option<Duration>,
        /// Crisp's `reason`, when the body was an envelope.
        reason: Option<String>,
    },
    /// No complete answer arrived within the configured time.
    Timeout {
        /// The time that ran out: the per-attempt or the whole-request timeout.
        after: Duration,
    },
    /// The connection could not be made or broke before a complete answer arrived.
    Transport {
        /// The underlying HTTP error.
        source: reqwest::Error,
        /// True when the request provably never reached the server (connection refused, DNS, TLS).
        before_sending: bool,
    },
    /// A successful answer whose body does not have the expected shape.
    Decode {
        /// HTTP status code.
        status: u16,
        /// Where decoding failed, as a JSON path (`data[3].meta.email`), or `.` for the root.
        path: String,
        /// What the JSON decoder said.
        message: String,
        /// The start of the body, at most 512 bytes.
        body_snippet: String,
    },
    /// The request was refused before sending (missing credentials, an empty path parameter, ...).
    InvalidInput {
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self { inner: Box::new(Inner { kind, method: None, route: None }) }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput { message: message.into() })
    }

    pub(crate) fn at(mut self, method: &http::Method, route: &'static str) -> Self {
        self.inner.method = Some(method.clone());
        self.inner.route = Some(route);
        self
    }

    /// The cause of the error.
    ///
    /// ```
    /// # fn f(err: crisp_api::Error) {
    /// if let crisp_api::ErrorKind::Api { reason, .. } = err.kind() {
    ///     eprintln!("Crisp said {reason}");
    /// }
    /// # }
    /// ```
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// Takes the cause out of the error.
    ///
    /// ```
    /// # fn f(err: crisp_api::Error) { let _kind = err.into_kind(); }
    /// ```
    pub fn into_kind(self) -> ErrorKind {
        self.inner.kind
    }

    /// The HTTP status Crisp answered with, if it answered.
    ///
    /// ```
    /// # fn f(err: crisp_api::Error) { if err.status() == Some(404) { /* not found */ } }
    /// ```
    pub fn status(&self) -> Option<u16> {
        match &self.inner.kind {
            ErrorKind::Api { status, .. }
            | ErrorKind::RateLimited { status, .. }
            | ErrorKind::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Crisp's `reason` string, if the answer carried one.
    ///
    /// ```
    /// # fn f(err: crisp_api::Error) { if err.reason() == Some("session_not_found") { /* ... */ } }
    /// ```
    pub fn reason(&self) -> Option<&str> {
        match &self.inner.kind {
            ErrorKind::Api { reason, .. } => Some(reason),
            ErrorKind::RateLimited { reason, .. } => reason.as_deref(),
            _ => None,
        }
    }

    /// The route template of the request (`website/{website_id}`), when known.
    ///
    /// ```
    /// # fn f(err: crisp_api::Error) { println!("{:?}", err.route()); }
    /// ```
    pub fn route(&self) -> Option<&'static str> {
        self.inner.route
    }

    /// True for errors that may go away by trying again: timeouts, transport
    /// errors, rate limits and 5xx answers.
    ///
    /// ```
    /// # fn f(err: crisp_api::Error) { if err.is_retryable() { /* schedule a retry */ } }
    /// ```
    pub fn is_retryable(&self) -> bool {
        match &self.inner.kind {
            ErrorKind::Timeout { .. } | ErrorKind::Transport { .. } | ErrorKind::RateLimited { .. } => true,
            ErrorKind::Api { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// True when the request timed out.
    ///
    /// ```
    /// # fn f(err: crisp_api::Error) { assert!(!err.is_timeout() || err.is_retryable()); }
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Timeout { .. })
    }

    /// True when the request provably never reached Crisp, so even a write can
    /// be sent again safely.
    ///
    /// ```
    /// # fn f(err: crisp_api::Error) { if err.is_before_sending() { /* safe to resend */ } }
    /// ```
    pub fn is_before_sending(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::InvalidInput { .. } | ErrorKind::Transport { before_sending: true, .. })
    }

    /// The `Retry-After` delay of a rate-limit answer.
    ///
    /// ```
    /// # fn f(err: crisp_api::Error) { if let Some(wait) = err.retry_after() { println!("wait {wait:?}"); } }
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match &self.inner.kind {
            ErrorKind::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

fn status_text(status: u16) -> &'static str {
    match status {
        420 => "Enhance Your Calm",
        _ => http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or(""),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let request = match (&self.inner.method, self.inner.route) {
            (Some(method), Some(route)) => format!("{method} {route}"),
            _ => "the request".to_owned(),
        };
        match &self.inner.kind {
            ErrorKind::Api { status, reason, body_snippet } => {
                write!(f, "Crisp answered {status} {} to {request} with reason `{reason}`", status_text(*status))?;
                if let Some(snippet) = body_snippet {
                    write!(f, "; the body was not a Crisp envelope and starts with: {snippet:?}")?;
                }
                let hint = match (*status, reason.as_str()) {
                    (401, _) => Some("check the identifier, the key and the tier they were issued for"),
                    (403, _) => Some("the token's tier or plugin scopes do not allow this route"),
                    (404, _) => Some("check the identifiers in the path"),
                    (400, _) => Some("check the request parameters and body"),
                    (s, _) if s >= 500 => Some("Crisp had a server-side problem; retrying later may work"),
                    _ => None,
                };
                if let Some(hint) = hint {
                    write!(f, " ({hint})")?;
                }
                Ok(())
            }
            ErrorKind::RateLimited { status, retry_after, reason } => {
                write!(f, "Crisp rate-limited {request} ({status} {})", status_text(*status))?;
                if let Some(reason) = reason {
                    write!(f, " with reason `{reason}`")?;
                }
                match retry_after {
                    Some(wait) => write!(f, "; it asks to wait {:.1} s before retrying", wait.as_secs_f64()),
                    None => write!(f, "; wait before retrying"),
                }
            }
            ErrorKind::Timeout { after } => {
                write!(f, "{request} got no complete answer within {:.1} s", after.as_secs_f64())
            }
            ErrorKind::Transport { source, before_sending } => {
                let when = if *before_sending { "could not be sent" } else { "failed in transit" };
                write!(f, "{request} {when}: {}", source.without_url_display())
            }
            ErrorKind::Decode { status, path, message, body_snippet } => write!(
                f,
                "the answer to {request} (HTTP {status}) could not be decoded at `{path}`: {message}; body starts with: {body_snippet:?}"
            ),
            ErrorKind::InvalidInput { message } => write!(f, "{request} was not sent: {message}"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("method", &self.inner.method)
            .field("route", &self.inner.route)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.inner.kind {
            ErrorKind::Transport { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Formats a reqwest error with its cause chain but without the URL, which
/// would repeat the route and may carry query values.
trait WithoutUrlDisplay {
    fn without_url_display(&self) -> String;
}

impl WithoutUrlDisplay for reqwest::Error {
    fn without_url_display(&self) -> String {
        let mut text = if self.is_connect() {
            "could not connect".to_owned()
        } else if self.is_body() || self.is_decode() {
            "the response body broke off".to_owned()
        } else if self.is_request() {
            "the connection failed".to_owned()
        } else {
            "HTTP error".to_owned()
        };
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }
}

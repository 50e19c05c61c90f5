//! The one error type of the client.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Result of every call made with this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong with a request, with enough context to act on it.
///
/// The error is boxed so that `Result<T, Error>` stays one pointer wide.
/// `Display` gives one sentence naming the method, the request's path (ids
/// filled in, no query), the host it went to and the cause; it never contains
/// credentials, and text the server sent shows escaped and shortened.
///
/// `Debug` (what `main` prints when it returns the error) is the same
/// sentence with the kind and route after it, so a failed program reads
/// `Error: GET website/42 on 127.0.0.1:9 could not be sent: … [Transport, route
/// website/{website_id}]`. The alternate form (`{:#?}`) shows every field.
///
/// REST, RTM and Web Hook failures all convert into it, so `?` works across
/// them while the specific kinds stay reachable through [`Error::kind`].
/// [`is_unauthorized`](Error::is_unauthorized) covers both a REST 401 and
/// RTM's refusal:
///
/// ```
/// use crisp_api::{Error, ErrorKind};
///
/// # #[cfg(feature = "rtm")]
/// # {
/// let err: Error = crisp_api::rtm::RtmError::Unauthorized { message: None }.into();
/// assert!(err.is_unauthorized());
/// assert!(matches!(err.kind(), ErrorKind::Rtm(crisp_api::rtm::RtmError::Unauthorized { .. })));
/// # }
/// ```
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
    /// The path actually requested, relative to the base URL, ids filled in and escaped.
    path: Option<String>,
    /// The host (and port) of the base URL the request went to.
    host: Option<Arc<str>>,
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
    /// The answer was a redirect. The Crisp API never redirects (a proxy or a
    /// captive portal does), so no redirect is followed: nothing, not even a
    /// request, went to the redirect target.
    Redirect {
        /// The 3xx status.
        status: u16,
        /// The `Location` the server asked for, escaped and shortened (empty when absent).
        location: String,
        /// True when the target is on another origin (scheme, host or port) than the base URL.
        cross_origin: bool,
    },
    /// The answer's body is larger than the client's limit; reading stopped
    /// there, so memory stays bounded whatever the server sends.
    ResponseTooLarge {
        /// HTTP status code.
        status: u16,
        /// The limit, in bytes ([`CrispBuilder::max_response_size`](crate::CrispBuilder::max_response_size)).
        limit: usize,
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
        /// What broke, with its cause chain.
        source: TransportError,
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
    /// The real-time client failed; the [`RtmError`](RtmError) says how.
    #[cfg(feature = "rtm")]
    Rtm(RtmError),
    /// A Web Hook was refused; the [`WebhookError`](crate::webhook::WebhookError) says why.
    #[cfg(feature = "events")]
    Webhook(crate::webhook::WebhookError),
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self { inner: Box::new(Inner { kind, method: None, route: None, path: None, host: None }) }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput { message: message.into() })
    }

    /// Names the request that failed: its method, route template and the
    /// path actually requested. The first naming wins.
    pub(crate) fn at(mut self, method: &http::Method, route: &'static str, path: &str) -> Self {
        if self.inner.method.is_none() {
            self.inner.method = Some(method.clone());
            self.inner.route = Some(route);
            self.inner.path = Some(path.to_owned());
        }
        self
    }

    /// Names the host the request went to, so that a wrong base URL shows.
    pub(crate) fn on(mut self, host: &Arc<str>) -> Self {
        if self.inner.host.is_none() {
            self.inner.host = Some(host.clone());
        }
        self
    }

    /// The host (and port, when not the scheme's default) the failed request
    /// went to: `api.crisp.chat`, or `127.0.0.1:8080` for a local simulator.
    ///
    /// ```
    /// # fn f(err: crisp_api::Error) { eprintln!("could not reach {}", err.host().unwrap_or("Crisp")); }
    /// ```
    pub fn host(&self) -> Option<&str> {
        self.inner.host.as_deref()
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
            | ErrorKind::Redirect { status, .. }
            | ErrorKind::ResponseTooLarge { status, .. }
            | ErrorKind::Decode { status, .. } => Some(*status),
            #[cfg(feature = "rtm")]
            ErrorKind::Rtm(RtmError::Discovery(err)) => err.status(),
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

    /// The route template of the request (`website/{website_id}`), when
    /// known: a stable label for metrics. [`path`](Self::path) is the path
    /// actually requested.
    ///
    /// ```
    /// # fn f(err: crisp_api::Error) { println!("{:?}", err.route()); }
    /// ```
    pub fn route(&self) -> Option<&'static str> {
        self.inner.route
    }

    /// The path actually requested, relative to the base URL, with the ids
    /// filled in (escaped) and without the query: `website/42/conversation/s1`.
    ///
    /// ```
    /// # fn f(err: crisp_api::Error) { eprintln!("{} failed", err.path().unwrap_or("a request")); }
    /// ```
    pub fn path(&self) -> Option<&str> {
        self.inner.path.as_deref()
    }

    /// True when Crisp refused the credentials: a REST 401, or an RTM
    /// `unauthorized` answer (discovery included).
    ///
    /// ```
    /// # fn f(err: crisp_api::Error) { if err.is_unauthorized() { eprintln!("check the key"); } }
    /// ```
    pub fn is_unauthorized(&self) -> bool {
        match &self.inner.kind {
            ErrorKind::Api { status: 401, .. } => true,
            #[cfg(feature = "rtm")]
            ErrorKind::Rtm(RtmError::Unauthorized { .. }) => true,
            _ => false,
        }
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
            #[cfg(feature = "rtm")]
            ErrorKind::Rtm(err) => !err.is_fatal(),
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
        let request = match (&self.inner.method, &self.inner.path, &self.inner.host) {
            (Some(method), Some(path), Some(host)) => format!("{method} {path} on {host}"),
            (Some(method), Some(path), None) => format!("{method} {path}"),
            _ => "the request".to_owned(),
        };
        match &self.inner.kind {
            ErrorKind::Api { status, reason, body_snippet } => {
                write!(f, "Crisp answered {status} {} to {request} with reason `{reason}`", status_text(*status))?;
                if let Some(snippet) = body_snippet {
                    write!(f, "; the body was not a Crisp envelope and starts with: \"{snippet}\"")?;
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
            ErrorKind::Redirect { status, location, cross_origin } => {
                let target = if *cross_origin { "another origin" } else { "the same origin" };
                write!(
                    f,
                    "{request} was answered {status} {}, a redirect to {target} (\"{location}\"); the Crisp API \
                     does not redirect, so it was not followed and nothing was sent there: check the base URL and \
                     any proxy between here and Crisp",
                    status_text(*status)
                )
            }
            ErrorKind::ResponseTooLarge { status, limit } => write!(
                f,
                "the answer to {request} (HTTP {status}) is larger than the {limit}-byte limit, so reading stopped; \
                 raise it with `CrispBuilder::max_response_size` if Crisp really sends such answers"
            ),
            ErrorKind::Timeout { after } => {
                write!(f, "{request} got no complete answer within {:.1} s", after.as_secs_f64())
            }
            ErrorKind::Transport { source, before_sending } => {
                let when = if *before_sending { "could not be sent" } else { "failed in transit" };
                write!(f, "{request} {when}: {source}")
            }
            ErrorKind::Decode { status, path, message, body_snippet } => write!(
                f,
                "the answer to {request} (HTTP {status}) could not be decoded at `{path}`: {message}; body starts with: \"{body_snippet}\""
            ),
            // Refused before any request existed (a builder, `from_env`): the message alone.
            ErrorKind::InvalidInput { message } if self.inner.method.is_none() => f.write_str(message),
            ErrorKind::InvalidInput { message } => write!(f, "{request} was not sent: {message}"),
            #[cfg(feature = "rtm")]
            ErrorKind::Rtm(err) => fmt::Display::fmt(err, f),
            #[cfg(feature = "events")]
            ErrorKind::Webhook(err) => fmt::Display::fmt(err, f),
        }
    }
}

impl fmt::Debug for Error {
    /// The sentence, then the kind and route; `{:#?}` shows every field.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            return f
                .debug_struct("Error")
                .field("kind", &self.inner.kind)
                .field("method", &self.inner.method)
                .field("route", &self.inner.route)
                .field("path", &self.inner.path)
                .field("host", &self.inner.host)
                .finish();
        }
        fmt::Display::fmt(self, f)?;
        write!(f, " [{}", self.inner.kind.name())?;
        if let Some(route) = self.inner.route {
            write!(f, ", route {route}")?;
        }
        f.write_str("]")
    }
}

impl ErrorKind {
    /// The variant's name, as `Debug` of [`Error`] shows it.
    fn name(&self) -> &'static str {
        match self {
            ErrorKind::Api { .. } => "Api",
            ErrorKind::Redirect { .. } => "Redirect",
            ErrorKind::ResponseTooLarge { .. } => "ResponseTooLarge",
            ErrorKind::RateLimited { .. } => "RateLimited",
            ErrorKind::Timeout { .. } => "Timeout",
            ErrorKind::Transport { .. } => "Transport",
            ErrorKind::Decode { .. } => "Decode",
            ErrorKind::InvalidInput { .. } => "InvalidInput",
            #[cfg(feature = "rtm")]
            ErrorKind::Rtm(_) => "Rtm",
            #[cfg(feature = "events")]
            ErrorKind::Webhook(_) => "Webhook",
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.inner.kind {
            ErrorKind::Transport { source, .. } => Some(source),
            #[cfg(feature = "rtm")]
            ErrorKind::Rtm(err) => std::error::Error::source(err),
            #[cfg(feature = "events")]
            ErrorKind::Webhook(err) => std::error::Error::source(err),
            _ => None,
        }
    }
}

#[cfg(feature = "rtm")]
impl From<RtmError> for Error {
    fn from(err: RtmError) -> Self {
        Error::new(ErrorKind::Rtm(err))
    }
}

#[cfg(feature = "events")]
impl From<crate::webhook::WebhookError> for Error {
    fn from(err: crate::webhook::WebhookError) -> Self {
        Error::new(ErrorKind::Webhook(err))
    }
}

/// Text that names none of the values a closed set of Crisp's knows, as
/// parsing user input into one of the crate's enums finds it
/// (`"closed".parse::<ConversationState>()`). It names the known values and,
/// when one is close, the likely intended one.
///
/// ```
/// use crisp_api::models::ConversationState;
///
/// let err = "resolvd".parse::<ConversationState>().unwrap_err();
/// assert_eq!(err.value(), "resolvd");
/// assert!(err.to_string().contains("did you mean `resolved`?"), "{err}");
/// // A value this version does not know yet is still sendable, explicitly.
/// let future = ConversationState::Other("snoozed".into());
/// # let _ = future;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownValue {
    type_name: &'static str,
    value: String,
    known: &'static [&'static str],
}

impl UnknownValue {
    // Unused in a build whose groups declare no enum (only `media`, say).
    #[cfg_attr(not(all(feature = "website", feature = "events")), allow(dead_code))]
    pub(crate) fn new(type_name: &'static str, value: &str, known: &'static [&'static str]) -> Self {
        Self { type_name, value: server_text(value, 100), known }
    }

    /// The text that was refused (escaped and shortened).
    ///
    /// ```
    /// let err = "x".parse::<crisp_api::models::ConversationState>().unwrap_err();
    /// assert_eq!(err.value(), "x");
    /// ```
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The values the type knows.
    ///
    /// ```
    /// let err = "x".parse::<crisp_api::models::ConversationState>().unwrap_err();
    /// assert!(err.known().contains(&"resolved"));
    /// ```
    pub fn known(&self) -> &'static [&'static str] {
        self.known
    }

    /// The known value closest to the refused one, when it is a likely typo:
    /// within a third of its length in single-character edits (at least 1).
    ///
    /// ```
    /// let err = "pendng".parse::<crisp_api::models::ConversationState>().unwrap_err();
    /// assert_eq!(err.suggestion(), Some("pending"));
    /// ```
    pub fn suggestion(&self) -> Option<&'static str> {
        let value = self.value.to_ascii_lowercase();
        let allowed = (value.chars().count() / 3).max(1);
        self.known
            .iter()
            .map(|known| (edit_distance(&value, known), *known))
            .filter(|(distance, _)| *distance <= allowed)
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, known)| known)
    }
}

/// Levenshtein distance over characters; the inputs are short wire values.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a known {}", self.value, self.type_name)?;
        if let Some(suggestion) = self.suggestion() {
            write!(f, " (did you mean `{suggestion}`?)")?;
        }
        write!(f, "; expected one of: {}", self.known.join(", "))
    }
}

impl std::error::Error for UnknownValue {}

impl From<UnknownValue> for Error {
    /// Refused input, before any request.
    fn from(err: UnknownValue) -> Self {
        Error::invalid(err.to_string())
    }
}

/// Text a server sent, made safe to show: control characters (and the
/// Unicode ones that reorder or hide text) become visible escapes instead of
/// acting on a terminal or a log, and the result holds at most `max_chars`
/// characters of the original (`…` marks a cut). Plain ASCII reasons such as
/// `session_not_found` come out unchanged.
pub(crate) fn server_text(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 2));
    for (count, c) in text.chars().enumerate() {
        if count == max_chars {
            out.push('…');
            break;
        }
        let invisible = c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}');
        if invisible {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// [`server_text`] over bytes that may not be UTF-8 (invalid sequences show
/// as U+FFFD), reading at most `max_bytes` of them.
pub(crate) fn server_bytes(bytes: &[u8], max_bytes: usize) -> String {
    let cut = &bytes[..bytes.len().min(max_bytes)];
    let mut text = server_text(&String::from_utf8_lossy(cut), max_bytes);
    if bytes.len() > max_bytes && !text.ends_with('…') {
        text.push('…');
    }
    text
}

/// A URL as an error may show it: credentials (`user:password@`) replaced
/// by `…@`, then escaped and shortened like server text.
pub(crate) fn shown_url(url: &str) -> String {
    let hidden = match (url.find("://"), url.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end && !url[scheme_end + 3..at].contains('/') => {
            format!("{}…{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_owned(),
    };
    server_text(&hidden, 200)
}

/// A broken or refused HTTP connection: what failed (connecting, sending,
/// reading the answer) and the underlying cause, reachable through
/// [`source`](std::error::Error::source).
///
/// ```
/// # fn show(err: &crisp_api::Error) {
/// if let crisp_api::ErrorKind::Transport { source, before_sending } = err.kind() {
///     eprintln!("{source} (nothing sent: {before_sending})");
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct TransportError {
    stage: &'static str,
    cause: Box<dyn std::error::Error + Send + Sync>,
}

impl TransportError {
    pub(crate) fn new(stage: &'static str, cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self { stage, cause: cause.into() }
    }
}

impl fmt::Display for TransportError {
    /// The stage and the whole cause chain, escaped: causes may quote what a
    /// peer sent. URLs never appear (hyper's errors carry none).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = self.stage.to_owned();
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&*self.cause);
        while let Some(err) = cause {
            text.push_str(": ");
            text.push_str(&err.to_string());
            cause = err.source();
        }
        f.write_str(&server_text(&text, 400))
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.cause)
    }
}

/// The error type of the RTM client: here beside [`Error`], since each can
/// hold the other (a discovery failure is a REST error, and an RTM failure
/// converts into one for `?`).
#[cfg(feature = "rtm")]
mod rtm_error {
    use std::time::Duration;

    use super::{Error, ErrorKind};

    /// A boxed error, the cause of a connection failure.
    type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

    /// Why the RTM client could not connect, or stopped.
    ///
    /// [`RtmBuilder::connect`](crate::rtm::RtmBuilder::connect) returns it when the
    /// first session cannot be established. Afterwards the client reconnects on
    /// its own and only reports errors it cannot recover from, as the last item
    /// of the event stream. `Display` gives one sentence that says what to do; it
    /// never contains the key.
    ///
    /// ```no_run
    /// use crisp_api::rtm::RtmError;
    ///
    /// # async fn run(client: crisp_api::Crisp) {
    /// match client.rtm().connect().await {
    ///     Ok(rtm) => drop(rtm), // read events here
    ///     Err(RtmError::Unauthorized { message }) => eprintln!("refused: {message:?}"),
    ///     Err(err) => eprintln!("{err}"),
    /// }
    /// # }
    /// ```
    #[derive(Debug, thiserror::Error)]
    #[non_exhaustive]
    pub enum RtmError {
        /// Crisp refused the credentials (`unauthorized`). The client does not retry.
        #[error(
            "Crisp refused the RTM authentication{}: check the identifier, the key and the tier they were issued for",
            message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default()
        )]
        Unauthorized {
            /// Crisp's message, when it gave one (for example `invalid_session`).
            message: Option<String>,
        },
        /// The REST call that names the RTM endpoint failed, or named none.
        #[error("the RTM endpoint could not be discovered: {0}; RtmBuilder::url sets it without discovery")]
        Discovery(#[source] Error),
        /// The websocket could not be opened, or broke.
        #[error("could not connect to the RTM server at {url}: {reason}")]
        Connect {
            /// The websocket URL.
            url: String,
            /// What failed.
            reason: String,
            /// The underlying error, when there is one.
            #[source]
            source: Option<BoxError>,
        },
        /// The server sent something that is not Engine.IO v4 / Socket.IO v5, or
        /// refused the Socket.IO connection.
        #[error("the RTM server broke the Socket.IO protocol: {message}")]
        Protocol {
            /// What was wrong.
            message: String,
        },
        /// No authenticated session within the connect timeout.
        #[error(
            "no RTM session within {:.1} s: the server did not complete the handshake; check the network or raise RtmBuilder::connect_timeout",
            after.as_secs_f64()
        )]
        Timeout {
            /// The connect timeout that ran out.
            after: Duration,
        },
        /// The client was closed.
        #[error("the RTM client is closed; connect again to receive events")]
        Closed,
        /// The client was not started: missing credentials, an invalid URL, no events.
        #[error("the RTM client was not started: {message}")]
        InvalidInput {
            /// What is wrong and how to fix it.
            message: String,
        },
    }

    impl RtmError {
        pub(crate) fn connect(url: &str, reason: impl Into<String>, source: Option<BoxError>) -> Self {
            RtmError::Connect { url: url.to_owned(), reason: reason.into(), source }
        }

        pub(crate) fn protocol(message: impl Into<String>) -> Self {
            RtmError::Protocol { message: message.into() }
        }

        /// True for errors that will not go away by reconnecting: refused
        /// credentials, a discovery answer that refuses the token, bad input.
        ///
        /// ```
        /// use crisp_api::rtm::RtmError;
        /// assert!(RtmError::Unauthorized { message: None }.is_fatal());
        /// assert!(!RtmError::Timeout { after: std::time::Duration::from_secs(10) }.is_fatal());
        /// ```
        pub fn is_fatal(&self) -> bool {
            match self {
                RtmError::Unauthorized { .. } | RtmError::Closed | RtmError::InvalidInput { .. } => true,
                RtmError::Discovery(err) => {
                    matches!(err.kind(), ErrorKind::InvalidInput { .. })
                        || (matches!(err.status(), Some(400..=499)) && !err.is_retryable())
                }
                RtmError::Connect { .. } | RtmError::Protocol { .. } | RtmError::Timeout { .. } => false,
            }
        }
    }

    #[cfg(test)]
    mod rtm_tests {
        use super::*;

        #[test]
        fn sentences() {
            let err = RtmError::Unauthorized { message: Some("invalid_session".into()) };
            assert_eq!(
                err.to_string(),
                "Crisp refused the RTM authentication (invalid_session): check the identifier, the key and the tier they were issued for"
            );
            assert!(!RtmError::Unauthorized { message: None }.to_string().contains("()"));
            let err = RtmError::Timeout { after: Duration::from_millis(2500) };
            assert!(err.to_string().starts_with("no RTM session within 2.5 s"), "{err}");
            let err = RtmError::connect("ws://127.0.0.1:1/rtm/", "connection refused", None);
            assert_eq!(
                err.to_string(),
                "could not connect to the RTM server at ws://127.0.0.1:1/rtm/: connection refused"
            );
        }
    }
}
#[cfg(feature = "rtm")]
pub use rtm_error::RtmError;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_is_escaped_and_bounded() {
        assert_eq!(server_text("session_not_found", 200), "session_not_found");
        assert_eq!(server_text("a\u{1b}[31mred\r\nforged log line", 200), "a\\u{1b}[31mred\\r\\nforged log line");
        assert_eq!(server_text("abc\u{202e}def", 200), "abc\\u{202e}def");
        assert_eq!(server_text(&"x".repeat(10_000), 200).chars().count(), 201);
        assert_eq!(server_text("héllo", 3), "hél…");
        assert_eq!(server_bytes(b"ab\xffcd", 100), "ab\u{fffd}cd");
        assert!(server_bytes(&[b'y'; 5000], 512).chars().count() <= 513);
    }

    #[test]
    fn unknown_values_name_the_known_ones_and_a_close_one() {
        let err = UnknownValue::new("ConversationState", "closed", &["unresolved", "resolved", "pending"]);
        assert_eq!(err.suggestion(), None, "`closed` is no typo of any of them");
        assert_eq!(
            err.to_string(),
            "`closed` is not a known ConversationState; expected one of: unresolved, resolved, pending"
        );
        let err = UnknownValue::new("EventName", "message:sent", &["message:send", "message:received"]);
        assert_eq!(err.suggestion(), Some("message:send"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        let shown = UnknownValue::new("X", "a\u{1b}[31m", &["a"]).to_string();
        assert!(!shown.contains('\u{1b}'), "{shown}");
    }

    #[test]
    fn urls_are_shown_without_credentials() {
        assert_eq!(shown_url("http://user:secret@proxy:3128"), "http://…@proxy:3128");
        assert_eq!(shown_url("https://api.crisp.chat/v1/x@y"), "https://api.crisp.chat/v1/x@y");
        assert_eq!(shown_url("not a url"), "not a url");
    }

    #[test]
    fn errors_name_the_real_path() {
        let err = Error::new(ErrorKind::Api { status: 404, reason: "not_found".into(), body_snippet: None }).at(
            &http::Method::GET,
            "website/{website_id}",
            "website/42",
        );
        let err = err.on(&Arc::from("api.crisp.chat"));
        let text = err.to_string();
        assert!(text.contains("GET website/42 on api.crisp.chat "), "{text}");
        assert_eq!(err.host(), Some("api.crisp.chat"));
        let debug = format!("{err:?}");
        assert_eq!(debug, format!("{text} [Api, route website/{{website_id}}]"));
        assert!(format!("{err:#?}").contains("route: Some("), "the alternate form shows the fields");
        assert!(!text.contains("{website_id}"), "{text}");
        assert_eq!(err.route(), Some("website/{website_id}"));
        assert_eq!(err.path(), Some("website/42"));
    }
}

//! The request pipeline, in one place: build → send → retry → decode envelope.
//!
//! Every generated endpoint method fills a [`Call`] (route, encoded path,
//! query, body) and hands it to [`Call::execute`], so the behaviour below is
//! the behaviour of all endpoints.
//!
//! Retries are a plain loop rather than a retry crate: the decision depends on
//! what the attempt proved (did the request reach Crisp? did Crisp send
//! `Retry-After`?) and on the whole-call deadline, which is clearer written
//! out than threaded through a generic back-off combinator.
//!
//! Nothing the server sends can exhaust, hang or mislead the caller:
//! - the body is read as a stream and never past
//!   [`CrispBuilder::max_response_size`](crate::CrispBuilder::max_response_size)
//!   (error bodies never past 64 KiB), so memory is bounded by the client,
//!   not by the server;
//! - the per-attempt and whole-call timeouts cover the body too, so a slow
//!   body ends in a timeout;
//! - redirects are never followed: the Crisp API does not redirect, so a 3xx
//!   comes from a proxy or a captive portal, and following it would hand the
//!   credentials and the body to someone else. A 3xx is a typed error and
//!   nothing is sent to its target (same origin or not);
//! - `Retry-After` is read in both forms (seconds, HTTP date), clamped to
//!   [`MAX_RETRY_AFTER`]; anything else is ignored;
//! - text the server sent (reason, body excerpt, decoder message) reaches an
//!   error escaped and shortened, never raw.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::marker::PhantomData;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::client::Crisp;
use crate::error::{Error, ErrorKind, Result, TransportError, server_bytes, server_text};

/// The longest `Retry-After` honoured or reported: a larger value (or a date
/// further away) counts as this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);
/// Error bodies are read up to this size: enough for any envelope or an
/// excerpt of an HTML page.
const ERROR_BODY_LIMIT: usize = 64 * 1024;
/// Characters of a server-sent reason kept in an error.
const REASON_CHARS: usize = 200;
/// Bytes of a body kept as an excerpt in an error.
const SNIPPET_BYTES: usize = 512;

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
    max_attempts: u32,
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
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling =
            self.initial_backoff.saturating_mul(1u32 << attempt.saturating_sub(1).min(16)).min(self.max_backoff);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// A decoded answer together with what came on the wire, for data the models
/// do not (yet) describe.
///
/// ```no_run
/// # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
/// let response = client.website().get_website("website-id").send_with_response().await?;
/// println!("{} {:?}", response.status, response.data.name);
/// let raw: serde_json::Value = response.raw_data()?;
/// println!("every field Crisp sent: {raw}");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Response<T> {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The raw body bytes.
    pub body: Bytes,
    /// The decoded `data` member of the envelope.
    pub data: T,
}

impl<T> Response<T> {
    /// The envelope's `data` as untyped JSON, including fields the model lacks.
    ///
    /// ```no_run
    /// # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
    /// let response = client.website().get_website("website-id").send_with_response().await?;
    /// let raw = response.raw_data()?;
    /// # Ok(()) }
    /// ```
    pub fn raw_data(&self) -> Result<serde_json::Value> {
        #[derive(serde::Deserialize)]
        struct Raw {
            #[serde(default)]
            data: serde_json::Value,
        }
        if crate::decode::is_blank(&self.body) {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice::<Raw>(&self.body).map(|raw| raw.data).map_err(|err| {
            Error::new(ErrorKind::Decode {
                status: self.status.as_u16(),
                path: ".".into(),
                message: server_text(&err.to_string(), 300),
                body_snippet: snippet(&self.body),
            })
        })
    }
}

/// One path parameter, as the generated code passes it.
#[doc(hidden)]
pub enum Segment<'a> {
    /// A value that must stay one path segment: `/`, `?`, `#`, `%` and spaces are escaped.
    One(&'a str),
    /// A value that may span several segments (a helpdesk tree path): each part is escaped.
    Many(&'a str),
}

/// Characters escaped in a path segment: everything but RFC 3986 unreserved
/// characters and a few sub-delimiters Crisp ids use.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'@')
    .remove(b':')
    .remove(b'+');

/// Characters escaped in a query value.
const QUERY: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Appends `/`-separated `segments`, each escaped, keeping the slashes.
fn push_segments(path: &mut String, segments: &str) {
    for (i, part) in segments.split('/').enumerate() {
        if i > 0 {
            path.push('/');
        }
        path.extend(percent_encoding::utf8_percent_encode(part, SEGMENT));
    }
}

#[derive(Clone)]
enum Body {
    None,
    Bytes(Bytes),
    Fields(serde_json::Map<String, serde_json::Value>),
}

/// A request being built by a generated endpoint method. Not used directly:
/// every endpoint has its own builder type wrapping one.
#[doc(hidden)]
pub struct Call<T> {
    client: Crisp,
    method: Method,
    route: &'static str,
    path: String,
    /// Where the page number sits in `path`, for paging streams.
    page: Option<(usize, usize)>,
    /// Query pairs, names and values already escaped; a setter called twice replaces its value.
    query: Vec<(Cow<'static, str>, String)>,
    body: Body,
    idempotent: bool,
    invalid: Option<String>,
    output: PhantomData<fn() -> T>,
}

impl<T> Clone for Call<T> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            method: self.method.clone(),
            route: self.route,
            path: self.path.clone(),
            page: self.page,
            query: self.query.clone(),
            body: self.body.clone(),
            idempotent: self.idempotent,
            invalid: self.invalid.clone(),
            output: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call").field("method", &self.method).field("route", &self.route).finish_non_exhaustive()
    }
}

impl<T> Call<T> {
    /// Starts a request: fills the `{placeholders}` of `route` with `params`
    /// in order, escaping each.
    pub fn new(client: &Crisp, method: Method, route: &'static str, params: &[Segment<'_>], idempotent: bool) -> Self {
        let mut path = String::with_capacity(route.len() + 48);
        let mut invalid = None;
        let mut page = None;
        let mut params = params.iter();
        let mut rest = route;
        while let Some(open) = rest.find('{') {
            path.push_str(&rest[..open]);
            let close = rest[open..].find('}').map_or(rest.len(), |i| open + i);
            let name = &rest[open + 1..close];
            let start = path.len();
            // `.` and `..` would be folded away by URL normalisation and
            // reach another route, so they are refused like empty values.
            let plain = |part: &str| !part.is_empty() && part != "." && part != "..";
            match params.next() {
                Some(Segment::One(value)) if plain(value) => {
                    path.extend(percent_encoding::utf8_percent_encode(value, SEGMENT));
                }
                Some(Segment::Many(value)) if value.trim_matches('/').split('/').all(plain) => {
                    push_segments(&mut path, value.trim_matches('/'));
                }
                Some(Segment::One(value) | Segment::Many(value)) if !value.is_empty() => {
                    invalid.get_or_insert_with(|| {
                        format!("the path parameter `{name}` is `{value}`, which would not stay a path segment")
                    });
                }
                _ => {
                    invalid.get_or_insert_with(|| format!("the path parameter `{name}` is empty"));
                }
            }
            if name == "page_number" {
                if &path[start..] == "0" {
                    invalid.get_or_insert_with(|| "the page number is 0; pages are numbered from 1".to_owned());
                }
                page = Some((start, path.len()));
            }
            rest = &rest[(close + 1).min(rest.len())..];
        }
        path.push_str(rest);
        Self {
            client: client.clone(),
            method,
            route,
            path,
            page,
            query: Vec::new(),
            body: Body::None,
            idempotent,
            invalid,
            output: PhantomData,
        }
    }

    /// A raw call to `path` (relative to the base URL): each `/`-separated
    /// segment is escaped, and empty or dot segments are refused before
    /// sending. Made by [`Crisp::raw`].
    pub(crate) fn raw(client: &Crisp, method: Method, path: &str) -> Self {
        let idempotent = matches!(method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS);
        let mut call = Self::new(client, method, "(raw)", &[], idempotent);
        call.path.clear();
        let trimmed = path.strip_prefix('/').unwrap_or(path);
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        if trimmed.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
            let shown = server_text(path, 200);
            call.invalid = Some(format!(
                "the path `{shown}` has an empty, `.` or `..` segment, which would not reach the route it names"
            ));
        }
        push_segments(&mut call.path, trimmed);
        call
    }

    fn set_query(&mut self, name: Cow<'static, str>, escaped: String) {
        // Names come from the spec or from a user (a CLI): escape the rare odd one.
        let name = if name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')) {
            name
        } else {
            Cow::Owned(percent_encoding::utf8_percent_encode(&name, QUERY).to_string())
        };
        match self.query.iter_mut().find(|(key, _)| *key == name) {
            Some(pair) => pair.1 = escaped,
            None => self.query.push((name, escaped)),
        }
    }

    /// Sets a query parameter, sent as text.
    pub fn query(&mut self, name: impl Into<Cow<'static, str>>, value: impl fmt::Display) {
        let mut raw = String::new();
        let _ = write!(raw, "{value}");
        self.set_query(name.into(), percent_encoding::utf8_percent_encode(&raw, QUERY).to_string());
    }

    /// Sets a flag query parameter, sent as `1` or `0`.
    pub fn query_flag(&mut self, name: impl Into<Cow<'static, str>>, value: bool) {
        self.set_query(name.into(), if value { "1" } else { "0" }.to_owned());
    }

    /// Sets a query parameter holding JSON (arrays and objects are sent
    /// JSON-encoded, as Crisp expects).
    pub fn query_json(&mut self, name: impl Into<Cow<'static, str>>, value: &impl Serialize) {
        let name = name.into();
        match serde_json::to_string(value) {
            Ok(text) => self.query(name, text),
            Err(err) => {
                self.invalid.get_or_insert_with(|| format!("query parameter `{name}` could not be encoded: {err}"));
            }
        }
    }

    /// Sends `{}`: the reference expects a body but this call has no content.
    pub fn body_empty(&mut self) {
        self.body = Body::Bytes(Bytes::from_static(b"{}"));
    }

    /// Sends `value` as the JSON body.
    pub fn body_json(&mut self, value: &impl Serialize) {
        match serde_json::to_vec(value) {
            Ok(bytes) => self.body = Body::Bytes(bytes.into()),
            Err(err) => {
                self.invalid.get_or_insert_with(|| format!("the body could not be encoded: {err}"));
            }
        }
    }

    /// Sets one member of an object body.
    pub fn body_field(&mut self, name: &str, value: impl Serialize) {
        let value = match serde_json::to_value(value) {
            Ok(value) => value,
            Err(err) => {
                self.invalid.get_or_insert_with(|| format!("body field `{name}` could not be encoded: {err}"));
                return;
            }
        };
        match &mut self.body {
            Body::Fields(map) => {
                map.insert(name.to_owned(), value);
            }
            body => {
                let mut map = serde_json::Map::new();
                map.insert(name.to_owned(), value);
                *body = Body::Fields(map);
            }
        }
    }

    /// Lets this call be retried like an idempotent request: the caller
    /// accepts that a write may be applied twice.
    pub fn mark_idempotent(&mut self) {
        self.idempotent = true;
    }

    /// Names the request in an error: method, route and the real path.
    fn name(&self, err: Error) -> Error {
        err.at(&self.method, self.route, &self.path).on(&self.client.inner.host)
    }

    /// Runs the pipeline and returns the raw successful answer. The body is
    /// moved out; the call stays to name the request in errors.
    async fn execute(&mut self) -> Result<(StatusCode, HeaderMap, Bytes)> {
        let body = std::mem::replace(&mut self.body, Body::None);
        let invalid = self.invalid.take();
        let result =
            run(&self.client, &self.method, self.route, &self.path, &self.query, body, self.idempotent, invalid).await;
        result.map_err(|err| self.name(err))
    }

    /// Sends the request and decodes the envelope's `data` into `T`.
    pub async fn send(mut self) -> Result<T>
    where
        T: DeserializeOwned,
    {
        let (status, _, body) = self.execute().await?;
        decode_data(status, &body).map_err(|err| self.name(err))
    }

    /// Sends the request and returns the decoded data with the raw answer.
    pub async fn send_with_response(mut self) -> Result<Response<T>>
    where
        T: DeserializeOwned,
    {
        let (status, headers, body) = self.execute().await?;
        let data = decode_data(status, &body).map_err(|err| self.name(err))?;
        Ok(Response { status, headers, body, data })
    }

    /// Sends a HEAD request: `true` on 2xx, `false` on 404.
    pub async fn send_exists(mut self) -> Result<bool> {
        match self.execute().await {
            Ok(_) => Ok(true),
            Err(err) if err.status() == Some(404) => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// The same request for another page number (pages start at 1; 0 is
    /// refused when sent).
    pub fn with_page(&self, page_number: u32) -> Self {
        let mut next = self.clone();
        if page_number == 0 {
            next.invalid.get_or_insert_with(|| "the page number is 0; pages are numbered from 1".to_owned());
        }
        if let Some((start, end)) = self.page {
            let number = page_number.to_string();
            next.path.replace_range(start..end, &number);
            next.page = Some((start, start + number.len()));
        }
        next
    }

    /// The URL this call reaches, with its path parameters and query escaped
    /// as they are sent: what a dry run shows.
    ///
    /// ```
    /// let client = crisp_api::Crisp::builder().credentials("id", "key").build()?;
    /// let mut call = client.raw(http::Method::GET, "website/w 1/conversations/2");
    /// call.query("per_page", 20);
    /// assert_eq!(call.url(), "https://api.crisp.chat/v1/website/w%201/conversations/2?per_page=20");
    /// # Ok::<(), crisp_api::Error>(())
    /// ```
    pub fn url(&self) -> String {
        request_url(&self.client.inner.base_url, &self.path, &self.query)
    }

    /// The page number currently in the path.
    pub fn page_number(&self) -> u32 {
        self.page.and_then(|(start, end)| self.path[start..end].parse().ok()).unwrap_or(1)
    }
}

impl<T: DeserializeOwned + PartialEq + Clone + Send + 'static> Call<Vec<T>> {
    /// Walks the pages from this call's page number on, item by item, and
    /// ends at the first empty page, or at a page identical to the one
    /// before (a server ignoring the page number would otherwise repeat it
    /// forever).
    pub fn into_item_stream(self) -> impl futures_util::Stream<Item = Result<T>> + Send + 'static {
        use futures_util::{StreamExt as _, TryStreamExt as _, stream};
        let first = self.page_number();
        let pages = stream::try_unfold(Some((self, first, Vec::new())), |state| async move {
            let Some((call, page, previous)) = state else { return Ok::<_, Error>(None) };
            let items: Vec<T> = call.with_page(page).send().await?;
            if items.is_empty() || items == previous {
                return Ok(None);
            }
            let next = page.checked_add(1).map(|next| (call, next, items.clone()));
            Ok(Some((items, next)))
        });
        pages.map_ok(|items| stream::iter(items.into_iter().map(Ok::<T, Error>))).try_flatten().boxed()
    }
}

/// The URL a call reaches: the base URL, the escaped path, and the query
/// pairs (values already escaped) in the order they were set.
fn request_url(base_url: &str, path: &str, query: &[(Cow<'static, str>, String)]) -> String {
    let mut url = String::with_capacity(base_url.len() + path.len() + 64);
    url.push_str(base_url);
    url.push_str(path);
    for (i, (name, value)) in query.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(name);
        url.push('=');
        url.push_str(value);
    }
    url
}

/// What one attempt ended with, for the retry decision.
enum Attempt {
    Done(StatusCode, HeaderMap, Bytes),
    Failed { error: Error, retryable: bool, reached_server: bool, retry_after: Option<Duration> },
}

#[allow(clippy::too_many_arguments)]
async fn run(
    client: &Crisp,
    method: &Method,
    route: &'static str,
    path: &str,
    query: &[(Cow<'static, str>, String)],
    body: Body,
    idempotent: bool,
    invalid: Option<String>,
) -> Result<(StatusCode, HeaderMap, Bytes)> {
    // Build: refuse before sending anything that cannot be right.
    if let Some(message) = invalid {
        return Err(Error::invalid(message));
    }
    let inner = &client.inner;
    let Some(authorization) = inner.authorization.clone() else {
        return Err(Error::invalid("no credentials: call `authenticate(identifier, key)` or set them on the builder"));
    };
    let body = match body {
        Body::None => None,
        Body::Bytes(bytes) => Some(bytes),
        Body::Fields(map) => match serde_json::to_vec(&map) {
            Ok(bytes) => Some(Bytes::from(bytes)),
            Err(err) => return Err(Error::invalid(format!("the body could not be encoded: {err}"))),
        },
    };
    let url = request_url(&inner.base_url, path, query);
    let url: http::Uri = url.parse().map_err(|err| Error::invalid(format!("the request URL is invalid: {err}")))?;

    let span = tracing::debug_span!(
        "crisp.request",
        method = %method,
        route = route,
        status = tracing::field::Empty,
        attempt = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    );
    let started = Instant::now();
    let deadline = crate::support::instant_after(inner.timeout);
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let remaining = deadline.saturating_duration_since(Instant::now());
        let attempt_timeout = inner.attempt_timeout.map_or(remaining, |t| t.min(remaining));

        // Send.
        let mut request = http::Request::new(http_body_util::Full::new(body.clone().unwrap_or_default()));
        *request.method_mut() = method.clone();
        *request.uri_mut() = url.clone();
        let headers = request.headers_mut();
        headers.insert(http::header::AUTHORIZATION, authorization.clone());
        headers.insert("x-crisp-tier", HeaderValue::from_static(inner.tier.as_str()));
        if body.is_some() {
            headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        for (name, value) in &inner.headers {
            headers.append(name, value.clone());
        }
        let read = send_once(&inner.http, request, method, &url, inner.max_response_size);
        let outcome = match tokio::time::timeout(attempt_timeout, read).await {
            Ok(outcome) => outcome,
            Err(_) => Attempt::Failed {
                // Name the configured limit that ran out, not what was left of it.
                error: Error::new(ErrorKind::Timeout {
                    after: inner.attempt_timeout.filter(|t| *t == attempt_timeout).unwrap_or(inner.timeout),
                }),
                retryable: true,
                reached_server: true,
                retry_after: None,
            },
        };

        // Retry or finish.
        let (error, retry_after) = match outcome {
            Attempt::Done(status, headers, bytes) => {
                record(&span, attempt, started, Some(status));
                tracing::debug!(parent: &span, "crisp request done");
                return Ok((status, headers, bytes));
            }
            Attempt::Failed { error, retryable, reached_server, retry_after } => {
                record(&span, attempt, started, error.status().and_then(|s| StatusCode::from_u16(s).ok()));
                let allowed = idempotent || !reached_server;
                if !(retryable && allowed && attempt < inner.retry.max_attempts) {
                    tracing::debug!(parent: &span, error = %error, "crisp request failed");
                    return Err(error);
                }
                (error, retry_after)
            }
        };
        let delay = inner.retry.backoff(attempt).max(retry_after.unwrap_or_default());
        if crate::support::instant_after(delay) >= deadline {
            tracing::debug!(parent: &span, error = %error, "crisp request failed; no time left to retry");
            return Err(error);
        }
        tracing::debug!(parent: &span, error = %error, delay_ms = delay.as_millis() as u64, "crisp request will be retried");
        tokio::time::sleep(delay).await;
    }
}

fn record(span: &tracing::Span, attempt: u32, started: Instant, status: Option<StatusCode>) {
    span.record("attempt", attempt);
    span.record("duration_ms", started.elapsed().as_millis() as u64);
    if let Some(status) = status {
        span.record("status", status.as_u16());
    }
}

/// One attempt: send, read the body (never past `limit`), classify the status.
async fn send_once(
    http: &crate::transport::HttpClient,
    request: http::Request<http_body_util::Full<Bytes>>,
    method: &Method,
    url: &http::Uri,
    limit: usize,
) -> Attempt {
    let response = match http.request(request).await {
        Ok(response) => response,
        Err(source) => {
            // A connection that was never made carried nothing.
            let before_sending = source.is_connect();
            let stage = if before_sending { "could not connect" } else { "the connection failed" };
            let error = Error::new(ErrorKind::Transport { source: TransportError::new(stage, source), before_sending });
            return Attempt::Failed { error, retryable: true, reached_server: !before_sending, retry_after: None };
        }
    };
    let (parts, mut incoming) = response.into_parts();
    let (status, headers) = (parts.status, parts.headers);
    // hyper never follows redirects; this one is reported, not followed.
    if status.is_redirection() {
        let (location, cross_origin) = match headers.get(http::header::LOCATION) {
            Some(value) => {
                let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (server_text(&text, 200), !same_origin(url, &text))
            }
            None => (String::new(), true),
        };
        let error = Error::new(ErrorKind::Redirect { status: status.as_u16(), location, cross_origin });
        return Attempt::Failed { error, retryable: false, reached_server: true, retry_after: None };
    }
    let limit = if status.is_success() { limit } else { limit.min(ERROR_BODY_LIMIT) };
    let (bytes, complete) = match read_body(&mut incoming, limit, status.is_success()).await {
        Ok(read) => read,
        Err(source) => {
            let source = TransportError::new("the response body broke off", source);
            let error = Error::new(ErrorKind::Transport { source, before_sending: false });
            return Attempt::Failed { error, retryable: true, reached_server: true, retry_after: None };
        }
    };
    if status.is_success() && !complete {
        let error = Error::new(ErrorKind::ResponseTooLarge { status: status.as_u16(), limit });
        return Attempt::Failed { error, retryable: false, reached_server: true, retry_after: None };
    }
    if status.is_success() {
        // A 2xx with `"error": true` is still an error.
        if method != Method::HEAD
            && let Some(reason) = envelope_error(&bytes)
        {
            let error = Error::new(ErrorKind::Api { status: status.as_u16(), reason, body_snippet: None });
            return Attempt::Failed { error, retryable: false, reached_server: true, retry_after: None };
        }
        return Attempt::Done(status, headers, bytes);
    }
    let code = status.as_u16();
    let reason = envelope_reason(&bytes);
    if code == 429 || code == 420 {
        let retry_after = headers.get(http::header::RETRY_AFTER).and_then(parse_retry_after);
        let error = Error::new(ErrorKind::RateLimited { status: code, retry_after, reason });
        return Attempt::Failed { error, retryable: true, reached_server: true, retry_after };
    }
    let body_snippet = if reason.is_none() && !bytes.is_empty() { Some(snippet(&bytes)) } else { None };
    let reason = reason.unwrap_or_else(|| if code >= 500 { "server_error" } else { "http_error" }.to_owned());
    let error = Error::new(ErrorKind::Api { status: code, reason, body_snippet });
    Attempt::Failed { error, retryable: code >= 500, reached_server: true, retry_after: None }
}

/// Reads the body as a stream, keeping at most `limit` bytes: the flag is
/// false when the body was longer (then reading stopped at the limit, and
/// the bytes are its start). With `whole`, a declared length over the limit
/// stops it before reading anything (the start is of no use). A body that
/// arrives in one chunk is not copied.
async fn read_body(
    body: &mut hyper::body::Incoming,
    limit: usize,
    whole: bool,
) -> std::result::Result<(Bytes, bool), hyper::Error> {
    use http_body_util::BodyExt as _;
    use hyper::body::Body as _;
    let declared = body.size_hint().exact();
    if whole && declared.is_some_and(|length| length > limit as u64) {
        return Ok((Bytes::new(), false));
    }
    let mut single: Option<Bytes> = None;
    let mut joined = BytesMut::new();
    while let Some(frame) = body.frame().await {
        // Trailers carry no body bytes.
        let Ok(chunk) = frame?.into_data() else { continue };
        let held = single.as_ref().map_or(joined.len(), Bytes::len);
        let room = limit - held;
        if chunk.len() > room {
            joined.extend_from_slice(single.as_deref().unwrap_or_default());
            joined.extend_from_slice(&chunk[..room]);
            return Ok((joined.freeze(), false));
        }
        match single.take() {
            None if joined.is_empty() => single = Some(chunk),
            first => {
                if let Some(first) = first {
                    // Sized once from the declared length when there is one.
                    let expected = declared.map_or(0, |length| length as usize);
                    joined.reserve(expected.max(first.len() + chunk.len()).min(limit));
                    joined.extend_from_slice(&first);
                }
                joined.extend_from_slice(&chunk);
            }
        }
    }
    Ok((single.unwrap_or_else(|| joined.freeze()), true))
}

/// `Retry-After` as seconds (`120`, `0.5`) or as an HTTP date, clamped to
/// [`MAX_RETRY_AFTER`]; a date in the past means now, anything else is ignored.
fn parse_retry_after(value: &HeaderValue) -> Option<Duration> {
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

/// Whether a `Location` value points to the origin (scheme, host, port) of
/// `url`: a relative reference does; an absolute one must match all three.
fn same_origin(url: &http::Uri, location: &str) -> bool {
    let Ok(target) = location.parse::<http::Uri>() else { return false };
    if target.scheme().is_none() && target.authority().is_none() {
        return !location.starts_with("//");
    }
    let port = |uri: &http::Uri| {
        uri.port_u16().or(match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        })
    };
    target.scheme() == url.scheme()
        && target.host().map(str::to_ascii_lowercase) == url.host().map(str::to_ascii_lowercase)
        && port(&target) == port(url)
}

#[derive(serde::Deserialize)]
struct ErrorEnvelope {
    #[serde(default)]
    error: bool,
    #[serde(default)]
    reason: Option<String>,
}

/// The `reason` of a failed envelope, if the body is one, made safe to show.
fn envelope_reason(bytes: &[u8]) -> Option<String> {
    let reason = serde_json::from_slice::<ErrorEnvelope>(bytes).ok().and_then(|envelope| envelope.reason)?;
    Some(server_text(&reason, REASON_CHARS))
}

/// `Some(reason)` when a successful answer says `"error": true`. Only
/// checked when the body starts like an envelope with the error flag set,
/// so the common case costs one byte search.
fn envelope_error(bytes: &[u8]) -> Option<String> {
    let probe = &bytes[..bytes.len().min(64)];
    if !probe.windows(12).any(|w| w == b"\"error\":true") && !probe.windows(13).any(|w| w == b"\"error\": true") {
        return None;
    }
    match serde_json::from_slice::<ErrorEnvelope>(bytes) {
        Ok(ErrorEnvelope { error: true, reason }) => {
            Some(reason.map_or_else(|| "error".to_owned(), |reason| server_text(&reason, REASON_CHARS)))
        }
        _ => None,
    }
}

/// Decodes `data` straight from the body bytes (see [`crate::decode`]).
fn decode_data<T: DeserializeOwned>(status: StatusCode, bytes: &[u8]) -> Result<T> {
    crate::decode::decode_data(status, bytes)
}

/// Runs a body through every decoding step a response takes and returns
/// the error texts a user would see, for the fuzz targets ([`crate::fuzzing`]).
pub(crate) fn decode_texts(status: u16, body: &[u8]) -> Vec<String> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut texts = Vec::new();
    if let Err(err) = decode_data::<serde_json::Value>(status, body) {
        texts.push(err.to_string());
    }
    #[cfg(feature = "website")]
    {
        if let Err(err) = decode_data::<Vec<crate::models::Conversation>>(status, body) {
            texts.push(err.to_string());
        }
        if let Err(err) = decode_data::<crate::models::Conversation>(status, body) {
            texts.push(err.to_string());
        }
    }
    if let Some(reason) = envelope_error(body) {
        texts.push(reason);
    }
    let reason = envelope_reason(body);
    let body_snippet = reason.is_none().then(|| snippet(body));
    let reason = reason.unwrap_or_else(|| "http_error".to_owned());
    let error = Error::new(ErrorKind::Api { status: status.as_u16(), reason, body_snippet });
    texts.push(error.at(&Method::GET, "x/{id}", "x/1").to_string());
    texts
}

/// At most 512 bytes of the body, as escaped text; bytes that are not UTF-8
/// (a character cut at the limit included) show as U+FFFD.
pub(crate) fn snippet(bytes: &[u8]) -> String {
    server_bytes(bytes, SNIPPET_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Crisp {
        Crisp::builder().credentials("id", "key").build().unwrap()
    }

    #[test]
    fn path_segments_are_escaped_and_kept_whole() {
        let call: Call<()> = Call::new(
            &client(),
            Method::GET,
            "website/{website_id}/conversation/{session_id}",
            &[Segment::One("a/b?c#d%e f"), Segment::One("session_1")],
            true,
        );
        assert_eq!(call.path, "website/a%2Fb%3Fc%23d%25e%20f/conversation/session_1");
        assert!(call.invalid.is_none());
    }

    #[test]
    fn empty_path_parameter_is_refused() {
        let call: Call<()> = Call::new(&client(), Method::GET, "website/{website_id}", &[Segment::One("")], true);
        assert_eq!(call.invalid.as_deref(), Some("the path parameter `website_id` is empty"));
    }

    #[test]
    fn dot_segments_are_refused() {
        for value in [".", ".."] {
            let call: Call<()> =
                Call::new(&client(), Method::DELETE, "website/{website_id}", &[Segment::One(value)], true);
            assert!(call.invalid.as_deref().is_some_and(|m| m.contains("would not stay a path segment")), "{value}");
        }
        for value in ["guides/../x", "a//b", "./a"] {
            let call: Call<()> = Call::new(&client(), Method::GET, "tree/{tree_path}", &[Segment::Many(value)], true);
            assert!(call.invalid.is_some(), "{value}");
        }
        let call: Call<()> = Call::new(&client(), Method::GET, "x/{id}", &[Segment::One("...")], true);
        assert_eq!(call.path, "x/...");
    }

    #[test]
    fn huge_timeouts_do_not_overflow() {
        let client = Crisp::builder()
            .credentials("id", "key")
            .base_url("http://127.0.0.1:9/v1/")
            .timeout(Duration::MAX)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let result = runtime.block_on(Call::<serde_json::Value>::new(&client, Method::GET, "x", &[], true).send());
        assert!(result.is_err());
    }

    #[test]
    fn tree_paths_keep_their_slashes() {
        let call: Call<()> = Call::new(
            &client(),
            Method::GET,
            "website/{website_id}/helpdesk/tree/{tree_path}",
            &[Segment::One("w"), Segment::Many("/guides/a b/")],
            true,
        );
        assert_eq!(call.path, "website/w/helpdesk/tree/guides/a%20b");
    }

    #[test]
    fn page_number_can_be_replaced() {
        let call: Call<Vec<()>> = Call::new(
            &client(),
            Method::GET,
            "website/{website_id}/conversations/{page_number}",
            &[Segment::One("w"), Segment::One("9")],
            true,
        );
        let next = call.with_page(10);
        assert_eq!(next.path, "website/w/conversations/10");
        assert_eq!(next.with_page(2).path, "website/w/conversations/2");
        assert_eq!(next.page_number(), 10);
    }

    #[test]
    fn query_values_are_escaped() {
        let mut call: Call<()> = Call::new(&client(), Method::GET, "x", &[], true);
        call.query("search_query", "a b&c=d");
        call.query_flag("filter_unread", true);
        call.query_json("ids", &["x", "y"]);
        call.query_flag("filter_unread", false);
        let pairs: Vec<String> = call.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(pairs, ["search_query=a%20b%26c%3Dd", "filter_unread=0", "ids=%5B%22x%22%2C%22y%22%5D"]);
    }

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

    #[test]
    fn empty_answers_are_successes_only_without_data() {
        let value: serde_json::Value = decode_data(StatusCode::NO_CONTENT, b"").unwrap();
        assert_eq!(value, serde_json::Value::Null);
        let value: Option<u32> = decode_data(StatusCode::OK, b" \r\n").unwrap();
        assert_eq!(value, None);
        let err = decode_data::<Vec<u32>>(StatusCode::OK, b"").unwrap_err();
        assert!(err.to_string().contains("no `data`"), "{err}");
    }

    #[test]
    fn page_zero_is_refused() {
        let route = "website/{website_id}/conversations/{page_number}";
        let call: Call<Vec<()>> =
            Call::new(&client(), Method::GET, route, &[Segment::One("w"), Segment::One("0")], true);
        assert!(call.invalid.as_deref().is_some_and(|m| m.contains("numbered from 1")));
        let call: Call<Vec<()>> =
            Call::new(&client(), Method::GET, route, &[Segment::One("w"), Segment::One("1")], true);
        assert!(call.invalid.is_none());
        assert!(call.with_page(0).invalid.is_some());
    }

    #[test]
    fn raw_paths_are_escaped_segment_by_segment() {
        let call: Call<serde_json::Value> = Call::raw(&client(), Method::GET, "/website/a b/conversation/x?y/");
        assert_eq!(call.path, "website/a%20b/conversation/x%3Fy");
        assert!(call.invalid.is_none());
        assert!(call.idempotent);
        assert!(!Call::<serde_json::Value>::raw(&client(), Method::POST, "website/w/conversation").idempotent);
        for bad in ["website/../plugin", "website//x", "./website", "", "/"] {
            assert!(Call::<serde_json::Value>::raw(&client(), Method::GET, bad).invalid.is_some(), "{bad}");
        }
    }

    #[test]
    fn runtime_query_names_are_escaped() {
        let mut call: Call<()> = Call::new(&client(), Method::GET, "x", &[], true);
        call.query(String::from("filter&x=1"), "v");
        call.query("per_page", 20);
        let pairs: Vec<String> = call.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(pairs, ["filter%26x%3D1=v", "per_page=20"]);
    }

    #[test]
    fn decode_reports_the_json_path() {
        #[derive(serde::Deserialize, Debug)]
        struct Item {
            #[allow(dead_code)]
            count: u32,
        }
        let body = br#"{"error":false,"reason":"listed","data":[{"count":1},{"count":"x"}]}"#;
        let err = decode_data::<Vec<Item>>(StatusCode::OK, body).unwrap_err();
        match err.kind() {
            ErrorKind::Decode { path, .. } => assert_eq!(path, "data[1].count"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn successful_answer_with_error_flag_is_an_error() {
        assert_eq!(
            envelope_error(br#"{"error":true,"reason":"invalid_data","data":{}}"#).as_deref(),
            Some("invalid_data")
        );
        assert_eq!(envelope_error(br#"{"error":false,"reason":"ok","data":{}}"#), None);
    }

    #[test]
    fn snippet_is_bounded() {
        let body = vec![b'x'; 5000];
        assert!(snippet(&body).len() <= 520);
        assert_eq!(snippet(b"<h1>\x1b[2J</h1>"), "<h1>\\u{1b}[2J</h1>");
    }
}

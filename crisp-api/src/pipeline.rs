//! The request pipeline, in one place: build → send → retry → decode envelope.
//!
//! Every call, typed or raw, is a [`Call`](crate::Call) whose request
//! description ([`request`](crate::request)) reaches [`run`] with the
//! client's configuration ([`config`](crate::config)), so the behaviour below
//! is the behaviour of all endpoints. Its parts sit beside it: the retry
//! policy ([`retry`](crate::retry)), the transport
//! ([`transport`](crate::transport)) and the envelope's decoding
//! ([`decode`](crate::decode)).
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
//!   [`MAX_RETRY_AFTER`](crate::MAX_RETRY_AFTER); anything else is ignored;
//! - text the server sent (reason, body excerpt, decoder message) reaches an
//!   error escaped and shortened, never raw.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use tokio::time::Instant;

use crate::config::Config;
use crate::decode::{envelope_error, envelope_reason, snippet};
use crate::error::{Error, ErrorKind, Result, TransportError, server_text};
use crate::request::{Body, Request, request_url};
use crate::retry::parse_retry_after;

/// Error bodies are read up to this size: enough for any envelope or an
/// excerpt of an HTML page.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// What one attempt ended with, for the retry decision.
enum Attempt {
    Done(StatusCode, HeaderMap, Bytes),
    Failed { error: Error, retryable: bool, reached_server: bool, retry_after: Option<Duration> },
}

/// The one orchestrator: sends `request` with `config`, retrying as the
/// request's (or the client's) policy allows within its timeout, and gives
/// the successful answer's status, headers and body, or the error. The body
/// is moved out of `request`; the rest stays, to name it in errors.
pub(crate) async fn run(config: &Config, request: &mut Request) -> Result<(StatusCode, HeaderMap, Bytes)> {
    let body = std::mem::replace(&mut request.body, Body::None);
    let Request { method, route, path, query, idempotent, invalid, timeout, retry, .. } = &*request;
    let (route, idempotent) = (*route, *idempotent);
    // Build: refuse before sending anything that cannot be right.
    if let Some(message) = invalid {
        return Err(Error::invalid(message.clone()));
    }
    let inner = config;
    let timeout = timeout.unwrap_or(inner.timeout);
    let retry = retry.as_ref().unwrap_or(&inner.retry);
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
    let deadline = crate::support::instant_after(timeout);
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
                    after: inner.attempt_timeout.filter(|t| *t == attempt_timeout).unwrap_or(timeout),
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
                if !(retryable && allowed && attempt < retry.max_attempts) {
                    tracing::debug!(parent: &span, error = %error, "crisp request failed");
                    return Err(error);
                }
                (error, retry_after)
            }
        };
        let delay = retry.backoff(attempt).max(retry_after.unwrap_or_default());
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

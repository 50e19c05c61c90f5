//! The request description: what a call will send, built before sending and
//! never touched by the network. Path parameters are escaped here, and
//! whatever cannot be right (an empty id, page 0, a body that does not
//! encode) is recorded to be refused before anything is sent.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::time::Duration;

use bytes::Bytes;
use http::Method;
use serde::Serialize;

use crate::error::server_text;
use crate::retry::RetryPolicy;

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

/// What a request sends as its body.
#[derive(Clone)]
pub(crate) enum Body {
    None,
    Bytes(Bytes),
    Fields(serde_json::Map<String, serde_json::Value>),
}

/// A request as described before sending: method, route, the path with its
/// parameters filled in and escaped, query, body, and the per-request
/// settings. [`Call`](crate::Call) wraps one with the client that sends it.
#[derive(Clone)]
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) route: &'static str,
    pub(crate) path: String,
    /// Where the page number sits in `path`, for paging streams.
    pub(crate) page: Option<(usize, usize)>,
    /// Query pairs, names and values already escaped; a setter called twice replaces its value.
    pub(crate) query: Vec<(Cow<'static, str>, String)>,
    pub(crate) body: Body,
    pub(crate) idempotent: bool,
    /// Why the request must not be sent, found while building it.
    pub(crate) invalid: Option<String>,
    /// This request's whole-call timeout, instead of the client's.
    pub(crate) timeout: Option<Duration>,
    /// This request's retry policy, instead of the client's.
    pub(crate) retry: Option<RetryPolicy>,
}

impl Request {
    /// Starts a request: fills the `{placeholders}` of `route` with `params`
    /// in order, escaping each.
    pub(crate) fn new(method: Method, route: &'static str, params: &[Segment<'_>], idempotent: bool) -> Self {
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
            method,
            route,
            path,
            page,
            query: Vec::new(),
            body: Body::None,
            idempotent,
            invalid,
            timeout: None,
            retry: None,
        }
    }

    /// A raw call to `path` (relative to the base URL): each `/`-separated
    /// segment is escaped, and empty or dot segments are refused before
    /// sending.
    pub(crate) fn raw(method: Method, path: &str) -> Self {
        let idempotent = matches!(method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS);
        let mut call = Self::new(method, "(raw)", &[], idempotent);
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
    pub(crate) fn query(&mut self, name: impl Into<Cow<'static, str>>, value: impl fmt::Display) {
        let mut raw = String::new();
        let _ = write!(raw, "{value}");
        self.set_query(name.into(), percent_encoding::utf8_percent_encode(&raw, QUERY).to_string());
    }

    /// Sets a flag query parameter, sent as `1` or `0`.
    pub(crate) fn query_flag(&mut self, name: impl Into<Cow<'static, str>>, value: bool) {
        self.set_query(name.into(), if value { "1" } else { "0" }.to_owned());
    }

    /// Sets a query parameter holding JSON (arrays and objects are sent
    /// JSON-encoded, as Crisp expects).
    pub(crate) fn query_json(&mut self, name: impl Into<Cow<'static, str>>, value: &impl Serialize) {
        let name = name.into();
        match serde_json::to_string(value) {
            Ok(text) => self.query(name, text),
            Err(err) => {
                self.invalid.get_or_insert_with(|| format!("query parameter `{name}` could not be encoded: {err}"));
            }
        }
    }

    /// Sends `{}`: the reference expects a body but this call has no content.
    pub(crate) fn body_empty(&mut self) {
        self.body = Body::Bytes(Bytes::from_static(b"{}"));
    }

    /// Sends `value` as the JSON body.
    pub(crate) fn body_json(&mut self, value: &impl Serialize) {
        match serde_json::to_vec(value) {
            Ok(bytes) => self.body = Body::Bytes(bytes.into()),
            Err(err) => {
                self.invalid.get_or_insert_with(|| format!("the body could not be encoded: {err}"));
            }
        }
    }

    /// Sets one member of an object body.
    pub(crate) fn body_field(&mut self, name: &str, value: impl Serialize) {
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
    pub(crate) fn mark_idempotent(&mut self) {
        self.idempotent = true;
    }

    /// The same request for another page number (pages start at 1; 0 is
    /// refused when sent).
    pub(crate) fn with_page(&self, page_number: u32) -> Self {
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

    /// The page number currently in the path.
    pub(crate) fn page_number(&self) -> u32 {
        self.page.and_then(|(start, end)| self.path[start..end].parse().ok()).unwrap_or(1)
    }

    /// The URL this request reaches from `base_url`.
    pub(crate) fn url(&self, base_url: &str) -> String {
        request_url(base_url, &self.path, &self.query)
    }
}

/// The URL a call reaches: the base URL, the escaped path, and the query
/// pairs (values already escaped) in the order they were set.
pub(crate) fn request_url(base_url: &str, path: &str, query: &[(Cow<'static, str>, String)]) -> String {
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

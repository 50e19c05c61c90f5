//! Injected faults: what they do to a request ([`FaultKind`]), which
//! requests they hit ([`Fault`]), and the answers they make.

use std::time::Duration;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use serde_json::json;

use crate::wire::envelope;

/// What an injected fault does to a request.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer this status with a Crisp error envelope.
    Status(u16),
    /// Answer 429 or 420, with `Retry-After` seconds when given.
    RateLimit {
        /// 429 or 420.
        status: u16,
        /// `Retry-After` in seconds.
        retry_after: Option<u64>,
    },
    /// Answer 200 with a body that is not JSON.
    MalformedJson,
    /// Answer this status with an HTML page, as a proxy in front of the API would.
    Html(u16),
    /// Start a 200 answer and break the connection halfway through the body.
    TruncatedBody,
    /// Close the connection without answering.
    DropConnection,
    /// Answer normally, after this delay.
    Delay(Duration),
}

/// A fault to inject, on one route or on all.
///
/// ```
/// use std::time::Duration;
/// use crisp_mock::Fault;
/// let fault = Fault::status(503).on_route("website.get_conversation").times(2);
/// let slow = Fault::delay(Duration::from_millis(200));
/// # let _ = (fault, slow);
/// ```
#[derive(Clone, Debug)]
pub struct Fault {
    /// What happens.
    pub kind: FaultKind,
    /// `service.name` of the route, or every route when `None`.
    pub route: Option<String>,
    /// How many requests it affects; `None` for all.
    pub remaining: Option<usize>,
}

impl Fault {
    fn new(kind: FaultKind) -> Self {
        Self { kind, route: None, remaining: None }
    }
    /// Answers with `status` and a Crisp error envelope.
    ///
    /// ```
    /// let fault = crisp_mock::Fault::status(500);
    /// # let _ = fault;
    /// ```
    pub fn status(status: u16) -> Self {
        Self::new(FaultKind::Status(status))
    }
    /// Answers 429 or 420 with an optional `Retry-After` (seconds).
    ///
    /// ```
    /// let fault = crisp_mock::Fault::rate_limit(429, Some(1));
    /// # let _ = fault;
    /// ```
    pub fn rate_limit(status: u16, retry_after: Option<u64>) -> Self {
        Self::new(FaultKind::RateLimit { status, retry_after })
    }
    /// Answers 200 with a body that is not JSON.
    ///
    /// ```
    /// let fault = crisp_mock::Fault::malformed_json();
    /// # let _ = fault;
    /// ```
    pub fn malformed_json() -> Self {
        Self::new(FaultKind::MalformedJson)
    }
    /// Answers `status` with an HTML error page.
    ///
    /// ```
    /// let fault = crisp_mock::Fault::html(502);
    /// # let _ = fault;
    /// ```
    pub fn html(status: u16) -> Self {
        Self::new(FaultKind::Html(status))
    }
    /// Breaks the connection in the middle of a 200 body.
    ///
    /// ```
    /// let fault = crisp_mock::Fault::truncated_body();
    /// # let _ = fault;
    /// ```
    pub fn truncated_body() -> Self {
        Self::new(FaultKind::TruncatedBody)
    }
    /// Closes the connection without answering.
    ///
    /// ```
    /// let fault = crisp_mock::Fault::drop_connection();
    /// # let _ = fault;
    /// ```
    pub fn drop_connection() -> Self {
        Self::new(FaultKind::DropConnection)
    }
    /// Delays the answer.
    ///
    /// ```
    /// let fault = crisp_mock::Fault::delay(std::time::Duration::from_secs(1));
    /// # let _ = fault;
    /// ```
    pub fn delay(delay: Duration) -> Self {
        Self::new(FaultKind::Delay(delay))
    }
    /// Limits the fault to one route, by `service.name` (e.g. `website.get_conversation`).
    ///
    /// ```
    /// let fault = crisp_mock::Fault::status(500).on_route("website.list_conversations");
    /// # let _ = fault;
    /// ```
    pub fn on_route(mut self, route: impl Into<String>) -> Self {
        self.route = Some(route.into());
        self
    }
    /// Limits the fault to the next `n` matching requests.
    ///
    /// ```
    /// let fault = crisp_mock::Fault::status(503).times(1);
    /// # let _ = fault;
    /// ```
    pub fn times(mut self, n: usize) -> Self {
        self.remaining = Some(n);
        self
    }
}

/// Takes the first fault of `faults` that applies to `endpoint`, counting it down.
pub(crate) fn take_first(faults: &mut Vec<Fault>, endpoint: Option<&str>) -> Option<FaultKind> {
    // A fault for zero requests applies to none.
    faults.retain(|f| f.remaining != Some(0));
    let index = faults.iter().position(|f| f.route.as_deref().is_none_or(|r| Some(r) == endpoint))?;
    let fault = &mut faults[index];
    let kind = fault.kind.clone();
    if let Some(remaining) = &mut fault.remaining {
        *remaining = remaining.saturating_sub(1);
        if *remaining == 0 {
            faults.remove(index);
        }
    }
    Some(kind)
}

/// The answer a fault makes (dropping and delaying are done by the server).
pub(crate) fn response(fault: &FaultKind) -> Response {
    match fault {
        FaultKind::Status(status) => {
            let reason = match status {
                400 => "invalid_data",
                401 => "invalid_session",
                403 => "not_allowed",
                404 => "not_found",
                s if *s >= 500 => "internal_error",
                _ => "error",
            };
            envelope(*status, reason, json!({}))
        }
        FaultKind::RateLimit { status, retry_after } => {
            let mut response = envelope(*status, "rate_limited", json!({}));
            if let Some(seconds) = retry_after {
                response.headers_mut().insert(http::header::RETRY_AFTER, HeaderValue::from(*seconds));
            }
            response
        }
        FaultKind::MalformedJson => {
            (StatusCode::OK, [(http::header::CONTENT_TYPE, "application/json")], "{\"error\":false,\"reason\":\"resolved\",\"data\":{\"sess")
                .into_response()
        }
        FaultKind::Html(status) => (
            StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY),
            [(http::header::CONTENT_TYPE, "text/html")],
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>",
        )
            .into_response(),
        FaultKind::TruncatedBody => {
            let head = Bytes::from_static(b"{\"error\":false,\"reason\":\"resolved\",\"data\":{\"session_id\":\"session_");
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![Ok(head), Err(std::io::Error::other("truncated by an injected fault"))];
            let mut response = Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
            response.headers_mut().insert(http::header::CONTENT_LENGTH, HeaderValue::from(4096u32));
            response
        }
        FaultKind::DropConnection | FaultKind::Delay(_) => envelope(500, "internal_error", json!({})),
    }
}

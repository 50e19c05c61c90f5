//! The HTTP side of the mock: an accept loop on hyper (so a fault can drop a
//! connection without answering) in front of an axum router that answers
//! the Crisp routes.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State as AxumState;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::documents;
use crate::routes::{BodyKind, Lookup, Matched, lookup};
use crate::{FaultKind, RecordedRequest, Shared, lock, parse_query};

pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    rtm: socketioxide::layer::SocketIoLayer,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let router = crate::admin::router().fallback(answer).layer(rtm).with_state(shared.clone());
    let mut builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new()).http1_only();
    // A client has this long to send a request head: slow-header connections are closed.
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(shared.config.read_timeout)
        .max_buf_size(MAX_HEAD_BYTES);
    let builder = Arc::new(builder);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    tracing::warn!(%err, "crisp-mock accept failed");
                    // Out of file descriptors, typically: let some close.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = stop.changed() => return,
        };
        let own_cut = ConnectionCut::default();
        let service = MockService { router: router.clone(), shared: shared.clone(), cut: own_cut.clone() };
        let mut stop = stop.clone();
        let stream = Cuttable::new(stream, shared.cut.subscribe(), own_cut.0.subscribe());
        let activity = stream.activity.clone();
        let first_byte = shared.config.read_timeout;
        let builder = builder.clone();
        tokio::spawn(async move {
            // With upgrades, so the RTM websocket can take the connection over
            // (the future then ends, and so does the idle watch).
            let connection = builder.serve_connection_with_upgrades(hyper_util::rt::TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = stop.changed() => {}
                _ = activity.idle(first_byte, KEEP_ALIVE) => {}
            }
        });
    }
}

/// How long a kept-alive connection may stay silent between requests (as nginx).
const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(75);

/// When a connection last read or wrote, to close silent ones.
#[derive(Clone)]
struct Activity {
    born: tokio::time::Instant,
    /// Milliseconds after `born` of the last byte moved; 0 before the first.
    last_ms: Arc<std::sync::atomic::AtomicU64>,
}

impl Activity {
    fn touch(&self) {
        let ms = self.born.elapsed().as_millis().max(1) as u64;
        self.last_ms.store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Resolves once the connection has been silent too long: `first_byte`
    /// before anything was read, `keep_alive` afterwards.
    async fn idle(&self, first_byte: std::time::Duration, keep_alive: std::time::Duration) {
        loop {
            let last = self.last_ms.load(std::sync::atomic::Ordering::Relaxed);
            let limit = if last == 0 { first_byte } else { keep_alive };
            let deadline = self.born + std::time::Duration::from_millis(last) + limit;
            if tokio::time::Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

/// Largest request head (request line and headers) read.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Cuts one connection, whoever holds it (hyper or an upgraded RTM socket);
/// handed to the router in the request extensions.
#[derive(Clone, Default)]
pub(crate) struct ConnectionCut(Arc<tokio::sync::watch::Sender<bool>>);

impl ConnectionCut {
    pub(crate) fn cut(&self) {
        self.0.send_replace(true);
    }
}

/// A connection that fails all reads and writes once the mock cuts
/// connections, whoever holds it by then (hyper, or the websocket after an
/// upgrade), so a cut looks like a network failure to the client.
struct Cuttable<S> {
    inner: S,
    cut: Pin<Box<dyn Future<Output = ()> + Send>>,
    is_cut: bool,
    activity: Activity,
}

impl<S> Cuttable<S> {
    fn new(inner: S, mut all: tokio::sync::watch::Receiver<u64>, mut this: tokio::sync::watch::Receiver<bool>) -> Self {
        all.mark_unchanged();
        let cut = Box::pin(async move {
            // A closed sender means the mock is gone: cut as well.
            tokio::select! {
                _ = all.changed() => {}
                _ = this.wait_for(|cut| *cut) => {}
            }
        });
        let activity = Activity { born: tokio::time::Instant::now(), last_ms: Default::default() };
        Self { inner, cut, is_cut: false, activity }
    }

    fn check(&mut self, cx: &mut std::task::Context<'_>) -> bool {
        if !self.is_cut && self.cut.as_mut().poll(cx).is_ready() {
            self.is_cut = true;
        }
        self.is_cut
    }
}

fn cut_error() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection cut by the mock")
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Cuttable<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if self.check(cx) {
            return std::task::Poll::Ready(Err(cut_error()));
        }
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Cuttable<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.check(cx) {
            return std::task::Poll::Ready(Err(cut_error()));
        }
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, std::task::Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
        if self.check(cx) {
            return std::task::Poll::Ready(Err(cut_error()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Reads and records each request, applies the faults that can only be done
/// below HTTP (dropping the connection), then hands over to the router.
#[derive(Clone)]
struct MockService {
    router: axum::Router,
    shared: Arc<Shared>,
    cut: ConnectionCut,
}

/// The error that makes hyper close the connection without an answer.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

/// Why a body could not be read.
enum BodyError {
    TooLarge,
    TimedOut,
    Broken,
}

impl BodyError {
    fn response(&self, limit: usize) -> Response {
        match self {
            BodyError::TooLarge => {
                envelope(413, "payload_too_large", json!({"message": format!("the body is larger than {limit} bytes")}))
            }
            BodyError::TimedOut => envelope(408, "request_timeout", json!({"message": "the body came too slowly"})),
            BodyError::Broken => envelope(400, "invalid_data", json!({"message": "the body could not be read"})),
        }
    }
}

/// Reads a body of at most `limit` bytes within the read timeout.
async fn read_body<B>(
    body: B,
    headers: &HeaderMap,
    limit: usize,
    timeout: std::time::Duration,
) -> Result<Bytes, BodyError>
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let declared = headers.get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    match tokio::time::timeout(timeout, http_body_util::Limited::new(body, limit).collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(err)) if err.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge),
        Ok(Err(_)) => Err(BodyError::Broken),
        Err(_) => Err(BodyError::TimedOut),
    }
}

/// Largest body the admin state route reads (a fixtures document).
pub(crate) const MAX_STATE_BYTES: usize = 64 * 1024 * 1024;

impl hyper::service::Service<Request<hyper::body::Incoming>> for MockService {
    type Response = Response;
    type Error = Dropped;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Dropped>> + Send>>;

    fn call(&self, mut request: Request<hyper::body::Incoming>) -> Self::Future {
        let this = self.clone();
        request.extensions_mut().insert(self.cut.clone());
        if !request.uri().path().starts_with("/v1/") {
            let config = &this.shared.config;
            if request.uri().path().starts_with("/mock/") {
                // The mock's own routes: bounded like the API, no recording, no faults.
                let limit = if request.uri().path() == "/mock/state" { MAX_STATE_BYTES } else { config.max_body_bytes };
                let timeout = config.read_timeout;
                return Box::pin(async move {
                    let (parts, body) = request.into_parts();
                    let body = match read_body(body, &parts.headers, limit, timeout).await {
                        Ok(body) => body,
                        Err(err) => return Ok(err.response(limit)),
                    };
                    let request = Request::from_parts(parts, Body::from(body));
                    Ok(this.router.oneshot(request).await.unwrap_or_else(|never: Infallible| match never {}))
                });
            }
            // RTM and the playground: the Socket.IO layer bounds its own payloads.
            return Box::pin(async move {
                let request = request.map(Body::new);
                Ok(this.router.oneshot(request).await.unwrap_or_else(|never: Infallible| match never {}))
            });
        }
        Box::pin(async move {
            let shared = &this.shared;
            let (parts, body) = request.into_parts();
            let path = parts.uri.path().to_owned();
            let endpoint = match lookup(parts.method.as_str(), path.strip_prefix("/v1/").unwrap_or("")) {
                Lookup::Found(m) => Some(format!("{}.{}", m.route.service, m.route.name)),
                _ => None,
            };
            let authenticated = credentials_match(shared, &parts.headers);
            let limit = shared.config.max_body_bytes;
            // An unauthenticated body is never read nor kept: it is answered 401 below.
            let body = if authenticated {
                read_body(body, &parts.headers, limit, shared.config.read_timeout).await
            } else {
                drop(body);
                Ok(Bytes::new())
            };
            let recorded = RecordedRequest {
                method: parts.method.to_string(),
                path,
                query: parts.uri.query().map(str::to_owned),
                headers: parts.headers.clone(),
                body: body.as_ref().map(Bytes::clone).unwrap_or_default(),
                endpoint: endpoint.clone(),
            };
            let seq = lock(&shared.requests).push(shared.clock.now_ms(), recorded, authenticated);
            let response = match body {
                Err(err) => err.response(limit),
                Ok(body) => match this.respond(parts, body, endpoint.as_deref()).await {
                    Some(response) => response,
                    None => return Err(Dropped),
                },
            };
            lock(&shared.requests).set_status(seq, response.status().as_u16());
            Ok(response)
        })
    }
}

impl MockService {
    /// Faults, then configured rate limits, then the router; `None` drops the connection.
    async fn respond(&self, parts: http::request::Parts, body: Bytes, endpoint: Option<&str>) -> Option<Response> {
        if let Some(fault) = self.shared.take_fault(endpoint) {
            match fault {
                FaultKind::DropConnection => return None,
                FaultKind::Delay(delay) => tokio::time::sleep(delay).await,
                other => return Some(fault_response(&other)),
            }
        }
        if let Some((status, retry_after)) = lock(&self.shared.limiter).check(endpoint) {
            return Some(fault_response(&FaultKind::RateLimit { status, retry_after: Some(retry_after) }));
        }
        let request = Request::from_parts(parts, Body::from(body));
        Some(self.router.clone().oneshot(request).await.unwrap_or_else(|never: Infallible| match never {}))
    }
}

pub(crate) fn envelope(status: u16, reason: &str, data: Value) -> Response {
    let error = status >= 400;
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({"error": error, "reason": reason, "data": data});
    (status, [(http::header::CONTENT_TYPE, "application/json; charset=utf-8")], body.to_string()).into_response()
}

fn fault_response(fault: &FaultKind) -> Response {
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

/// The `identifier:key` pair of a Basic `Authorization` header; the scheme
/// name is case-insensitive, as HTTP says.
fn basic_credentials(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?.trim_start();
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(token.trim()).ok()?;
    String::from_utf8(decoded).ok()
}

/// Whether the request carries the configured credentials (the tier aside).
fn credentials_match(shared: &Shared, headers: &HeaderMap) -> bool {
    basic_credentials(headers)
        .and_then(|c| c.split_once(':').map(|(i, k)| (i.to_owned(), k.to_owned())))
        .is_some_and(|(identifier, key)| identifier == shared.config.identifier && key == shared.config.key)
}

/// Checks Basic credentials against the configured pair; returns the tier.
fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<&'static str, Box<Response>> {
    if !credentials_match(shared, headers) {
        return Err(Box::new(envelope(
            401,
            "invalid_session",
            json!({"message": "check the token identifier, key and tier"}),
        )));
    }
    match headers.get("x-crisp-tier").map(|v| v.to_str().unwrap_or("")) {
        None | Some("user") => Ok("user"),
        Some("website") => Ok("website"),
        Some("plugin") => Ok("plugin"),
        Some(_) => Err(Box::new(envelope(
            400,
            "invalid_tier",
            json!({"message": "X-Crisp-Tier must be user, website or plugin"}),
        ))),
    }
}

async fn answer(AxumState(shared): AxumState<Arc<Shared>>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let Some(path) = parts.uri.path().strip_prefix("/v1/") else {
        return envelope(404, "route_not_found", json!({}));
    };
    let tier = match authenticate(&shared, &parts.headers) {
        Ok(tier) => tier,
        Err(response) => return *response,
    };
    if parts.method == Method::GET && matches!(path, "user/connect/endpoints" | "website/connect/endpoints") {
        // The RTM discovery routes of the user and website tiers.
        return envelope(200, "resolved", connect_endpoints(&shared));
    }
    let matched = match lookup(parts.method.as_str(), path) {
        Lookup::Found(matched) => matched,
        Lookup::MethodNotAllowed => return envelope(405, "method_not_allowed", json!({})),
        Lookup::NotFound => return envelope(404, "route_not_found", json!({})),
    };
    let mut matched = matched;
    // Parsed once: used to pick among routes sharing a path, then validated.
    let parsed_body: Option<Value> = serde_json::from_slice(&body).ok();
    static NO_BODY: Value = Value::Null;
    let json_body_probe = parsed_body.as_ref().unwrap_or(&NO_BODY);
    if !has_required_fields(matched.route, json_body_probe) {
        // Some reference entries share a method and path and differ by body
        // (batch operations, widget actions): take the one the body fits.
        if let Some(sibling) = crate::ROUTES.iter().find(|r| {
            r.method == matched.route.method && r.path == matched.route.path && has_required_fields(r, json_body_probe)
        }) {
            matched.route = sibling;
        }
    }
    let route = matched.route;
    let effective_tier = if tier == "website" { "user" } else { tier };
    if shared.config.enforce_tiers && !route.tiers.is_empty() && !route.tiers.contains(&effective_tier) {
        return envelope(403, "not_allowed", json!({"message": format!("the {tier} tier cannot use this route")}));
    }
    let page = match matched.params.iter().find(|(name, _)| *name == "page_number") {
        Some((_, value)) => match value.parse::<u32>() {
            Ok(page) if page >= 1 => page as usize,
            _ => return envelope(400, "invalid_data", json!({"message": "page_number must be a positive integer"})),
        },
        None => 1,
    };
    let json_body = match route.body {
        BodyKind::None => Value::Null,
        BodyKind::Empty | BodyKind::Object => match parsed_body {
            Some(value @ Value::Object(_)) => value,
            _ => return envelope(400, "invalid_data", json!({"message": "the body must be a JSON object"})),
        },
    };
    if let Some(missing) = route.required_body_fields.iter().find(|f| json_body.get(**f).is_none()) {
        return envelope(400, "invalid_data", json!({"message": format!("`{missing}` is required")}));
    }
    let query: BTreeMap<String, String> = parse_query(parts.uri.query().unwrap_or("")).into_iter().collect();
    let key = format!("{}.{}", route.service, route.name);
    let custom = lock(&shared.answers).get(&key).cloned();
    let (status, reason, data) = match custom {
        Some((status, data)) => (status, if status >= 400 { "error" } else { "resolved" }, data),
        None => {
            let mut state = lock(&shared.state);
            let website_id = matched.params.iter().find(|(name, _)| *name == "website_id").map(|(_, id)| id.as_str());
            if website_id.is_some_and(|id| !state.websites.contains_key(id)) {
                // Every route of a website Crisp does not know answers alike.
                (404, "website_not_found", json!({}))
            } else {
                let answer = stateful_answer(&shared, &mut state, &matched, page, &query, &json_body)
                    .unwrap_or_else(|| documents::answer(&mut state, &matched, path, page, &parts.method, &json_body));
                shared.flush_events(&mut state);
                answer
            }
        }
    };
    if parts.method == Method::HEAD {
        return StatusCode::from_u16(status).unwrap_or(StatusCode::OK).into_response();
    }
    envelope(status, reason, data)
}

fn has_required_fields(route: &crate::routes::RouteSpec, body: &Value) -> bool {
    route.required_body_fields.iter().all(|f| body.get(*f).is_some())
}

fn connect_endpoints(shared: &Shared) -> Value {
    json!({"socket": {"app": shared.rtm_url, "stream": shared.rtm_url}, "rescue": {"socket": {"app": shared.rtm_url}}})
}

fn stateful_answer(
    shared: &Shared,
    state: &mut crate::state::State,
    m: &Matched,
    page: usize,
    query: &BTreeMap<String, String>,
    body: &Value,
) -> Option<crate::state::Answer> {
    let (w, s, p, f) = (m.param("website_id"), m.param("session_id"), m.param("people_id"), m.param("fingerprint"));
    let website = |state: &crate::state::State| match state.websites.get(w) {
        Some(site) => (200, "resolved", Value::Object(site.fields.clone())),
        None => (404, "website_not_found", json!({})),
    };
    Some(match m.route.name {
        "get_connect_endpoints" => (200, "resolved", connect_endpoints(shared)),
        "get_website" => website(state),
        "check_if_website_exists" => {
            let domain = query.get("domain").cloned().unwrap_or_default();
            let found =
                state.websites.values().any(|site| site.fields.get("domain").is_some_and(|d| d == domain.as_str()));
            if found { (200, "resolved", json!({})) } else { (404, "website_not_found", json!({})) }
        }
        "list_conversations" => state.list_conversations(w, page, query),
        "create_new_conversation" => state.create_conversation(w),
        "check_if_conversation_exists" | "get_conversation" => state.get_conversation(w, s),
        "remove_conversation" => state.remove_conversation(w, s),
        "get_messages_in_conversation" => state.get_messages(w, s, query),
        "send_message_in_conversation" => state.send_message(w, s, body),
        "get_message_in_conversation" => state.get_message(w, s, f),
        "update_message_in_conversation" => state.update_message(w, s, f, body),
        "remove_message_in_conversation" => state.remove_message(w, s, f),
        "get_conversation_metas" => state.get_metas(w, s),
        "update_conversation_metas" => state.update_metas(w, s, body),
        "get_conversation_state" => state.get_state(w, s),
        "change_conversation_state" => state.change_state(w, s, body),
        "get_conversation_routing_assign" => state.get_routing(w, s),
        "assign_conversation_routing" => state.assign_routing(w, s, body),
        "list_people_profiles" => state.list_profiles(w, page, query),
        "list_people_conversations" => state.list_people_conversations(w, p, page),
        "list_website_operators" => state.list_operators(w)?,
        "get_block_status_for_conversation" => state.get_block(w, s),
        "block_incoming_messages_for_conversation" => state.set_block(w, s, body),
        "get_verify_status_for_conversation" => state.get_verify(w, s),
        "update_verify_status_for_conversation" => state.set_verify(w, s, body),
        "add_new_people_profile" => state.add_profile(w, body),
        "check_if_people_profile_exists" | "get_people_profile" => state.get_profile(w, p),
        "save_people_profile" => state.update_profile(w, p, body, true),
        "update_people_profile" => state.update_profile(w, p, body, false),
        "remove_people_profile" => state.remove_profile(w, p),
        _ => return None,
    })
}

/// Sends a user message to `website_id`, creating the conversation when
/// `session_id` is `None`; answers the session id, or the status and reason
/// when the website or the session does not exist.
pub(crate) fn visitor_message(
    shared: &Shared,
    website_id: &str,
    session_id: Option<&str>,
    text: &str,
) -> Result<String, (u16, &'static str)> {
    let mut state = lock(&shared.state);
    let session_id = match session_id {
        Some(id) => id.to_owned(),
        None => match state.create_conversation(website_id) {
            (200, _, data) => data["session_id"].as_str().unwrap_or_default().to_owned(),
            (status, reason, _) => return Err((status, reason)),
        },
    };
    let message = json!({"type": "text", "from": "user", "origin": "chat", "content": text});
    let (status, reason, _) = state.send_message(website_id, &session_id, &message);
    shared.flush_events(&mut state);
    if status == 200 { Ok(session_id) } else { Err((status, reason)) }
}

//! The HTTP side of the mock: an accept loop on hyper (so a fault can drop a
//! connection without answering) that reads, bounds and records each
//! request, applies faults and rate limits, then hands over to the router
//! ([`admin`](crate::admin) and [`api`](crate::api)).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::Request;
use tower::ServiceExt as _;

use crate::auth::credentials_match;
use crate::connection::{ConnectionCut, Cuttable, KEEP_ALIVE, MAX_HEAD_BYTES};
use crate::fault::{self, FaultKind};
use crate::request_log::RecordedRequest;
use crate::route_match::{Lookup, lookup};
use crate::shared::Shared;
use crate::sync::lock;
use crate::wire::read_body;

/// Serves `router` on `listener` until `stop` changes.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    router: axum::Router,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
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
        let stream = Cuttable::new(stream, shared.cut.subscribe(), own_cut.subscribe());
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
            let authenticated = credentials_match(&shared.config, &parts.headers);
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
                other => return Some(fault::response(&other)),
            }
        }
        if let Some((status, retry_after)) = lock(&self.shared.limiter).check(endpoint) {
            return Some(fault::response(&FaultKind::RateLimit { status, retry_after: Some(retry_after) }));
        }
        let request = Request::from_parts(parts, Body::from(body));
        Some(self.router.clone().oneshot(request).await.unwrap_or_else(|never: Infallible| match never {}))
    }
}

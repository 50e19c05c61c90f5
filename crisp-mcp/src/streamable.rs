//! Streamable HTTP: the router (the request gate, a bound on concurrent requests, rmcp's service) and the
//! accept loop that bounds connections and closes slow or silent ones, so stalled clients cost a fixed
//! amount of memory.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::response::{IntoResponse as _, Response};
use crisp_api::Crisp;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

use crate::gate::Gate;
use crate::options::McpOptions;
use crate::server::CrispMcp;

/// The largest request head a client may send.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The router serving `/mcp`; `stop` ends its open event streams.
pub(crate) fn router(client: Crisp, options: McpOptions, stop: CancellationToken) -> axum::Router {
    let limits = options.http_limits.clone();
    let mut config = StreamableHttpServerConfig::default()
        .with_cancellation_token(stop)
        .with_legacy_session_mode(options.http_sessions)
        // One JSON answer per request unless the handler streams notifications first.
        .with_json_response(!options.http_sessions)
        .with_max_request_body_bytes(limits.max_body_bytes);
    if !options.http_allowed_hosts.is_empty() {
        config = config.with_allowed_hosts(options.http_allowed_hosts.clone());
    }
    let gate = Arc::new(Gate::new(client.clone(), Arc::new(options.clone())));
    let server = CrispMcp::new(client, options);
    let service =
        StreamableHttpService::new(move || Ok(server.clone()), Arc::new(LocalSessionManager::default()), config);
    let concurrency = Arc::new(tokio::sync::Semaphore::new(limits.max_concurrent_requests));
    axum::Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn(move |request, next| Arc::clone(&gate).admit(request, next)))
        .layer(
            tower::ServiceBuilder::new()
                .layer(axum::error_handling::HandleErrorLayer::new(overloaded))
                .load_shed()
                .layer(tower::limit::GlobalConcurrencyLimitLayer::with_semaphore(concurrency)),
        )
}

/// The answer to a request beyond the concurrency bound.
async fn overloaded(_: tower::BoxError) -> Response {
    tracing::info!("refused an HTTP request: too many requests at once");
    let mut response =
        (http::StatusCode::SERVICE_UNAVAILABLE, "too many requests at once; retry in a second\n").into_response();
    response.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("1"));
    response
}

/// Serves `router` on `listener` until `shutdown` completes, then cancels `stop` and lets the open
/// connections finish their requests.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    options: &McpOptions,
    stop: CancellationToken,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = options.http_limits.clone();
    let mut builder = hyper::server::conn::http1::Builder::new();
    // A client has `read_timeout` to send a request head, of at most MAX_HEAD_BYTES.
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.read_timeout)
        .max_buf_size(MAX_HEAD_BYTES);
    let builder = Arc::new(builder);
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let mut connections = tokio::task::JoinSet::new();
    let closing = CancellationToken::new();
    let shutdown = {
        let closing = closing.clone();
        async move {
            shutdown.await;
            closing.cancel();
        }
    };
    tokio::pin!(shutdown);
    loop {
        while connections.try_join_next().is_some() {}
        // At the bound, stop accepting (the kernel queues the rest) until a connection closes.
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    tracing::warn!(%err, "accepting a connection failed");
                    // Out of file descriptors, typically: let some close.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let watch = Activity::new();
        let stream = Watched { inner: stream, activity: Arc::clone(&watch) };
        let router = router.clone();
        let in_flight = Arc::clone(&watch);
        let service = hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
            let router = router.clone();
            let guard = InFlight::enter(Arc::clone(&in_flight));
            async move {
                let response = router.oneshot(request.map(Body::new)).await;
                drop(guard);
                response.map_err(|never: Infallible| match never {})
            }
        });
        let builder = Arc::clone(&builder);
        let closing = closing.clone();
        let idle_timeout = limits.idle_timeout;
        connections.spawn(async move {
            let _slot = slot;
            let connection = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                () = watch.idle(idle_timeout) => return,
                () = closing.cancelled() => {}
            }
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        });
    }
    stop.cancel();
    // Idle connections close at once; busy ones finish their request, within a bound.
    let drained =
        tokio::time::timeout(Duration::from_secs(30), async { while connections.join_next().await.is_some() {} });
    if drained.await.is_err() {
        connections.abort_all();
    }
    Ok(())
}

/// When a connection last moved a byte, and how many requests it has in flight.
struct Activity {
    started: Instant,
    last_ms: AtomicU64,
    in_flight: AtomicUsize,
}

impl Activity {
    fn new() -> Arc<Self> {
        Arc::new(Self { started: Instant::now(), last_ms: AtomicU64::new(0), in_flight: AtomicUsize::new(0) })
    }

    fn touch(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(now, Ordering::Relaxed);
    }

    /// Completes once the connection has been silent for `timeout` with no request in flight.
    async fn idle(&self, timeout: Duration) {
        loop {
            let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            let silent = self.started.elapsed().saturating_sub(last);
            if silent >= timeout && self.in_flight.load(Ordering::Relaxed) == 0 {
                return;
            }
            tokio::time::sleep(timeout.saturating_sub(silent).max(Duration::from_millis(100))).await;
        }
    }
}

/// Counts a request as in flight until its response is ready.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn enter(activity: Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        Self(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A stream that notes each byte it moves.
struct Watched<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, std::task::Poll::Ready(Ok(written)) if written > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

//! The HTTP transport under the pipeline: hyper's pooled HTTP/1.1 client
//! over rustls, reaching Crisp directly or through an HTTP proxy tunnel.
//!
//! The pipeline needs exactly one request at a time on a pooled connection,
//! with its own timeouts, retries, body limit and redirect refusal; a
//! general-purpose client would add a second layer of each per call. Driving
//! hyper-util's pool directly keeps the per-call cost near hyper's own and
//! leaves a smaller dependency tree to compile.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::Uri;
use http::uri::Scheme;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpStream;

use crate::error::{Error, Result};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The pooled client every call of a [`Crisp`](crate::Crisp) handle shares.
pub(crate) type HttpClient = Client<hyper_rustls::HttpsConnector<ProxyConnector>, Full<Bytes>>;

/// Where requests go: straight to the server, or through a proxy.
#[derive(Clone, Debug, Default)]
pub(crate) enum ProxySetting {
    /// `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` from the environment (either case).
    #[default]
    FromEnvironment,
    /// This proxy for every `https` request.
    Url(String),
    /// Always straight to the server.
    None,
}

/// Builds the pooled client: TLS through `tls` (rustls), TCP connections
/// made within `connect_timeout`, idle connections closed after 45 s.
pub(crate) fn http_client(
    mut tls: rustls::ClientConfig,
    proxy: &ProxySetting,
    connect_timeout: Duration,
) -> Result<HttpClient> {
    let proxy = match proxy {
        ProxySetting::FromEnvironment => Some(Matcher::from_env()),
        ProxySetting::Url(url) => {
            let shown = crate::error::shown_url(url);
            let uri: Uri =
                url.parse().map_err(|err| Error::invalid(format!("the proxy `{shown}` is not a URL ({err})")))?;
            if uri.scheme() != Some(&Scheme::HTTP) || uri.authority().is_none() {
                return Err(Error::invalid(format!("the proxy `{shown}` must be an http:// URL with a host")));
            }
            Some(Matcher::builder().all(url.clone()).build())
        }
        ProxySetting::None => None,
    };
    let mut direct = HttpConnector::new();
    // TLS is layered on top by hyper-rustls, which needs `https` URIs let through.
    direct.enforce_http(false);
    direct.set_connect_timeout(Some(connect_timeout));
    direct.set_nodelay(true);
    let connector = ProxyConnector { direct, proxy: proxy.map(Arc::new) };
    // Requests are HTTP/1.1 only; hyper-rustls sets ALPN itself (and refuses a config that already has it).
    tls.alpn_protocols.clear();
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(connector);
    Ok(Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(45))
        .pool_timer(TokioTimer::new())
        .build(https))
}

/// A TCP connector that tunnels `https` connections through a proxy (HTTP
/// `CONNECT`) when the proxy setting intercepts the target. Plain `http`
/// targets (a local simulator) are always reached directly.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    direct: HttpConnector,
    proxy: Option<Arc<Matcher>>,
}

impl tower_service::Service<Uri> for ProxyConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = std::result::Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<std::result::Result<(), BoxError>> {
        self.direct.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, target: Uri) -> Self::Future {
        let intercept = match &self.proxy {
            Some(matcher) if target.scheme() == Some(&Scheme::HTTPS) => matcher.intercept(&target),
            _ => None,
        };
        let mut direct = self.direct.clone();
        match intercept {
            Some(intercept) => {
                let mut tunnel = Tunnel::new(intercept.uri().clone(), direct);
                if let Some(auth) = intercept.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                Box::pin(async move { tunnel.call(target).await.map_err(Into::into) })
            }
            None => Box::pin(async move { direct.call(target).await.map_err(Into::into) }),
        }
    }
}

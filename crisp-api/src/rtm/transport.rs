//! Opening the websocket: TCP, TLS with rustls for `wss`, then the HTTP upgrade.
//!
//! The websocket layer is `tokio-websockets`, which logs nothing: the
//! authentication frame carries the key, and a library that traces frame
//! payloads (as `tungstenite` does at trace level) would put it in the logs
//! of any application that forwards `log` records.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_websockets::{Limits, WebSocketStream};

use super::RtmError;

pub(crate) type Socket = WebSocketStream<Transport>;

/// The most the server's answer to the websocket upgrade may hold; the
/// upgrade parser would otherwise buffer whatever comes until the timeout.
const HANDSHAKE_LIMIT: usize = 64 * 1024;

/// A plain or TLS TCP stream, with a read budget while the upgrade runs.
pub(crate) struct Transport {
    stream: Stream,
    /// Bytes that may still be read; `None` once the websocket is open (its
    /// messages are bounded by the websocket limits instead).
    budget: Option<usize>,
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Transport {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let Some(budget) = this.budget else {
            return match &mut this.stream {
                Stream::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
                Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
            };
        };
        if budget == 0 {
            return Poll::Ready(Err(io::Error::other("the answer to the websocket upgrade is too large")));
        }
        // Only during the upgrade: read into at most `budget` bytes of `buf`.
        let want = budget.min(buf.remaining());
        let mut limited = ReadBuf::new(buf.initialize_unfilled_to(want));
        let poll = match &mut this.stream {
            Stream::Plain(stream) => Pin::new(stream).poll_read(cx, &mut limited),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, &mut limited),
        };
        let read = limited.filled().len();
        buf.advance(read);
        this.budget = Some(budget - read);
        poll
    }
}

impl AsyncWrite for Transport {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().stream {
            Stream::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().stream {
            Stream::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().stream {
            Stream::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The REST client's TLS configuration (its roots, or those given to
/// `CrispBuilder::tls_config`), announcing HTTP/1.1 for the websocket upgrade.
pub(crate) fn tls_config(client: &crate::Crisp) -> Arc<rustls::ClientConfig> {
    let mut config = (*client.config().tls).clone();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// Opens the websocket to `url` (`ws` or `wss`, as made by `websocket_url`);
/// a message (all its frames together) may hold at most `max_message_size` bytes.
pub(crate) async fn open(
    url: &Uri,
    tls: &Arc<rustls::ClientConfig>,
    max_message_size: usize,
) -> Result<Socket, RtmError> {
    let shown = &url.to_string();
    let fail = |reason: &str, err: Option<Box<dyn std::error::Error + Send + Sync>>| {
        let reason = match &err {
            Some(err) => format!("{reason}: {err}"),
            None => reason.to_owned(),
        };
        RtmError::connect(shown, reason, err)
    };
    let scheme = url.scheme_str().unwrap_or_default();
    let port = url.port_u16().unwrap_or(super::endpoint::default_port(scheme));
    // IPv6 hosts come bracketed in URLs.
    let host = url.host().ok_or_else(|| fail("the URL has no host", None))?;
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    let tcp = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => TcpStream::connect((ip, port)).await,
        Err(_) => TcpStream::connect((host, port)).await,
    }
    .map_err(|err| fail("the TCP connection failed", Some(err.into())))?;
    // Small frames (pongs, binds) should leave at once.
    let _ = tcp.set_nodelay(true);

    let transport = if scheme == "wss" {
        let name = rustls::pki_types::ServerName::try_from(host.to_owned())
            .map_err(|err| fail("the host is not a valid TLS server name", Some(err.into())))?;
        let stream = TlsConnector::from(tls.clone())
            .connect(name, tcp)
            .await
            .map_err(|err| fail("the TLS handshake failed", Some(err.into())))?;
        Stream::Tls(Box::new(stream))
    } else {
        Stream::Plain(tcp)
    };
    let transport = Transport { stream: transport, budget: Some(HANDSHAKE_LIMIT) };

    let user_agent = http::HeaderValue::from_static(concat!("crisp-api-rust/", env!("CARGO_PKG_VERSION")));
    let builder = tokio_websockets::ClientBuilder::new()
        .uri(shown)
        .map_err(|err| fail("the URL is not usable", Some(err.into())))?
        .add_header(http::header::USER_AGENT, user_agent)
        .map_err(|err| fail("the URL is not usable", Some(err.into())))?
        .limits(Limits::default().max_payload_len(Some(max_message_size)));
    let (mut socket, _) =
        builder.connect_on(transport).await.map_err(|err| fail("the websocket upgrade failed", Some(err.into())))?;
    socket.get_mut().budget = None;
    Ok(socket)
}

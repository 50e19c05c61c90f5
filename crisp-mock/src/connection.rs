//! One connection's life below HTTP: cutting it (for every connection at
//! once, or one RTM socket), and noticing when it has been silent too long.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// How long a kept-alive connection may stay silent between requests (as nginx).
pub(crate) const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(75);

/// When a connection last read or wrote, to close silent ones.
#[derive(Clone)]
pub(crate) struct Activity {
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
    pub(crate) async fn idle(&self, first_byte: std::time::Duration, keep_alive: std::time::Duration) {
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
pub(crate) const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Cuts one connection, whoever holds it (hyper or an upgraded RTM socket);
/// handed to the router in the request extensions.
#[derive(Clone, Default)]
pub(crate) struct ConnectionCut(Arc<tokio::sync::watch::Sender<bool>>);

impl ConnectionCut {
    pub(crate) fn cut(&self) {
        self.0.send_replace(true);
    }

    /// Resolves (changes to `true`) when this connection is cut.
    pub(crate) fn subscribe(&self) -> tokio::sync::watch::Receiver<bool> {
        self.0.subscribe()
    }
}

/// A connection that fails all reads and writes once the mock cuts
/// connections, whoever holds it by then (hyper, or the websocket after an
/// upgrade), so a cut looks like a network failure to the client.
pub(crate) struct Cuttable<S> {
    inner: S,
    cut: Pin<Box<dyn Future<Output = ()> + Send>>,
    is_cut: bool,
    pub(crate) activity: Activity,
}

impl<S> Cuttable<S> {
    pub(crate) fn new(
        inner: S,
        mut all: tokio::sync::watch::Receiver<u64>,
        mut this: tokio::sync::watch::Receiver<bool>,
    ) -> Self {
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

//! The background task: one connection at a time, from discovery to its end,
//! then back-off and the next one, until the client closes or a fatal error.
//!
//! Everything the task waits on is selected together with the command
//! channel and the closing of the event channel, so `close()` and dropping
//! the client are noticed wherever the task is: dialing, backing off,
//! reading, or waiting for the consumer to make room.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use http::Uri;
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_websockets::Message;
use tracing::Instrument as _;

use super::endpoint;
use super::packet::{self, DEFAULT_NAMESPACE, Packet, SocketPacket};
use super::state::ConnectionState;
use super::transport::{self, Socket};
use crate::client::Crisp;
use crate::error::RtmError;
use crate::error::server_text;
use crate::events::Event;

/// How long a session must stay authenticated to count as healthy: only
/// then does the reconnection count start again from 1. A server that drops
/// every connection right after authenticating thus meets the growing
/// back-off instead of a reconnection storm.
pub(crate) const HEALTHY_SESSION: Duration = Duration::from_secs(30);

/// What the client asks of the task.
pub(crate) enum Command {
    /// A subscription change; answered once sent, or once recorded for the next authentication.
    Bind { op: BindOp, reply: oneshot::Sender<()> },
    /// Stop: leave the namespace, close the websocket, end the stream.
    Close,
}

pub(crate) enum BindOp {
    Rebind,
    Push(Vec<String>),
    Pop(Vec<String>),
}

/// State shared with the handles.
pub(crate) struct Shared {
    /// The events sent with every authentication, in subscription order.
    subscriptions: Mutex<Vec<String>>,
}

impl Shared {
    pub(crate) fn new(events: Vec<String>) -> Self {
        Self { subscriptions: Mutex::new(events) }
    }

    pub(crate) fn subscriptions(&self) -> Vec<String> {
        self.subscriptions.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn apply(&self, op: &BindOp) {
        let mut events = self.subscriptions.lock().unwrap_or_else(PoisonError::into_inner);
        match op {
            BindOp::Rebind => {}
            BindOp::Push(added) => {
                for event in added {
                    if !events.contains(event) {
                        events.push(event.clone());
                    }
                }
            }
            BindOp::Pop(removed) => events.retain(|event| !removed.contains(event)),
        }
    }
}

/// What the task needs to connect, fixed for its lifetime.
pub(crate) struct Settings {
    pub(crate) client: Crisp,
    pub(crate) identifier: String,
    pub(crate) key: SecretString,
    /// An explicit websocket URL; discovery runs before each connection otherwise.
    pub(crate) url: Option<Uri>,
    pub(crate) tls: Arc<rustls::ClientConfig>,
    pub(crate) backoff_min: Duration,
    pub(crate) backoff_max: Duration,
    pub(crate) connect_timeout: Duration,
    /// The largest websocket message accepted, in bytes.
    pub(crate) max_message_size: usize,
}

pub(crate) type Item = Result<Event, RtmError>;

pub(crate) struct Worker {
    pub(crate) settings: Settings,
    pub(crate) shared: Arc<Shared>,
    pub(crate) commands: mpsc::Receiver<Command>,
    pub(crate) events: mpsc::Sender<Item>,
    pub(crate) state: watch::Sender<ConnectionState>,
}

/// What the task does next.
enum Flow {
    Continue,
    /// The client closed or was dropped.
    Shutdown,
    /// The connection is gone; reconnect (unless this was the first attempt).
    Lost(RtmError),
    /// Stop for good and report the error.
    Fatal(RtmError),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    /// Waiting for the Engine.IO open packet.
    Open,
    /// `40` sent, waiting for the server's `40`.
    Connect,
    /// `authentication` sent, waiting for `authenticated`.
    Auth,
    Ready,
}

struct Conn {
    socket: Socket,
    url: String,
    phase: Phase,
    /// Ping interval plus ping timeout, once the session is open.
    heartbeat: Option<Duration>,
    /// When the server counts as gone if nothing arrives.
    alive_until: Instant,
    /// When this attempt must be authenticated.
    deadline: Instant,
    /// When Crisp accepted the credentials on this connection.
    authenticated_at: Option<Instant>,
    /// Subscription changes made while the authentication was in flight.
    queued: Vec<BindOp>,
}

impl Conn {
    fn touch(&mut self) {
        if let Some(heartbeat) = self.heartbeat {
            self.alive_until = after(heartbeat);
        }
    }

    fn lost(&self, reason: &str) -> Flow {
        Flow::Lost(RtmError::connect(&self.url, reason, None))
    }

    /// True once the session has stayed authenticated for [`HEALTHY_SESSION`].
    fn healthy(&self) -> bool {
        self.authenticated_at.is_some_and(|at| at.elapsed() >= HEALTHY_SESSION)
    }

    /// The time a write may take: the setting, and during the handshake no
    /// more than what is left of the connect timeout.
    fn write_limit(&self, limit: Duration) -> Duration {
        match self.phase {
            Phase::Ready => limit,
            _ => limit.min(self.deadline.saturating_duration_since(Instant::now())),
        }
    }
}

use crate::support::instant_after as after;

/// The official client's back-off: `min * 2^(attempt-1)`, at most `max`,
/// then moved up or down by up to 75 % at random so that clients dropped
/// together do not come back together.
pub(crate) fn backoff(attempt: u32, min: Duration, max: Duration, spread: f64, up: bool) -> Duration {
    const RANDOMIZATION: f64 = 0.75;
    let base = min.saturating_mul(1u32 << attempt.saturating_sub(1).min(24)).min(max);
    let spread = if spread.is_finite() { spread.clamp(0.0, 1.0) } else { 0.0 };
    let deviation = base.mul_f64(RANDOMIZATION * spread);
    let delay = if up { base.saturating_add(deviation) } else { base.saturating_sub(deviation) };
    delay.min(max)
}

impl Worker {
    pub(crate) async fn run(mut self, ready: oneshot::Sender<Result<(), RtmError>>) {
        let mut ready = Some(ready);
        let mut failures: u32 = 0;
        loop {
            let span = tracing::debug_span!("crisp.rtm.connect", attempt = failures);
            let (flow, healthy) = self.attempt(&mut ready).instrument(span).await;
            let error = match flow {
                Flow::Continue | Flow::Shutdown => break,
                Flow::Fatal(error) => {
                    tracing::debug!(%error, "crisp rtm stopped");
                    self.report(&mut ready, error).await;
                    break;
                }
                Flow::Lost(error) => error,
            };
            if let Some(ready) = ready.take() {
                // The first connection is not retried: `connect()` reports why.
                let _ = ready.send(Err(error));
                break;
            }
            tracing::debug!(%error, "crisp rtm connection lost");
            failures = if healthy { 1 } else { failures.saturating_add(1) };
            self.state.send_replace(ConnectionState::Reconnecting { attempt: failures });
            let delay = backoff(
                failures,
                self.settings.backoff_min,
                self.settings.backoff_max,
                fastrand::f64(),
                fastrand::bool(),
            );
            tracing::debug!(attempt = failures, delay_ms = delay.as_millis() as u64, "crisp rtm reconnecting");
            if let Flow::Shutdown = self.idle(delay).await {
                break;
            }
        }
        self.state.send_replace(ConnectionState::Closed);
        tracing::debug!("crisp rtm closed");
    }

    /// Gives a fatal error to whoever waits: `connect()`, or the stream.
    async fn report(&mut self, ready: &mut Option<oneshot::Sender<Result<(), RtmError>>>, error: RtmError) {
        match ready.take() {
            Some(ready) => {
                let _ = ready.send(Err(error));
            }
            None => {
                let _ = self.deliver(None, Err(error)).await;
            }
        }
    }

    /// One connection, from dialing to its end. Also says whether the
    /// session was healthy (authenticated for long enough).
    async fn attempt(&mut self, ready: &mut Option<oneshot::Sender<Result<(), RtmError>>>) -> (Flow, bool) {
        let deadline = after(self.settings.connect_timeout);
        let opened = {
            let dial = tokio::time::timeout_at(deadline, dial(&self.settings));
            tokio::pin!(dial);
            loop {
                tokio::select! {
                    result = &mut dial => break result,
                    command = self.commands.recv() => {
                        if let Flow::Shutdown = offline(&self.shared, command) {
                            return (Flow::Shutdown, false);
                        }
                    }
                    () = self.events.closed() => return (Flow::Shutdown, false),
                }
            }
        };
        let (socket, url) = match opened {
            Ok(Ok(opened)) => opened,
            Ok(Err(error)) if error.is_fatal() => return (Flow::Fatal(error), false),
            Ok(Err(error)) => return (Flow::Lost(error), false),
            Err(_) => return (Flow::Lost(RtmError::Timeout { after: self.settings.connect_timeout }), false),
        };
        let mut conn = Conn {
            socket,
            url,
            phase: Phase::Open,
            heartbeat: None,
            alive_until: deadline,
            deadline,
            authenticated_at: None,
            queued: Vec::new(),
        };
        let flow = self.serve(&mut conn, ready).await;
        let healthy = conn.healthy();
        // A lost connection is just dropped: its peer may not answer anymore.
        if matches!(flow, Flow::Shutdown | Flow::Fatal(_)) {
            close(&mut conn).await;
        }
        (flow, healthy)
    }

    /// Reads the connection and answers commands until it ends.
    async fn serve(&mut self, conn: &mut Conn, ready: &mut Option<oneshot::Sender<Result<(), RtmError>>>) -> Flow {
        loop {
            // Checked on every turn, not only when the timer wins the select
            // below: a server flooding frames must not stretch the handshake.
            if conn.phase != Phase::Ready && Instant::now() >= conn.deadline {
                return Flow::Lost(RtmError::Timeout { after: self.settings.connect_timeout });
            }
            let wake = match conn.phase {
                Phase::Ready => conn.alive_until,
                _ => conn.alive_until.min(conn.deadline),
            };
            // In order: rare commands cannot be starved by a busy socket, and
            // frames already received count before the timer does (the
            // consumer may have held the task up past the deadline).
            let flow = tokio::select! {
                biased;
                command = self.commands.recv() => self.online(conn, command).await,
                () = self.events.closed() => Flow::Shutdown,
                message = conn.socket.next() => self.on_message(conn, message, ready).await,
                () = tokio::time::sleep_until(wake) => match conn.heartbeat {
                    Some(heartbeat) if Instant::now() >= conn.alive_until => conn.lost(&format!(
                        "the server sent nothing for {:.1} s (ping interval plus ping timeout)",
                        heartbeat.as_secs_f64()
                    )),
                    _ => Flow::Lost(RtmError::Timeout { after: self.settings.connect_timeout }),
                },
            };
            if !matches!(flow, Flow::Continue) {
                return flow;
            }
        }
    }

    async fn on_message(
        &mut self,
        conn: &mut Conn,
        message: Option<Result<Message, tokio_websockets::Error>>,
        ready: &mut Option<oneshot::Sender<Result<(), RtmError>>>,
    ) -> Flow {
        let message = match message {
            None => return conn.lost("the server closed the connection"),
            Some(Err(tokio_websockets::Error::PayloadTooLong { max_len, .. })) => {
                return Flow::Lost(RtmError::protocol(format!(
                    "the server sent a message larger than the {max_len}-byte limit (RtmBuilder::max_message_size)"
                )));
            }
            Some(Err(err)) => {
                let reason = server_text(&format!("the connection broke: {err}"), 300);
                return Flow::Lost(RtmError::connect(&conn.url, reason, Some(err.into())));
            }
            Some(Ok(message)) => message,
        };
        conn.touch();
        if let Some(text) = message.as_text() {
            return match packet::parse(text) {
                Ok(packet) => self.on_packet(conn, packet, ready).await,
                Err(err) => Flow::Lost(RtmError::protocol(err.to_string())),
            };
        }
        if message.is_close() {
            return conn.lost("the server closed the websocket");
        }
        if message.is_binary() {
            tracing::debug!("crisp rtm ignored a binary frame");
        }
        // The websocket layer answers websocket pings itself.
        Flow::Continue
    }

    async fn on_packet(
        &mut self,
        conn: &mut Conn,
        packet: Packet,
        ready: &mut Option<oneshot::Sender<Result<(), RtmError>>>,
    ) -> Flow {
        match packet {
            Packet::Open(handshake) if conn.phase == Phase::Open => {
                tracing::debug!(
                    ping_interval_ms = handshake.ping_interval,
                    ping_timeout_ms = handshake.ping_timeout,
                    "crisp rtm session open"
                );
                conn.heartbeat = Some(handshake.heartbeat_timeout());
                conn.touch();
                conn.phase = Phase::Connect;
                send(conn, "40", self.settings.connect_timeout).await
            }
            Packet::Open(_) => Flow::Lost(RtmError::protocol("the server opened the session twice")),
            Packet::Ping(_) => send(conn, "3", self.settings.connect_timeout).await,
            Packet::Pong(_) | Packet::Noop | Packet::Upgrade => Flow::Continue,
            Packet::Close => conn.lost("the server closed the Engine.IO session"),
            Packet::Message(_) if conn.phase == Phase::Open => {
                Flow::Lost(RtmError::protocol("a message arrived before the session was open"))
            }
            Packet::Message(packet) => self.on_socket_packet(conn, packet, ready).await,
        }
    }

    async fn on_socket_packet(
        &mut self,
        conn: &mut Conn,
        packet: SocketPacket,
        ready: &mut Option<oneshot::Sender<Result<(), RtmError>>>,
    ) -> Flow {
        let namespace = match &packet {
            SocketPacket::Connect { namespace, .. }
            | SocketPacket::Disconnect { namespace }
            | SocketPacket::Event { namespace, .. }
            | SocketPacket::Ack { namespace, .. }
            | SocketPacket::ConnectError { namespace, .. } => namespace,
        };
        if namespace != DEFAULT_NAMESPACE {
            return Flow::Continue;
        }
        match packet {
            SocketPacket::Connect { .. } if conn.phase == Phase::Connect => {
                conn.phase = Phase::Auth;
                self.authenticate(conn).await
            }
            SocketPacket::Connect { .. } | SocketPacket::Ack { .. } => Flow::Continue,
            SocketPacket::ConnectError { data, .. } => {
                let reason = data.get("message").unwrap_or(&data).as_str().unwrap_or("no reason given");
                Flow::Lost(RtmError::protocol(format!(
                    "the server refused the Socket.IO connection: {}",
                    server_text(reason, 200)
                )))
            }
            SocketPacket::Disconnect { .. } => conn.lost("the server ended the Socket.IO session"),
            SocketPacket::Event { name, args, .. } => match name.as_str() {
                "authenticated" if args.first() == Some(&Value::Bool(false)) => {
                    Flow::Fatal(RtmError::Unauthorized { message: None })
                }
                "authenticated" => self.authenticated(conn, ready).await,
                "unauthorized" => {
                    let message = args.first().and_then(|data| data.get("message")).and_then(Value::as_str);
                    Flow::Fatal(RtmError::Unauthorized { message: message.map(|message| server_text(message, 200)) })
                }
                // Crisp sends events only to authenticated sockets; anything
                // earlier is dropped (nobody reads the stream before
                // `connect()` returns, so delivering would stall the handshake).
                _ if conn.phase != Phase::Ready => {
                    tracing::trace!("crisp rtm dropped an event sent before authentication");
                    Flow::Continue
                }
                _ => {
                    tracing::trace!(event = %name, "crisp rtm event");
                    let data = args.into_iter().next().unwrap_or(Value::Null);
                    self.deliver(Some(conn), Ok(Event::from_parts(&name, data))).await
                }
            },
        }
    }

    async fn authenticate(&mut self, conn: &mut Conn) -> Flow {
        let events = self.shared.subscriptions();
        let tier = self.settings.client.tier();
        tracing::debug!(tier = tier.as_str(), events = events.len(), "crisp rtm authenticating");
        // The only packet carrying the key: built here, sent, never logged.
        let payload = json!({
            "username": self.settings.identifier,
            "password": self.settings.key.expose_secret(),
            "tier": tier.as_str(),
            "events": events,
        });
        send(conn, Packet::event("authentication", payload).encode(), self.settings.connect_timeout).await
    }

    async fn authenticated(
        &mut self,
        conn: &mut Conn,
        ready: &mut Option<oneshot::Sender<Result<(), RtmError>>>,
    ) -> Flow {
        if conn.phase != Phase::Auth {
            return Flow::Continue;
        }
        conn.phase = Phase::Ready;
        conn.authenticated_at = Some(Instant::now());
        tracing::debug!("crisp rtm authenticated");
        self.state.send_replace(ConnectionState::Authenticated);
        if let Some(ready) = ready.take() {
            let _ = ready.send(Ok(()));
        }
        for op in std::mem::take(&mut conn.queued) {
            let flow = self.emit(conn, &op).await;
            if !matches!(flow, Flow::Continue) {
                return flow;
            }
        }
        Flow::Continue
    }

    /// A command while connected.
    async fn online(&mut self, conn: &mut Conn, command: Option<Command>) -> Flow {
        match command {
            None | Some(Command::Close) => Flow::Shutdown,
            Some(Command::Bind { op, reply }) => {
                self.shared.apply(&op);
                let flow = match conn.phase {
                    Phase::Ready => self.emit(conn, &op).await,
                    // The authentication already sent carries the old set.
                    Phase::Auth => {
                        conn.queued.push(op);
                        Flow::Continue
                    }
                    // The authentication to come carries the new set.
                    Phase::Open | Phase::Connect => Flow::Continue,
                };
                let _ = reply.send(());
                flow
            }
        }
    }

    async fn emit(&mut self, conn: &mut Conn, op: &BindOp) -> Flow {
        let (name, data) = match op {
            BindOp::Rebind => ("socket:bind", json!({})),
            BindOp::Push(events) => ("socket:bind:push", json!({ "events": events })),
            BindOp::Pop(events) => ("socket:bind:pop", json!({ "events": events })),
        };
        tracing::debug!(emit = name, "crisp rtm subscription change");
        send(conn, Packet::event(name, data).encode(), self.settings.connect_timeout).await
    }

    /// Hands an item to the consumer, waiting for room in the channel (which
    /// holds the socket reader back) while still answering commands.
    async fn deliver(&mut self, mut conn: Option<&mut Conn>, item: Item) -> Flow {
        loop {
            let command = tokio::select! {
                permit = self.events.reserve() => {
                    return match permit {
                        Ok(permit) => {
                            permit.send(item);
                            Flow::Continue
                        }
                        Err(_) => Flow::Shutdown,
                    };
                }
                command = self.commands.recv() => command,
            };
            let flow = match conn.as_deref_mut() {
                Some(conn) => self.online(conn, command).await,
                None => offline(&self.shared, command),
            };
            if !matches!(flow, Flow::Continue) {
                return flow;
            }
        }
    }

    /// Waits out a back-off delay, still answering commands.
    async fn idle(&mut self, delay: Duration) -> Flow {
        let until = after(delay);
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(until) => return Flow::Continue,
                command = self.commands.recv() => {
                    if let Flow::Shutdown = offline(&self.shared, command) {
                        return Flow::Shutdown;
                    }
                }
                () = self.events.closed() => return Flow::Shutdown,
            }
        }
    }
}

/// A command while not connected: the set changes for the next authentication.
fn offline(shared: &Shared, command: Option<Command>) -> Flow {
    match command {
        None | Some(Command::Close) => Flow::Shutdown,
        Some(Command::Bind { op, reply }) => {
            shared.apply(&op);
            let _ = reply.send(());
            Flow::Continue
        }
    }
}

/// Discovery (unless the URL is explicit), then the websocket.
async fn dial(settings: &Settings) -> Result<(Socket, String), RtmError> {
    let url = match &settings.url {
        Some(url) => url.clone(),
        None => endpoint::discover(&settings.client).await?,
    };
    tracing::debug!(url = %url, "crisp rtm connecting");
    let socket = transport::open(&url, &settings.tls, settings.max_message_size).await?;
    Ok((socket, url.to_string()))
}

async fn send(conn: &mut Conn, text: impl Into<String>, limit: Duration) -> Flow {
    let limit = conn.write_limit(limit);
    match tokio::time::timeout(limit, conn.socket.send(Message::text(text.into()))).await {
        Ok(Ok(())) => Flow::Continue,
        Ok(Err(err)) => Flow::Lost(RtmError::connect(&conn.url, format!("sending failed: {err}"), Some(err.into()))),
        Err(_) => conn.lost("the server stopped reading"),
    }
}

/// Leaves the namespace and closes the websocket, politely but briefly.
async fn close(conn: &mut Conn) {
    let polite = async {
        if matches!(conn.phase, Phase::Auth | Phase::Ready) {
            conn.socket.send(Message::text("41")).await?;
        }
        // Sends the close frame and reads until the server's close frame,
        // so the close handshake completes.
        conn.socket.close().await?;
        Ok::<(), tokio_websockets::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), polite).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_within_bounds() {
        let (min, max) = (Duration::from_secs(1), Duration::from_secs(30));
        assert_eq!(backoff(1, min, max, 0.0, true), Duration::from_secs(1));
        assert_eq!(backoff(2, min, max, 0.0, true), Duration::from_secs(2));
        assert_eq!(backoff(5, min, max, 0.0, false), Duration::from_secs(16));
        assert_eq!(backoff(6, min, max, 0.0, false), Duration::from_secs(30));
        assert_eq!(backoff(1, min, max, 1.0, true), Duration::from_millis(1750));
        assert_eq!(backoff(1, min, max, 1.0, false), Duration::from_millis(250));
        for attempt in [0, 1, 2, 10, 31, 32, 1000, u32::MAX] {
            for spread in [0.0, 0.3, 1.0, 7.0, -1.0, f64::NAN] {
                for up in [false, true] {
                    let delay = backoff(attempt, min, max, spread, up);
                    assert!(delay <= max, "{attempt} {spread} {up}: {delay:?}");
                }
            }
        }
        assert!(backoff(u32::MAX, Duration::MAX, Duration::MAX, 1.0, true) <= Duration::MAX);
    }

    #[test]
    fn subscriptions_change_in_order_without_duplicates() {
        let shared = Shared::new(vec!["a".into(), "b".into()]);
        shared.apply(&BindOp::Push(vec!["c".into(), "a".into()]));
        shared.apply(&BindOp::Pop(vec!["b".into()]));
        shared.apply(&BindOp::Rebind);
        assert_eq!(shared.subscriptions(), ["a", "c"]);
    }

    #[test]
    fn far_deadlines_do_not_overflow() {
        let _ = after(Duration::MAX);
    }
}

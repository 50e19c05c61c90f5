//! Real-time events over Socket.IO (RTM).
//!
//! [`Crisp::rtm`] configures a connection to Crisp's RTM API; the connected
//! [`RtmClient`] is a [`Stream`] of typed [`Event`]s that reconnects on its
//! own.
//!
//! ```no_run
//! use futures_util::StreamExt as _;
//! use crisp_api::{Crisp, Tier, events::Event};
//!
//! # async fn run() -> Result<(), crisp_api::rtm::RtmError> {
//! let mut client = Crisp::new();
//! client.set_tier(Tier::Plugin);
//! client.authenticate("identifier", "key");
//!
//! let mut rtm = client.rtm().events([crisp_api::events::EventName::MessageSend, crisp_api::events::EventName::MessageReceived]).connect().await?;
//! while let Some(event) = rtm.next().await {
//!     match event? {
//!         Event::MessageSend(message) => println!("a visitor wrote: {:?}", message.content),
//!         other => println!("{}", other.name()),
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # Protocol
//!
//! 1. Discovery: `GET {tier}/connect/endpoints` on the REST API names the
//!    endpoint in `data.socket.app` (skipped when [`RtmBuilder::url`] is set).
//!    Its origin is the server and its path the Socket.IO path, so
//!    `https://app.relay.crisp.chat/p/1/` is reached at
//!    `wss://app.relay.crisp.chat/p/1/?EIO=4&transport=websocket`.
//! 2. Engine.IO v4 over a websocket (no long-polling): the server opens with
//!    `0{"sid",…,"pingInterval","pingTimeout"}`, sends a ping `2` every
//!    interval, and the client answers each with a pong `3`. If nothing
//!    arrives within the interval plus the timeout, the server is considered
//!    gone and the client reconnects.
//! 3. Socket.IO v5 on the default namespace: the client sends `40`, the
//!    server accepts with `40{"sid":…}`, events travel as `42["name",data]`.
//! 4. Crisp's authentication: the client emits `authentication` with the
//!    token identifier, key, tier and the event names to receive; the server
//!    answers `authenticated` or `unauthorized`. This happens again after
//!    every reconnection, with the subscription as it is then (see
//!    [`RtmClient::bind_push`]).
//!
//! # Behaviour
//!
//! - [`RtmBuilder::connect`] resolves once Crisp accepted the credentials and
//!   fails with a typed [`RtmError`] otherwise; the first connection is not
//!   retried.
//! - After that, lost connections are re-established with exponential
//!   back-off and jitter ([`RtmBuilder::reconnect_backoff`]);
//!   [`RtmClient::state_changes`] shows it happening. Refused credentials are
//!   not retried: the stream yields [`RtmError::Unauthorized`] and ends (the
//!   official Node.js client throws an uncaught exception there).
//! - Events are delivered through a bounded buffer: a slow consumer slows the
//!   socket reader down instead of losing events. A consumer that stalls
//!   longer than the server's ping timeout is disconnected by the server, and
//!   the client reconnects.
//! - Every event is passed through, subscribed or not; the server decides.
//! - The key is sent only inside the `authentication` packet. It never
//!   appears in `Debug`, `Display`, errors or any log line, at any level,
//!   of this crate or of the libraries below it (see below).
//! - Nothing the server sends can exhaust or hang the client: a message is
//!   at most [`RtmBuilder::max_message_size`], the upgrade answer at most
//!   64 KiB, the connect timeout bounds the whole handshake (a flood of
//!   frames before `authenticated` included; events sent before it are
//!   dropped), malformed packets end the connection with a protocol error,
//!   and a session only counts as healthy after 30 s authenticated, so a
//!   server that drops every connection meets growing, jittered back-off
//!   (the default delays allow at most 5 connections in the first 5 s).
//!   Text the server sends reaches errors escaped and shortened.
//!
//! # Why a client of its own
//!
//! No maintained Socket.IO client crate fits: `rust_socketio` has been
//! unmaintained since 2024 and needs OpenSSL and reqwest 0.12. What Crisp
//! needs — Engine.IO v4 and Socket.IO v5 text packets over one websocket, on
//! the default namespace — is small, so this module implements it on
//! `tokio-websockets` and the same rustls setup as the REST client.
//!
//! The websocket crate is `tokio-websockets` rather than `tungstenite`
//! because the latter traces every frame it writes, payload included,
//! through the `log` crate: the `authentication` frame carries the key, so
//! any application forwarding `log` records at trace level would log it.
//! `tokio-websockets` logs nothing, enforces a message size limit, answers
//! websocket pings, and takes the TLS stream made here.
//!
//! The packet parser, [`packet::parse`], is a pure function that never
//! panics. It is a fuzz target (`fuzz/fuzz_targets/packet.rs`, runnable on
//! the stable toolchain with `RUSTC_BOOTSTRAP=1 cargo fuzz run --dev -s none
//! packet`), and the same target runs as a seeded property test in
//! `tests/fuzz_props.rs`.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;
use tokio::sync::{mpsc, oneshot, watch};
use tracing::Instrument as _;

use crate::client::Crisp;
use crate::events::{EVENT_NAMES, Event, EventName};

mod endpoint;
pub mod packet;
mod state;
mod transport;
mod worker;

pub use crate::error::RtmError;
pub use state::ConnectionState;

use worker::{BindOp, Command, Settings, Shared, Worker};

/// The default time allowed for one connection attempt, from discovery to
/// `authenticated` (10 s, like the official client).
///
/// ```
/// # let client = crisp_api::Crisp::new();
/// let builder = client.rtm().connect_timeout(crisp_api::rtm::DEFAULT_CONNECT_TIMEOUT * 2);
/// # let _ = builder;
/// ```
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default first reconnection delay (before jitter).
///
/// ```
/// use crisp_api::rtm::{DEFAULT_RECONNECT_MAX, DEFAULT_RECONNECT_MIN};
/// # let client = crisp_api::Crisp::new();
/// let builder = client.rtm().reconnect_backoff(DEFAULT_RECONNECT_MIN, DEFAULT_RECONNECT_MAX * 2);
/// # let _ = builder;
/// ```
pub const DEFAULT_RECONNECT_MIN: Duration = Duration::from_secs(1);
/// The default longest reconnection delay.
///
/// ```
/// use std::time::Duration;
/// # let client = crisp_api::Crisp::new();
/// let builder = client.rtm().reconnect_backoff(Duration::from_millis(100), crisp_api::rtm::DEFAULT_RECONNECT_MAX);
/// # let _ = builder;
/// ```
pub const DEFAULT_RECONNECT_MAX: Duration = Duration::from_secs(30);

/// The default largest websocket message accepted, in bytes (1 MiB, the
/// Engine.IO default `maxPayload`; Crisp's events are a few KiB).
///
/// ```
/// # let client = crisp_api::Crisp::new();
/// let builder = client.rtm().max_message_size(crisp_api::rtm::DEFAULT_MAX_MESSAGE_SIZE * 4);
/// # let _ = builder;
/// ```
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 1 << 20;

/// Events buffered between the socket reader and the consumer.
const EVENT_BUFFER: usize = 256;
/// Delays above this are treated as this, so arithmetic cannot overflow.
const LONGEST_DELAY: Duration = Duration::from_secs(86_400);

impl Crisp {
    /// Starts configuring a real-time (RTM) connection with this client's
    /// credentials and tier. See the [`rtm`](crate::rtm) module.
    ///
    /// ```no_run
    /// # async fn run(client: crisp_api::Crisp) -> Result<(), crisp_api::rtm::RtmError> {
    /// let rtm = client.rtm().events([crisp_api::events::EventName::MessageSend]).connect().await?;
    /// # let _ = rtm;
    /// # Ok(()) }
    /// ```
    pub fn rtm(&self) -> RtmBuilder {
        RtmBuilder {
            client: self.clone(),
            events: None,
            url: None,
            backoff_min: DEFAULT_RECONNECT_MIN,
            backoff_max: DEFAULT_RECONNECT_MAX,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            allow_unknown_events: false,
        }
    }
}

/// Configures and opens an RTM connection; made by [`Crisp::rtm`].
///
/// ```no_run
/// use std::time::Duration;
/// # async fn run(client: crisp_api::Crisp) -> Result<(), crisp_api::rtm::RtmError> {
/// let rtm = client
///     .rtm()
///     .events([crisp_api::events::EventName::MessageSend, crisp_api::events::EventName::SessionSetState])
///     .reconnect_backoff(Duration::from_millis(500), Duration::from_secs(10))
///     .connect_timeout(Duration::from_secs(5))
///     .connect()
///     .await?;
/// # let _ = rtm;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "nothing connects until `.connect().await`"]
pub struct RtmBuilder {
    client: Crisp,
    events: Option<Vec<String>>,
    url: Option<String>,
    backoff_min: Duration,
    backoff_max: Duration,
    connect_timeout: Duration,
    max_message_size: usize,
    allow_unknown_events: bool,
}

impl RtmBuilder {
    /// The events to subscribe to (default: every event of
    /// [`EVENT_NAMES`]). Duplicates are ignored.
    ///
    /// ```
    /// # let client = crisp_api::Crisp::new();
    /// let builder = client.rtm().events([crisp_api::events::EventName::MessageSend, crisp_api::events::EventName::MessageReceived]);
    /// # let _ = builder;
    /// ```
    pub fn events<I, S>(mut self, events: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<EventName>,
    {
        let mut unique: Vec<String> = Vec::new();
        for event in events {
            let event = event.into().as_str().to_owned();
            if !unique.contains(&event) {
                unique.push(event);
            }
        }
        self.events = Some(unique);
        self
    }

    /// Lets this connection subscribe to event names the spec does not know
    /// ([`EventName::Other`]), in [`events`](Self::events) and in later
    /// `bind_push` calls. Without it such a name is refused with
    /// [`RtmError::InvalidInput`], since Crisp would silently never send it:
    /// most often it is a typo (`message:sent` for `message:send`).
    ///
    /// ```
    /// use crisp_api::events::EventName;
    /// # let client = crisp_api::Crisp::new();
    /// let builder = client.rtm().events([EventName::Other("message:future".into())]).allow_unknown_events();
    /// # let _ = builder;
    /// ```
    pub fn allow_unknown_events(mut self) -> Self {
        self.allow_unknown_events = true;
        self
    }

    /// Connects to this RTM endpoint instead of asking the REST API
    /// (`http`, `https`, `ws` or `wss`; its path is the Socket.IO path).
    ///
    /// ```
    /// # let client = crisp_api::Crisp::new();
    /// let builder = client.rtm().url("https://app.relay.crisp.chat/p/1/");
    /// # let _ = builder;
    /// ```
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The reconnection delays: the first is about `min`, each next one
    /// doubles up to `max`, and each is moved by up to 75 % at random
    /// (defaults 1 s and 30 s). The count starts again after a session that
    /// stayed authenticated for 30 s; a server that drops the connection
    /// sooner (right after authenticating, say) meets growing delays.
    ///
    /// ```
    /// use std::time::Duration;
    /// # let client = crisp_api::Crisp::new();
    /// let builder = client.rtm().reconnect_backoff(Duration::from_millis(200), Duration::from_secs(5));
    /// # let _ = builder;
    /// ```
    pub fn reconnect_backoff(mut self, min: Duration, max: Duration) -> Self {
        self.backoff_min = min.clamp(Duration::from_millis(1), LONGEST_DELAY);
        self.backoff_max = max.clamp(self.backoff_min, LONGEST_DELAY);
        self
    }

    /// Time allowed for one connection attempt, from discovery to Crisp's
    /// `authenticated` (default 10 s), whatever the server sends meanwhile.
    /// Also bounds each write to the socket.
    ///
    /// ```
    /// # let client = crisp_api::Crisp::new();
    /// let builder = client.rtm().connect_timeout(std::time::Duration::from_secs(3));
    /// # let _ = builder;
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout.clamp(Duration::from_millis(1), LONGEST_DELAY);
        self
    }

    /// The largest websocket message accepted, in bytes, all its frames
    /// together (default [`DEFAULT_MAX_MESSAGE_SIZE`]). A larger one is a
    /// protocol error: the connection is dropped and made again with
    /// back-off, so memory stays bounded whatever the server sends.
    ///
    /// ```
    /// # let client = crisp_api::Crisp::new();
    /// let builder = client.rtm().max_message_size(4 << 20);
    /// # let _ = builder;
    /// ```
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes.max(1024);
        self
    }

    /// Connects and authenticates, and resolves once Crisp accepted the
    /// credentials. The connection then lives in a background task until the
    /// client is closed or dropped. Must be called within a Tokio runtime.
    ///
    /// Fails with [`RtmError::Unauthorized`] when Crisp refuses the
    /// credentials, [`RtmError::Discovery`], [`RtmError::Connect`] or
    /// [`RtmError::Protocol`] when the first connection cannot be made,
    /// [`RtmError::Timeout`] after the connect timeout, and
    /// [`RtmError::InvalidInput`] without credentials or events, or for an
    /// event name the spec does not know (see
    /// [`allow_unknown_events`](Self::allow_unknown_events)).
    ///
    /// ```no_run
    /// # async fn run(client: crisp_api::Crisp) -> Result<(), crisp_api::rtm::RtmError> {
    /// let rtm = client.rtm().connect().await?;
    /// assert_eq!(rtm.state(), crisp_api::rtm::ConnectionState::Authenticated);
    /// # Ok(()) }
    /// ```
    pub async fn connect(self) -> Result<RtmClient, RtmError> {
        let inner = self.client.config();
        let (Some(identifier), Some(key)) = (inner.identifier.clone(), inner.key.clone()) else {
            return Err(RtmError::InvalidInput {
                message: "the client has no credentials; call Crisp::authenticate or CrispBuilder::credentials first"
                    .into(),
            });
        };
        let events = self.events.unwrap_or_else(|| EVENT_NAMES.iter().map(|&name| name.to_owned()).collect());
        if events.is_empty() {
            return Err(RtmError::InvalidInput { message: "subscribe to at least one event".into() });
        }
        if !self.allow_unknown_events {
            known_events(&events)?;
        }
        let url = match &self.url {
            Some(url) => Some(endpoint::websocket_url(url).map_err(|message| RtmError::InvalidInput { message })?),
            None => None,
        };
        let span = tracing::debug_span!("crisp.rtm", tier = self.client.tier().as_str());
        let settings = Settings {
            tls: transport::tls_config(&self.client),
            client: self.client,
            identifier,
            key,
            url,
            backoff_min: self.backoff_min,
            backoff_max: self.backoff_max,
            connect_timeout: self.connect_timeout,
            max_message_size: self.max_message_size,
        };

        let allow_unknown_events = self.allow_unknown_events;
        let shared = Arc::new(Shared::new(events));
        let (commands, command_rx) = mpsc::channel(16);
        let (event_tx, events) = mpsc::channel(EVENT_BUFFER);
        let (state_tx, state) = watch::channel(ConnectionState::Connecting);
        let (ready_tx, ready) = oneshot::channel();
        let worker =
            Worker { settings, shared: shared.clone(), commands: command_rx, events: event_tx, state: state_tx };
        // Dropping this future drops `events`, which stops the task.
        tokio::spawn(worker.run(ready_tx).instrument(span));
        match ready.await {
            Ok(Ok(())) => Ok(RtmClient {
                handle: RtmHandle { commands, state, shared, allow_unknown_events },
                events,
                ended: false,
            }),
            Ok(Err(err)) => Err(err),
            Err(_) => Err(RtmError::Closed),
        }
    }
}

/// A connected RTM client: a [`Stream`] of events, plus subscription control.
///
/// The stream yields `Ok(event)` for every Socket.IO event the server sends
/// (other than Crisp's authentication answers), decoded with
/// [`Event::from_parts`]. An `Err` is always the last item: the client hit
/// an error it cannot recover from (such as refused credentials) and
/// stopped. The stream ends after [`close`](RtmClient::close); dropping the
/// client closes the connection too.
///
/// To change the subscription from another task while this one reads the
/// stream, use a [`handle`](RtmClient::handle).
///
/// ```no_run
/// use futures_util::StreamExt as _;
/// # async fn run(client: crisp_api::Crisp) -> Result<(), crisp_api::rtm::RtmError> {
/// let mut rtm = client.rtm().events([crisp_api::events::EventName::MessageSend]).connect().await?;
/// rtm.bind_push([crisp_api::events::EventName::MessageReceived]).await?;
/// if let Some(event) = rtm.next().await {
///     println!("{}", event?.name());
/// }
/// rtm.close().await;
/// # Ok(()) }
/// ```
pub struct RtmClient {
    handle: RtmHandle,
    events: mpsc::Receiver<Result<Event, RtmError>>,
    ended: bool,
}

impl fmt::Debug for RtmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RtmClient").field("state", &self.state()).finish_non_exhaustive()
    }
}

impl RtmClient {
    /// The connection state now.
    ///
    /// ```no_run
    /// # fn f(rtm: &crisp_api::rtm::RtmClient) {
    /// println!("{:?}", rtm.state());
    /// # }
    /// ```
    pub fn state(&self) -> ConnectionState {
        self.handle.state()
    }

    /// A receiver of state changes (Tokio `watch`: it keeps the latest state;
    /// `changed()` resolves on the next change after this call).
    ///
    /// ```no_run
    /// # async fn run(rtm: crisp_api::rtm::RtmClient) {
    /// let mut changes = rtm.state_changes();
    /// changes.wait_for(|state| *state == crisp_api::rtm::ConnectionState::Closed).await.ok();
    /// # }
    /// ```
    pub fn state_changes(&self) -> watch::Receiver<ConnectionState> {
        self.handle.state_changes()
    }

    /// The events sent with the next authentication: the initial set with
    /// the changes made by [`bind_push`](Self::bind_push) and [`bind_pop`](Self::bind_pop).
    ///
    /// ```no_run
    /// # fn f(rtm: &crisp_api::rtm::RtmClient) {
    /// assert!(rtm.subscriptions().iter().any(|event| event == "message:send"));
    /// # }
    /// ```
    pub fn subscriptions(&self) -> Vec<String> {
        self.handle.subscriptions()
    }

    /// Emits `socket:bind`: asks Crisp to re-associate the socket with the
    /// websites the token may see (after the token gained a website, say).
    ///
    /// ```no_run
    /// # async fn run(rtm: crisp_api::rtm::RtmClient) -> Result<(), crisp_api::rtm::RtmError> {
    /// rtm.rebind().await?;
    /// # Ok(()) }
    /// ```
    pub async fn rebind(&self) -> Result<(), RtmError> {
        self.handle.rebind().await
    }

    /// Emits `socket:bind:push` to receive more events, and adds them to the
    /// set sent after a reconnection.
    ///
    /// ```no_run
    /// # async fn run(rtm: crisp_api::rtm::RtmClient) -> Result<(), crisp_api::rtm::RtmError> {
    /// rtm.bind_push([crisp_api::events::EventName::SessionSetState]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn bind_push<I, S>(&self, events: I) -> Result<(), RtmError>
    where
        I: IntoIterator<Item = S>,
        S: Into<EventName>,
    {
        self.handle.bind_push(events).await
    }

    /// Emits `socket:bind:pop` to stop receiving events, and removes them from
    /// the set sent after a reconnection.
    ///
    /// ```no_run
    /// # async fn run(rtm: crisp_api::rtm::RtmClient) -> Result<(), crisp_api::rtm::RtmError> {
    /// rtm.bind_pop([crisp_api::events::EventName::MessageComposeSend]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn bind_pop<I, S>(&self, events: I) -> Result<(), RtmError>
    where
        I: IntoIterator<Item = S>,
        S: Into<EventName>,
    {
        self.handle.bind_pop(events).await
    }

    /// A cloneable handle to control this connection from other tasks.
    ///
    /// ```no_run
    /// # async fn run(rtm: crisp_api::rtm::RtmClient) {
    /// let handle = rtm.handle();
    /// tokio::spawn(async move { handle.bind_push([crisp_api::events::EventName::MessageReceived]).await });
    /// # }
    /// ```
    pub fn handle(&self) -> RtmHandle {
        self.handle.clone()
    }

    /// Closes the connection cleanly: leaves the Socket.IO namespace, closes
    /// the websocket and stops the background task. The stream ends at once;
    /// events still buffered are dropped.
    ///
    /// ```no_run
    /// use futures_util::StreamExt as _;
    /// # async fn run(mut rtm: crisp_api::rtm::RtmClient) {
    /// rtm.close().await;
    /// assert!(rtm.next().await.is_none());
    /// # }
    /// ```
    pub async fn close(&mut self) {
        self.ended = true;
        self.events.close();
        self.handle.close().await;
    }
}

impl Stream for RtmClient {
    type Item = Result<Event, RtmError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        this.events.poll_recv(cx)
    }
}

/// Controls an [`RtmClient`]'s connection from anywhere: cloneable, and it
/// does not keep the connection alive (dropping the client closes it).
///
/// ```no_run
/// # async fn run(rtm: crisp_api::rtm::RtmClient) -> Result<(), crisp_api::rtm::RtmError> {
/// let handle = rtm.handle();
/// handle.bind_push([crisp_api::events::EventName::MessageReceived]).await?;
/// println!("{:?}", handle.state());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RtmHandle {
    commands: mpsc::Sender<Command>,
    state: watch::Receiver<ConnectionState>,
    shared: Arc<Shared>,
    /// From [`RtmBuilder::allow_unknown_events`]: `bind_push` takes names the spec does not know.
    allow_unknown_events: bool,
}

impl fmt::Debug for RtmHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RtmHandle").field("state", &self.state()).finish_non_exhaustive()
    }
}

impl RtmHandle {
    /// The connection state now; see [`RtmClient::state`].
    ///
    /// ```no_run
    /// # fn f(handle: &crisp_api::rtm::RtmHandle) {
    /// println!("{:?}", handle.state());
    /// # }
    /// ```
    pub fn state(&self) -> ConnectionState {
        *self.state.borrow()
    }

    /// A receiver of state changes; see [`RtmClient::state_changes`].
    ///
    /// ```no_run
    /// # fn f(handle: &crisp_api::rtm::RtmHandle) {
    /// let changes = handle.state_changes();
    /// # let _ = changes;
    /// # }
    /// ```
    pub fn state_changes(&self) -> watch::Receiver<ConnectionState> {
        let mut changes = self.state.clone();
        // `changed()` then waits for the next change, not the current state.
        changes.mark_unchanged();
        changes
    }

    /// The events sent with the next authentication; see [`RtmClient::subscriptions`].
    ///
    /// ```no_run
    /// # fn f(handle: &crisp_api::rtm::RtmHandle) {
    /// println!("{} events", handle.subscriptions().len());
    /// # }
    /// ```
    pub fn subscriptions(&self) -> Vec<String> {
        self.shared.subscriptions()
    }

    /// Emits `socket:bind`; see [`RtmClient::rebind`].
    ///
    /// ```no_run
    /// # async fn run(handle: crisp_api::rtm::RtmHandle) -> Result<(), crisp_api::rtm::RtmError> {
    /// handle.rebind().await?;
    /// # Ok(()) }
    /// ```
    pub async fn rebind(&self) -> Result<(), RtmError> {
        self.bind(BindOp::Rebind).await
    }

    /// Emits `socket:bind:push`; see [`RtmClient::bind_push`].
    ///
    /// ```no_run
    /// # async fn run(handle: crisp_api::rtm::RtmHandle) -> Result<(), crisp_api::rtm::RtmError> {
    /// handle.bind_push([crisp_api::events::EventName::SessionSetState]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn bind_push<I, S>(&self, events: I) -> Result<(), RtmError>
    where
        I: IntoIterator<Item = S>,
        S: Into<EventName>,
    {
        let events = names(events);
        if !self.allow_unknown_events {
            known_events(&events)?;
        }
        self.bind_events(events, BindOp::Push).await
    }

    /// Emits `socket:bind:pop`; see [`RtmClient::bind_pop`].
    ///
    /// ```no_run
    /// # async fn run(handle: crisp_api::rtm::RtmHandle) -> Result<(), crisp_api::rtm::RtmError> {
    /// handle.bind_pop([crisp_api::events::EventName::MessageComposeSend]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn bind_pop<I, S>(&self, events: I) -> Result<(), RtmError>
    where
        I: IntoIterator<Item = S>,
        S: Into<EventName>,
    {
        self.bind_events(names(events), BindOp::Pop).await
    }

    /// Closes the connection and waits until the background task stopped.
    /// The client's stream then yields what is still buffered and ends.
    ///
    /// ```no_run
    /// # async fn run(handle: crisp_api::rtm::RtmHandle) {
    /// handle.close().await;
    /// assert_eq!(handle.state(), crisp_api::rtm::ConnectionState::Closed);
    /// # }
    /// ```
    pub async fn close(&self) {
        let _ = self.commands.send(Command::Close).await;
        let mut state = self.state.clone();
        let _ = state.wait_for(|state| *state == ConnectionState::Closed).await;
    }

    /// A push or pop of `events`; nothing to send when there are none.
    async fn bind_events(&self, events: Vec<String>, op: fn(Vec<String>) -> BindOp) -> Result<(), RtmError> {
        if events.is_empty() {
            return Ok(());
        }
        self.bind(op(events)).await
    }

    /// Sends a subscription change and waits until the task has sent it, or
    /// recorded it for the next authentication while reconnecting.
    async fn bind(&self, op: BindOp) -> Result<(), RtmError> {
        let (reply, done) = oneshot::channel();
        self.commands.send(Command::Bind { op, reply }).await.map_err(|_| RtmError::Closed)?;
        done.await.map_err(|_| RtmError::Closed)
    }
}

/// The wire names of `events`.
fn names<I, S>(events: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<EventName>,
{
    events.into_iter().map(|event| event.into().as_str().to_owned()).collect()
}

/// Refuses names the spec does not know, naming the closest known one.
/// (Popping such a name is harmless, so only subscribing checks.)
fn known_events(events: &[String]) -> Result<(), RtmError> {
    match events.iter().find(|name| !EVENT_NAMES.contains(&name.as_str())) {
        None => Ok(()),
        Some(unknown) => {
            let refused = crate::UnknownValue::new("event name", unknown, EVENT_NAMES);
            let hint = refused.suggestion().map(|known| format!(" (did you mean `{known}`?)")).unwrap_or_default();
            Err(RtmError::InvalidInput {
                message: format!(
                    "`{}` is not an event Crisp sends{hint}; call `allow_unknown_events()` to subscribe to it anyway",
                    refused.value()
                ),
            })
        }
    }
}

//! Real-time events from the mock: a Socket.IO server (socketioxide) at the
//! URL the `connect/endpoints` routes advertise, authenticating like Crisp,
//! and one dispatcher that hands every raised event to the subscribed
//! sockets and to the Web Hook targets.
//!
//! Delivery is isolated: each socket has its own bounded queue and its own
//! forwarding task, so a socket that stops reading only fills its own queue.
//! A socket whose queue overflows, or whose Socket.IO buffer stays full
//! longer than [`MockConfig::rtm_lag_timeout`](crate::MockConfig::rtm_lag_timeout),
//! loses its events and is disconnected; the dispatcher never waits for it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::extract::{Data, SocketRef};
use socketioxide::handler::ConnectHandler as _;
use socketioxide::layer::SocketIoLayer;
use tokio::sync::mpsc;

use crate::config::MockConfig;
use crate::connection::ConnectionCut;
use crate::events::Outgoing;
use crate::sync::lock;
use crate::webhooks;

/// The path the Socket.IO server answers on.
pub(crate) const RTM_PATH: &str = "/rtm";

/// The user name the playground authenticates with, with the per-server
/// token `GET /mock/playground/session` hands out instead of the API key.
pub(crate) const PLAYGROUND_USER: &str = "crisp-mock-playground";

/// The queues of the connected sockets, by socket id.
#[derive(Default)]
struct Sockets {
    queues: HashMap<socketioxide::socket::Sid, (mpsc::Sender<Arc<Outgoing>>, Option<ConnectionCut>)>,
}

/// What the RTM server knows: the credentials it accepts, its limits, its
/// sockets, and what tests read back about them.
pub(crate) struct Hub {
    identifier: String,
    key: String,
    /// What the playground authenticates with, instead of the API key.
    pub(crate) playground_token: String,
    ping_interval: Duration,
    queue: usize,
    lag_timeout: Duration,
    sockets: Mutex<Sockets>,
    /// The event lists of accepted API authentications (the last 1,000).
    pub(crate) authentications: Mutex<Vec<Vec<String>>>,
    pub(crate) refusals: AtomicUsize,
    /// `socket:bind:push` and `socket:bind:pop` with their events (the last 1,000).
    pub(crate) binds: Mutex<Vec<(&'static str, Vec<String>)>>,
    /// Events lost by sockets that could not keep up.
    pub(crate) lost_events: AtomicUsize,
    /// Sockets disconnected for not keeping up.
    pub(crate) slow_dropped: AtomicUsize,
}

impl Hub {
    pub(crate) fn new(config: &MockConfig, playground_token: String) -> Self {
        Self {
            identifier: config.identifier.clone(),
            key: config.key.clone(),
            playground_token,
            ping_interval: config.rtm_ping_interval,
            queue: config.rtm_queue.max(1),
            lag_timeout: config.rtm_lag_timeout,
            sockets: Mutex::new(Sockets::default()),
            authentications: Mutex::new(Vec::new()),
            refusals: AtomicUsize::new(0),
            binds: Mutex::new(Vec::new()),
            lost_events: AtomicUsize::new(0),
            slow_dropped: AtomicUsize::new(0),
        }
    }
}

/// The room every authenticated socket joins (event names contain `:`, this does not clash).
const AUTHENTICATED: &str = "#authenticated";

pub(crate) fn layer(hub: &Arc<Hub>) -> (SocketIoLayer, SocketIo) {
    let (layer, io) = SocketIo::builder()
        .req_path(RTM_PATH)
        // Socket.IO's own per-socket buffer; each socket's queue in front of it holds bursts.
        .max_buffer_size(1024)
        .ping_interval(hub.ping_interval)
        .ping_timeout(hub.ping_interval)
        .build_layer();
    let handler_hub = hub.clone();
    // The handlers are registered in a middleware, which socketioxide runs
    // before it sends the CONNECT packet (the connect handler runs after): a
    // client that answers that packet with `authentication` at once always
    // finds its handler.
    let register = move |socket: SocketRef| {
        on_connect(&socket, handler_hub.clone());
        async { Ok::<(), std::convert::Infallible>(()) }
    };
    io.ns("/", (|_: SocketRef| async {}).with(register));
    (layer, io)
}

/// Keeps the last 1,000 entries of a record that tests read.
fn push_bounded<T>(list: &mut Vec<T>, item: T) {
    if list.len() >= 1_000 {
        list.drain(..list.len() - 999);
    }
    list.push(item);
}

fn event_names(data: &Value) -> Vec<String> {
    data.get("events")
        .and_then(Value::as_array)
        .map(|events| events.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// socketioxide marks a socket connected only after its CONNECT packet is
/// out, and drops what is emitted before: a client that answers that packet
/// with `authentication` at once can be handled first, and its
/// `authenticated` would be lost. Waits (briefly, bounded) for the mark.
async fn until_connected(socket: &SocketRef) {
    for _ in 0..200 {
        if socket.connected() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn on_connect(socket: &SocketRef, hub: Arc<Hub>) {
    let cut = socket.req_parts().extensions.get::<ConnectionCut>().cloned();
    let (queue, events) = mpsc::channel(hub.queue);
    lock(&hub.sockets).queues.insert(socket.id, (queue, cut.clone()));
    tokio::spawn(forward(socket.clone(), events, cut, hub.lag_timeout, Arc::downgrade(&hub)));
    let gone = Arc::downgrade(&hub);
    socket.on_disconnect(move |socket: SocketRef| {
        let gone = gone.clone();
        async move {
            if let Some(hub) = gone.upgrade() {
                lock(&hub.sockets).queues.remove(&socket.id);
            }
        }
    });
    let auth_hub = hub.clone();
    socket.on("authentication", move |socket: SocketRef, Data::<Value>(data)| {
        let hub = auth_hub.clone();
        async move {
            until_connected(&socket).await;
            let username = data["username"].as_str().unwrap_or_default();
            let password = data["password"].as_str().unwrap_or_default();
            let tier_ok = matches!(data["tier"].as_str(), None | Some("user" | "website" | "plugin"));
            let api_token = username == hub.identifier && password == hub.key;
            let playground = username == PLAYGROUND_USER && password == hub.playground_token;
            if !(api_token || playground) || !tier_ok {
                hub.refusals.fetch_add(1, Ordering::Relaxed);
                let _ = socket.emit("unauthorized", &json!({"message": "invalid_session"}));
                return;
            }
            // Subscriptions are rooms named after the events; the
            // authenticated marker room lets bind:push check the socket.
            socket.leave_all();
            socket.join(AUTHENTICATED);
            socket.join(event_names(&data));
            if api_token {
                push_bounded(&mut lock(&hub.authentications), event_names(&data));
            }
            let _ = socket.emit("authenticated", &true);
        }
    });
    socket.on("socket:bind", async |_socket: SocketRef| {
        // The mock's token sees one fixed set of websites: nothing to re-associate.
    });
    let push_hub = hub.clone();
    socket.on("socket:bind:push", move |socket: SocketRef, Data::<Value>(data)| {
        let hub = push_hub.clone();
        async move {
            if socket.rooms().iter().any(|room| room == AUTHENTICATED) {
                socket.join(event_names(&data));
                push_bounded(&mut lock(&hub.binds), ("socket:bind:push", event_names(&data)));
            }
        }
    });
    socket.on("socket:bind:pop", move |socket: SocketRef, Data::<Value>(data)| {
        let hub = hub.clone();
        async move {
            socket.leave(event_names(&data));
            push_bounded(&mut lock(&hub.binds), ("socket:bind:pop", event_names(&data)));
        }
    });
}

/// Hands each raised event, in order, to the queue of every socket
/// subscribed to it and to every Web Hook target's queue, without ever
/// waiting: a full queue loses the event and its socket is disconnected.
pub(crate) async fn dispatch(
    io: SocketIo,
    hub: Arc<Hub>,
    webhooks: Arc<webhooks::Hub>,
    mut events: mpsc::UnboundedReceiver<Outgoing>,
) {
    while let Some(event) = events.recv().await {
        let event = Arc::new(event);
        let subscribed = io.to(event.name.clone()).sockets();
        if !subscribed.is_empty() {
            let mut sockets = lock(&hub.sockets);
            for socket in subscribed {
                let Some((queue, cut)) = sockets.queues.get(&socket.id) else { continue };
                if queue.try_send(event.clone()).is_err() {
                    // Thousands of events behind: this consumer is gone for good.
                    hub.lost_events.fetch_add(1, Ordering::Relaxed);
                    drop_slow(&hub, &socket, cut.as_ref());
                    sockets.queues.remove(&socket.id);
                }
            }
        }
        webhooks.enqueue(&event);
    }
}

/// Disconnects a socket that cannot keep up.
fn drop_slow(hub: &Hub, socket: &SocketRef, cut: Option<&ConnectionCut>) {
    hub.slow_dropped.fetch_add(1, Ordering::Relaxed);
    tracing::debug!(sid = %socket.id, "crisp-mock dropped an RTM socket that stopped reading");
    match cut {
        // Cutting the connection works even when the socket's buffers are full.
        Some(cut) => cut.cut(),
        None => {
            let _ = socket.clone().disconnect();
        }
    }
}

/// Moves one socket's queue into its Socket.IO buffer, waiting (only this
/// socket's turn) while the buffer is full, up to `lag_timeout`.
async fn forward(
    socket: SocketRef,
    mut events: mpsc::Receiver<Arc<Outgoing>>,
    cut: Option<ConnectionCut>,
    lag_timeout: Duration,
    hub: Weak<Hub>,
) {
    while let Some(event) = events.recv().await {
        let started = Instant::now();
        loop {
            match socket.emit(&event.name, &event.data) {
                Ok(()) => break,
                Err(socketioxide::SendError::Socket(socketioxide::SocketError::InternalChannelFull)) => {
                    if started.elapsed() >= lag_timeout {
                        if let Some(hub) = hub.upgrade() {
                            // This event and the queued ones are lost with the socket.
                            let lost = 1 + events.len();
                            hub.lost_events.fetch_add(lost, Ordering::Relaxed);
                            drop_slow(&hub, &socket, cut.as_ref());
                            lock(&hub.sockets).queues.remove(&socket.id);
                        }
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                Err(err) => {
                    tracing::debug!(%err, event = %event.name, "crisp-mock could not emit an event");
                    return;
                }
            }
        }
    }
}

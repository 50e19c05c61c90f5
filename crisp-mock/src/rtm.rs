//! Real-time events from the mock: a Socket.IO server (socketioxide) at the
//! URL the `connect/endpoints` routes advertise, authenticating like Crisp,
//! and one dispatcher that hands every raised event to the subscribed sockets
//! and to the Web Hook target.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::extract::{Data, SocketRef};
use socketioxide::layer::SocketIoLayer;
use tokio::sync::mpsc;

use crate::{Shared, lock};

/// The path the Socket.IO server answers on.
pub(crate) const RTM_PATH: &str = "/rtm";

/// An event on its way out.
pub(crate) struct Outgoing {
    pub(crate) name: String,
    pub(crate) data: Value,
}

/// The room every authenticated socket joins (event names contain `:`, this does not clash).
const AUTHENTICATED: &str = "#authenticated";

pub(crate) fn layer(shared: &Arc<Shared>) -> (SocketIoLayer, SocketIo) {
    let (layer, io) = SocketIo::builder()
        .req_path(RTM_PATH)
        // Large enough that a burst is queued rather than refused; the
        // dispatcher still waits when a socket's buffer is full.
        .max_buffer_size(4096)
        .ping_interval(shared.config.rtm_ping_interval)
        .ping_timeout(shared.config.rtm_ping_interval)
        .build_layer();
    let handler_shared = shared.clone();
    io.ns("/", move |socket: SocketRef| {
        // Registered before the handler's future is spawned, so an
        // `authentication` sent right after the connection is accepted
        // always finds its handler.
        on_connect(&socket, handler_shared.clone());
        async {}
    });
    (layer, io)
}

fn event_names(data: &Value) -> Vec<String> {
    data.get("events")
        .and_then(Value::as_array)
        .map(|events| events.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn on_connect(socket: &SocketRef, shared: Arc<Shared>) {
    let auth_shared = shared.clone();
    socket.on("authentication", move |socket: SocketRef, Data::<Value>(data)| {
        let shared = auth_shared.clone();
        async move {
            let username = data["username"].as_str().unwrap_or_default();
            let password = data["password"].as_str().unwrap_or_default();
            let tier_ok = matches!(data["tier"].as_str(), None | Some("user" | "website" | "plugin"));
            if username != shared.config.identifier || password != shared.config.key || !tier_ok {
                shared.rtm_refusals.fetch_add(1, Ordering::Relaxed);
                let _ = socket.emit("unauthorized", &json!({"message": "invalid_session"}));
                return;
            }
            // Subscriptions are rooms named after the events; the
            // authenticated marker room lets bind:push check the socket.
            socket.leave_all();
            socket.join(AUTHENTICATED);
            socket.join(event_names(&data));
            lock(&shared.rtm_authentications).push(event_names(&data));
            let _ = socket.emit("authenticated", &true);
        }
    });
    socket.on("socket:bind", async |_socket: SocketRef| {
        // The mock's token sees one fixed set of websites: nothing to re-associate.
    });
    let push_shared = shared.clone();
    socket.on("socket:bind:push", move |socket: SocketRef, Data::<Value>(data)| {
        let shared = push_shared.clone();
        async move {
            if socket.rooms().iter().any(|room| room == AUTHENTICATED) {
                socket.join(event_names(&data));
                lock(&shared.rtm_binds).push(("socket:bind:push", event_names(&data)));
            }
        }
    });
    let pop_shared = shared.clone();
    socket.on("socket:bind:pop", move |socket: SocketRef, Data::<Value>(data)| {
        let shared = pop_shared.clone();
        async move {
            socket.leave(event_names(&data));
            lock(&shared.rtm_binds).push(("socket:bind:pop", event_names(&data)));
        }
    });
}

/// Delivers raised events in order: to every socket in the event's room,
/// waiting while a socket's buffer is full so nothing is dropped, then to
/// the Web Hook queue.
pub(crate) async fn dispatch(io: SocketIo, shared: Arc<Shared>, mut events: mpsc::UnboundedReceiver<Outgoing>) {
    while let Some(Outgoing { name, data }) = events.recv().await {
        for socket in io.to(name.clone()).sockets() {
            // A reader that stays stuck this long is given up on, so one
            // socket cannot hold back every other delivery for ever.
            let give_up = tokio::time::Instant::now() + Duration::from_secs(10);
            loop {
                match socket.emit(&name, &data) {
                    Ok(()) => break,
                    Err(socketioxide::SendError::Socket(socketioxide::SocketError::InternalChannelFull))
                        if tokio::time::Instant::now() < give_up =>
                    {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                    Err(err) => {
                        tracing::debug!(%err, event = %name, "crisp-mock could not emit an event");
                        break;
                    }
                }
            }
        }
        crate::webhooks::enqueue(&shared, &name, &data);
    }
}

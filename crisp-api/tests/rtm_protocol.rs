//! The RTM client against scripted Engine.IO v4 / Socket.IO v5 servers run
//! inside each test: handshake, authentication, heartbeats, subscription
//! changes, reconnection, dead-peer detection, back-pressure and shutdown.
//! Every test is bounded in time and its servers stop on their own.

#[path = "support/trace_capture.rs"]
mod trace_capture;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crisp_api::events::Event;
use crisp_api::rtm::{ConnectionState, RtmClient, RtmError};
use crisp_api::{Crisp, RetryPolicy, Tier};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

const IDENTIFIER: &str = "rtm-identifier";
const KEY: &str = "rtm-key-that-must-never-leak-4b1d";
/// The most any single wait in these tests may take.
const STEP: Duration = Duration::from_secs(5);

fn client() -> Crisp {
    Crisp::builder().credentials(IDENTIFIER, KEY).tier(Tier::Plugin).build().unwrap()
}

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(STEP, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out: {what}"),
    }
}

/// Runs the server script to its end, so its assertions count.
async fn finish(server: JoinHandle<()>) {
    within("the server script", server).await.expect("the server script failed");
}

/// A scripted Socket.IO server on 127.0.0.1.
struct Server {
    listener: TcpListener,
}

impl Server {
    async fn start() -> Self {
        Self { listener: TcpListener::bind("127.0.0.1:0").await.unwrap() }
    }

    fn url(&self) -> String {
        format!("http://{}/rtm/", self.listener.local_addr().unwrap())
    }

    /// Accepts the next websocket and checks the Engine.IO request line.
    // The callback's error type is tungstenite's, not ours to shrink.
    #[allow(clippy::result_large_err)]
    async fn accept(&self) -> Peer {
        let (tcp, _) = within("a client connection", self.listener.accept()).await.unwrap();
        let path = Arc::new(Mutex::new(String::new()));
        let seen = path.clone();
        let ws = tokio_tungstenite::accept_hdr_async(tcp, move |request: &Request, response: Response| {
            *seen.lock().unwrap() = request.uri().to_string();
            Ok(response)
        })
        .await
        .unwrap();
        let path = path.lock().unwrap().clone();
        assert_eq!(path, "/rtm/?EIO=4&transport=websocket");
        Peer { ws }
    }

    /// True when no client connects within `wait`.
    async fn stays_idle(&self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.listener.accept()).await.is_err()
    }
}

struct Peer {
    ws: WebSocketStream<TcpStream>,
}

impl Peer {
    async fn send(&mut self, text: impl Into<String>) {
        let text: String = text.into();
        within("sending", self.ws.send(Message::text(text))).await.unwrap();
    }

    /// The next text frame, or `None` once the client closed.
    async fn recv(&mut self) -> Option<String> {
        loop {
            match within("a frame from the client", self.ws.next()).await {
                Some(Ok(Message::Text(text))) => return Some(text.to_string()),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => {}
            }
        }
    }

    async fn expect(&mut self, expected: &str) {
        assert_eq!(self.recv().await.as_deref(), Some(expected));
    }

    /// Engine.IO open and Socket.IO connect.
    async fn open(&mut self, ping_interval: u64, ping_timeout: u64) {
        let open = json!({
            "sid": "eio-sid",
            "upgrades": [],
            "pingInterval": ping_interval,
            "pingTimeout": ping_timeout,
            "maxPayload": 1_000_000,
        });
        self.send(format!("0{open}")).await;
        self.expect("40").await;
        self.send(r#"40{"sid":"sio-sid"}"#).await;
    }

    /// The `authentication` payload the client sent.
    async fn authentication(&mut self) -> Value {
        let text = self.recv().await.expect("the client sent no authentication");
        let (name, data) = event(&text);
        assert_eq!(name, "authentication");
        data
    }

    /// Open, connect, check the credentials, accept them; returns the events subscribed to.
    async fn handshake(&mut self, ping_interval: u64, ping_timeout: u64) -> Vec<String> {
        self.open(ping_interval, ping_timeout).await;
        let auth = self.authentication().await;
        assert_eq!(auth["username"], IDENTIFIER);
        assert_eq!(auth["password"], KEY);
        assert_eq!(auth["tier"], "plugin");
        self.send(r#"42["authenticated",true]"#).await;
        auth["events"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_owned()).collect()
    }

    async fn emit(&mut self, name: &str, data: Value) {
        self.send(format!("42{}", json!([name, data]))).await;
    }

    /// Waits for the client's clean shutdown: `41`, then the websocket close.
    async fn expect_goodbye(&mut self) {
        loop {
            match self.recv().await.as_deref() {
                Some("41") => break,
                Some("3") => {}
                other => panic!("expected 41, got {other:?}"),
            }
        }
        assert_eq!(self.recv().await, None);
    }
}

/// An event packet's name and first argument.
fn event(text: &str) -> (String, Value) {
    let body = text.strip_prefix("42").unwrap_or_else(|| panic!("not an event: {text}"));
    let mut array: Vec<Value> = serde_json::from_str(body).unwrap();
    let data = if array.len() > 1 { array.remove(1) } else { Value::Null };
    (array[0].as_str().unwrap().to_owned(), data)
}

async fn next_event(rtm: &mut RtmClient) -> Event {
    within("an event", rtm.next()).await.expect("the stream ended").expect("the stream failed")
}

#[tokio::test]
async fn events_arrive_typed() {
    let server = Server::start().await;
    let url = server.url();
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        let events = peer.handshake(25_000, 20_000).await;
        assert_eq!(events, ["message:send", "session:set_state"]);
        peer.emit("message:send", json!({"type": "text", "from": "user", "content": "Hi", "session_id": "s1"})).await;
        peer.emit("rocket:launched", json!({"speed": 3})).await;
        peer.send(r#"42["no:data"]"#).await;
        peer.send(r#"421["with:ack",{"a":1}]"#).await;
        peer.send(r#"42/admin,["message:send",{}]"#).await; // another namespace: not for this client
        peer.send("6").await;
        peer.emit("session:set_state", json!({"state": "resolved", "session_id": "s1"})).await;
        peer.expect_goodbye().await;
    });

    let mut rtm = within(
        "connect",
        client()
            .rtm()
            .events([crisp_api::events::EventName::MessageSend, crisp_api::events::EventName::SessionSetState])
            .url(url)
            .connect(),
    )
    .await
    .unwrap();
    assert_eq!(rtm.state(), ConnectionState::Authenticated);
    match next_event(&mut rtm).await {
        Event::MessageSend(message) => {
            assert_eq!(message.content, Some(json!("Hi")));
            assert_eq!(message.session_id.as_deref(), Some("s1"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        next_event(&mut rtm).await,
        Event::Unknown { name: "rocket:launched".into(), data: json!({"speed": 3}) }
    );
    assert_eq!(next_event(&mut rtm).await, Event::Unknown { name: "no:data".into(), data: Value::Null });
    assert_eq!(next_event(&mut rtm).await, Event::Unknown { name: "with:ack".into(), data: json!({"a": 1}) });
    assert!(matches!(next_event(&mut rtm).await, Event::SessionSetState(_)));
    rtm.close().await;
    finish(script).await;
}

#[tokio::test]
async fn all_events_are_subscribed_by_default() {
    let server = Server::start().await;
    let url = server.url();
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        let events = peer.handshake(25_000, 20_000).await;
        assert_eq!(events, crisp_api::events::EVENT_NAMES);
        peer.expect_goodbye().await;
    });
    let mut rtm = within("connect", client().rtm().url(url).connect()).await.unwrap();
    assert_eq!(rtm.subscriptions(), crisp_api::events::EVENT_NAMES);
    rtm.close().await;
    finish(script).await;
}

#[tokio::test]
async fn refused_credentials_are_a_typed_error_and_not_retried() {
    let server = Server::start().await;
    let url = server.url();
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        peer.open(25_000, 20_000).await;
        let auth = peer.authentication().await;
        assert_eq!(auth["password"], KEY);
        peer.send(r#"42["unauthorized",{"message":"invalid_session"}]"#).await;
        peer.expect_goodbye().await;
        assert!(server.stays_idle(Duration::from_millis(500)).await, "the client came back after being refused");
    });

    let started = Instant::now();
    let err = within(
        "connect",
        client().rtm().url(url).reconnect_backoff(Duration::from_millis(1), Duration::from_millis(5)).connect(),
    )
    .await
    .unwrap_err();
    assert!(matches!(&err, RtmError::Unauthorized { message: Some(m) } if m == "invalid_session"), "{err:?}");
    assert!(err.is_fatal());
    let text = format!("{err} {err:?}");
    assert!(text.contains("check the identifier, the key and the tier"), "{text}");
    assert!(!text.contains(KEY));
    assert!(started.elapsed() < STEP);
    finish(script).await;
}

#[tokio::test]
async fn authenticated_false_is_refused_too() {
    let server = Server::start().await;
    let url = server.url();
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        peer.open(25_000, 20_000).await;
        peer.authentication().await;
        peer.send(r#"42["authenticated",false]"#).await;
        peer.expect_goodbye().await;
    });
    let err = within("connect", client().rtm().url(url).connect()).await.unwrap_err();
    assert!(matches!(err, RtmError::Unauthorized { message: None }), "{err:?}");
    finish(script).await;
}

#[tokio::test]
async fn refusal_after_a_reconnection_ends_the_stream_with_the_error() {
    let server = Server::start().await;
    let url = server.url();
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        peer.handshake(25_000, 20_000).await;
        drop(peer);
        let mut peer = server.accept().await;
        peer.open(25_000, 20_000).await;
        peer.authentication().await;
        peer.send(r#"42["unauthorized",{"message":"token_revoked"}]"#).await;
        peer.expect_goodbye().await;
        assert!(server.stays_idle(Duration::from_millis(300)).await, "the client came back after being refused");
    });
    let mut rtm = within(
        "connect",
        client().rtm().url(url).reconnect_backoff(Duration::from_millis(5), Duration::from_millis(20)).connect(),
    )
    .await
    .unwrap();
    let item = within("the error", rtm.next()).await.expect("the stream ended without the error");
    assert!(matches!(item, Err(RtmError::Unauthorized { message: Some(ref m) }) if m == "token_revoked"), "{item:?}");
    assert!(within("the end", rtm.next()).await.is_none());
    assert_eq!(rtm.state(), ConnectionState::Closed);
    finish(script).await;
}

#[tokio::test]
async fn pings_are_answered_with_pongs() {
    let server = Server::start().await;
    let url = server.url();
    let (ponged_tx, ponged_rx) = tokio::sync::oneshot::channel();
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        peer.handshake(25_000, 20_000).await;
        for _ in 0..3 {
            peer.send("2").await;
            peer.expect("3").await;
        }
        let _ = ponged_tx.send(());
        peer.expect_goodbye().await;
    });
    let mut rtm = within("connect", client().rtm().url(url).connect()).await.unwrap();
    // The pongs go out while nobody reads the stream.
    within("three pongs", ponged_rx).await.unwrap();
    rtm.close().await;
    finish(script).await;
}

#[tokio::test]
async fn reconnects_and_resubscribes_the_current_events() {
    let server = Server::start().await;
    let url = server.url();
    let (bound_tx, bound_rx) = tokio::sync::oneshot::channel();
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        assert_eq!(peer.handshake(25_000, 20_000).await, ["message:send", "message:received"]);
        assert_eq!(
            event(&peer.recv().await.unwrap()),
            ("socket:bind:push".into(), json!({"events": ["session:set_state"]}))
        );
        assert_eq!(
            event(&peer.recv().await.unwrap()),
            ("socket:bind:pop".into(), json!({"events": ["message:received"]}))
        );
        assert_eq!(event(&peer.recv().await.unwrap()), ("socket:bind".into(), json!({})));
        bound_tx.send(()).unwrap();
        // The server goes away without a word.
        drop(peer);

        let mut peer = server.accept().await;
        assert_eq!(peer.handshake(25_000, 20_000).await, ["message:send", "session:set_state"]);
        peer.emit("session:set_state", json!({"state": "unresolved"})).await;
        peer.expect_goodbye().await;
    });

    let mut rtm = within(
        "connect",
        client()
            .rtm()
            .events([crisp_api::events::EventName::MessageSend, crisp_api::events::EventName::MessageReceived])
            .url(url)
            .reconnect_backoff(Duration::from_millis(10), Duration::from_millis(50))
            .connect(),
    )
    .await
    .unwrap();
    let mut changes = rtm.state_changes();
    let observer = tokio::spawn(async move {
        let mut seen = Vec::new();
        while changes.changed().await.is_ok() {
            let state = *changes.borrow_and_update();
            seen.push(state);
            if state == ConnectionState::Authenticated || state == ConnectionState::Closed {
                break;
            }
        }
        seen
    });

    rtm.bind_push([crisp_api::events::EventName::SessionSetState]).await.unwrap();
    rtm.handle().bind_pop([crisp_api::events::EventName::MessageReceived]).await.unwrap();
    rtm.rebind().await.unwrap();
    assert_eq!(rtm.subscriptions(), ["message:send", "session:set_state"]);
    within("the binds", bound_rx).await.unwrap();

    assert!(matches!(next_event(&mut rtm).await, Event::SessionSetState(_)));
    let seen = within("the state changes", observer).await.unwrap();
    assert_eq!(seen, [ConnectionState::Reconnecting { attempt: 1 }, ConnectionState::Authenticated]);
    rtm.close().await;
    finish(script).await;
}

#[tokio::test]
async fn subscription_changes_while_disconnected_apply_on_reconnection() {
    let server = Server::start().await;
    let url = server.url();
    let (gone_tx, gone_rx) = tokio::sync::oneshot::channel::<()>();
    let (changed_tx, changed_rx) = tokio::sync::oneshot::channel::<()>();
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        peer.handshake(25_000, 20_000).await;
        drop(peer);
        // Refuse to answer until the client changed its subscription offline.
        let stalled = server.accept().await;
        gone_tx.send(()).unwrap();
        within("the offline change", changed_rx).await.unwrap();
        drop(stalled);
        let mut peer = server.accept().await;
        assert_eq!(peer.handshake(25_000, 20_000).await, ["message:send", "message:received"]);
        peer.expect_goodbye().await;
    });
    let mut rtm = within(
        "connect",
        client()
            .rtm()
            .events([crisp_api::events::EventName::MessageSend])
            .url(url)
            .reconnect_backoff(Duration::from_millis(5), Duration::from_millis(20))
            .connect(),
    )
    .await
    .unwrap();
    within("the drop", gone_rx).await.unwrap();
    rtm.bind_push([crisp_api::events::EventName::MessageReceived]).await.unwrap();
    changed_tx.send(()).unwrap();
    let mut changes = rtm.state_changes();
    within("authenticated again", changes.wait_for(|s| *s == ConnectionState::Authenticated)).await.unwrap();
    rtm.close().await;
    finish(script).await;
}

#[tokio::test]
async fn a_silent_server_is_detected_and_replaced() {
    let server = Server::start().await;
    let url = server.url();
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        peer.handshake(100, 100).await;
        let silent_since = Instant::now();
        // Keep the socket open but say nothing: no pings, no reads.
        let next = server.accept().await;
        let waited = silent_since.elapsed();
        assert!(waited >= Duration::from_millis(150), "gave up after {waited:?}");
        drop(peer);
        let mut peer = next;
        peer.handshake(25_000, 20_000).await;
        peer.emit("message:send", json!({"content": "after"})).await;
        peer.expect_goodbye().await;
    });
    let mut rtm = within(
        "connect",
        client().rtm().url(url).reconnect_backoff(Duration::from_millis(10), Duration::from_millis(20)).connect(),
    )
    .await
    .unwrap();
    let mut changes = rtm.state_changes();
    within("the reconnection", changes.wait_for(|s| matches!(s, ConnectionState::Reconnecting { .. }))).await.unwrap();
    match next_event(&mut rtm).await {
        Event::MessageSend(message) => assert_eq!(message.content, Some(json!("after"))),
        other => panic!("{other:?}"),
    }
    assert_eq!(rtm.state(), ConnectionState::Authenticated);
    rtm.close().await;
    finish(script).await;
}

#[tokio::test]
async fn close_ends_the_stream_and_the_task() {
    let server = Server::start().await;
    let url = server.url();
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        peer.handshake(25_000, 20_000).await;
        peer.emit("message:send", json!({})).await;
        peer.expect_goodbye().await;
    });
    let mut rtm = within("connect", client().rtm().url(url).connect()).await.unwrap();
    let handle = rtm.handle();
    let mut changes = rtm.state_changes();
    within("close", rtm.close()).await;
    assert_eq!(rtm.state(), ConnectionState::Closed);
    assert_eq!(*changes.borrow_and_update(), ConnectionState::Closed);
    assert!(rtm.next().await.is_none(), "the stream goes on after close");
    assert!(matches!(handle.bind_push([crisp_api::events::EventName::MessageReceived]).await, Err(RtmError::Closed)));
    assert!(matches!(handle.rebind().await, Err(RtmError::Closed)));
    within("a second close", handle.close()).await;
    finish(script).await;
}

#[tokio::test]
async fn a_handle_close_lets_the_stream_drain_then_end() {
    let server = Server::start().await;
    let url = server.url();
    let (sent_tx, sent_rx) = tokio::sync::oneshot::channel();
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        peer.handshake(25_000, 20_000).await;
        peer.emit("message:send", json!({})).await;
        // Frames are handled in order: once the ping is answered, the event
        // before it is in the client's buffer.
        peer.send("2").await;
        peer.expect("3").await;
        sent_tx.send(()).unwrap();
        peer.expect_goodbye().await;
    });
    let mut rtm = within("connect", client().rtm().url(url).connect()).await.unwrap();
    within("the event", sent_rx).await.unwrap();
    within("close", rtm.handle().close()).await;
    assert!(matches!(next_event(&mut rtm).await, Event::MessageSend(_)));
    assert!(within("the end", rtm.next()).await.is_none());
    finish(script).await;
}

#[tokio::test]
async fn dropping_the_client_stops_the_task() {
    let server = Server::start().await;
    let url = server.url();
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        peer.handshake(25_000, 20_000).await;
        peer.expect_goodbye().await;
        assert!(server.stays_idle(Duration::from_millis(300)).await, "the dropped client reconnected");
    });
    let rtm = within("connect", client().rtm().url(url).connect()).await.unwrap();
    let mut changes = rtm.state_changes();
    let handle = rtm.handle();
    drop(rtm);
    within("closed", changes.wait_for(|s| *s == ConnectionState::Closed)).await.unwrap();
    assert!(matches!(handle.rebind().await, Err(RtmError::Closed)));
    finish(script).await;
}

#[tokio::test]
async fn a_slow_consumer_gets_every_event_of_a_burst() {
    const BURST: u64 = 10_000;
    let server = Server::start().await;
    let url = server.url();
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        peer.handshake(25_000, 20_000).await;
        for n in 0..BURST {
            within("queueing", peer.ws.feed(Message::text(format!(r#"42["test:burst",{{"n":{n}}}]"#)))).await.unwrap();
            if n % 2_000 == 0 {
                within("queueing", peer.ws.feed(Message::text("2"))).await.unwrap();
            }
        }
        within("flushing", peer.ws.flush()).await.unwrap();
        let mut pongs = 0;
        loop {
            match peer.recv().await.as_deref() {
                Some("3") => pongs += 1,
                Some("41") => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(pongs, 5);
    });
    let mut rtm = within("connect", client().rtm().url(url).connect()).await.unwrap();
    for expected in 0..BURST {
        let event = within("a burst event", rtm.next()).await.expect("the stream ended").unwrap();
        assert_eq!(event, Event::Unknown { name: "test:burst".into(), data: json!({"n": expected}) });
        if expected % 500 == 0 {
            // A consumer slower than the socket.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    rtm.close().await;
    finish(script).await;
}

#[tokio::test]
async fn first_connection_failures_are_typed() {
    // Nothing listens.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/rtm/", closed.local_addr().unwrap());
    drop(closed);
    let err = within("connect", client().rtm().url(&url).connect()).await.unwrap_err();
    match &err {
        RtmError::Connect { url, .. } => {
            assert!(url.starts_with("ws://127.0.0.1:") && url.ends_with("/rtm/?EIO=4&transport=websocket"))
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.is_fatal());

    // A server that accepts the websocket and then says nothing.
    let server = Server::start().await;
    let url = server.url();
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        assert_eq!(peer.recv().await, None);
    });
    let err = within("connect", client().rtm().url(url).connect_timeout(Duration::from_millis(300)).connect())
        .await
        .unwrap_err();
    assert!(matches!(err, RtmError::Timeout { after } if after == Duration::from_millis(300)), "{err:?}");
    finish(script).await;

    // A server that refuses the Socket.IO connection.
    let server = Server::start().await;
    let url = server.url();
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        peer.send(r#"0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000}"#).await;
        peer.expect("40").await;
        peer.send(r#"44{"message":"not allowed here"}"#).await;
        assert_eq!(peer.recv().await, None);
    });
    let err = within("connect", client().rtm().url(url).connect()).await.unwrap_err();
    assert!(matches!(&err, RtmError::Protocol { message } if message.contains("not allowed here")), "{err:?}");
    finish(script).await;

    // A server that does not speak Engine.IO.
    let server = Server::start().await;
    let url = server.url();
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        peer.send("hello").await;
        assert_eq!(peer.recv().await, None);
    });
    let err = within("connect", client().rtm().url(url).connect()).await.unwrap_err();
    assert!(matches!(err, RtmError::Protocol { .. }), "{err:?}");
    finish(script).await;
}

#[tokio::test]
async fn bad_input_is_refused_before_connecting() {
    let err = Crisp::new().rtm().url("http://127.0.0.1:1/").connect().await.unwrap_err();
    assert!(matches!(&err, RtmError::InvalidInput { message } if message.contains("credentials")), "{err:?}");
    let err = client().rtm().url("ftp://127.0.0.1/").connect().await.unwrap_err();
    assert!(matches!(err, RtmError::InvalidInput { .. }), "{err:?}");
    let err = client()
        .rtm()
        .url("http://127.0.0.1:1/")
        .events(Vec::<crisp_api::events::EventName>::new())
        .connect()
        .await
        .unwrap_err();
    assert!(matches!(err, RtmError::InvalidInput { .. }), "{err:?}");
}

/// A one-request-per-connection HTTP responder standing in for the REST API.
async fn rest(answers: Vec<(u16, Value)>) -> (String, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1/", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut requests = Vec::new();
        for (status, body) in answers {
            let (mut tcp, _) = within("a REST request", listener.accept()).await.unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                if within("the request head", tcp.read(&mut byte)).await.unwrap() == 0 {
                    break;
                }
                head.push(byte[0]);
            }
            let head = String::from_utf8(head).unwrap();
            requests.push(head);
            let body = body.to_string();
            let response = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            tcp.write_all(response.as_bytes()).await.unwrap();
            tcp.shutdown().await.unwrap();
        }
        requests
    });
    (base, task)
}

fn endpoints(app: &str) -> Value {
    json!({"error": false, "reason": "resolved", "data": {"socket": {"app": app}, "rescue": {"socket": {"app": app}}}})
}

#[tokio::test]
async fn discovery_finds_the_endpoint_and_runs_again_on_reconnection() {
    let server = Server::start().await;
    let app = server.url();
    let (base, rest) = rest(vec![(200, endpoints(&app)), (200, endpoints(&app))]).await;
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        peer.handshake(25_000, 20_000).await;
        drop(peer);
        let mut peer = server.accept().await;
        peer.handshake(25_000, 20_000).await;
        peer.emit("message:send", json!({})).await;
        peer.expect_goodbye().await;
    });
    let client = Crisp::builder().credentials(IDENTIFIER, KEY).tier(Tier::Plugin).base_url(base).build().unwrap();
    let mut rtm = within(
        "connect",
        client.rtm().reconnect_backoff(Duration::from_millis(5), Duration::from_millis(20)).connect(),
    )
    .await
    .unwrap();
    assert!(matches!(next_event(&mut rtm).await, Event::MessageSend(_)));
    rtm.close().await;
    finish(script).await;
    let requests = within("the REST log", rest).await.unwrap();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert!(request.starts_with("GET /v1/plugin/connect/endpoints HTTP/1.1\r\n"), "{request}");
        assert!(request.to_ascii_lowercase().contains("x-crisp-tier: plugin"), "{request}");
        assert!(request.to_ascii_lowercase().contains("authorization: basic "), "{request}");
    }
}

#[tokio::test]
async fn discovery_failures_are_typed() {
    let (base, rest_log) = rest(vec![
        (401, json!({"error": true, "reason": "invalid_session", "data": {}})),
        (200, json!({"error": false, "reason": "resolved", "data": {}})),
    ])
    .await;
    let client = Crisp::builder()
        .credentials(IDENTIFIER, KEY)
        .tier(Tier::User)
        .base_url(base)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    // Refused credentials are the "unauthorized" kind, whichever step noticed them.
    let err = within("connect", client.rtm().connect()).await.unwrap_err();
    match &err {
        RtmError::Unauthorized { message } => assert_eq!(message.as_deref(), Some("invalid_session")),
        other => panic!("{other:?}"),
    }
    assert!(err.is_fatal());
    // One error story: `?` turns it into the crate's error, still "unauthorized".
    let err = crisp_api::Error::from(err);
    assert!(err.is_unauthorized(), "{err:?}");
    assert!(matches!(err.kind(), crisp_api::ErrorKind::Rtm(RtmError::Unauthorized { .. })));
    let err = within("connect", client.rtm().connect()).await.unwrap_err();
    match &err {
        RtmError::Discovery(inner) => assert!(inner.to_string().contains("data.socket.app"), "{inner}"),
        other => panic!("{other:?}"),
    }
    assert!(!format!("{err} {err:?}").contains(KEY));
    let requests = within("the REST log", rest_log).await.unwrap();
    assert!(requests.iter().all(|r| r.starts_with("GET /v1/user/connect/endpoints ")), "{requests:?}");
}

#[tokio::test]
async fn the_key_appears_in_no_trace_debug_or_error() {
    // The test runtime is single-threaded, so the client's task logs here too.
    let (capture, _guard) = trace_capture::capture_traces();

    let server = Server::start().await;
    let url = server.url();
    let script = tokio::spawn(async move {
        let mut peer = server.accept().await;
        peer.handshake(25_000, 20_000).await;
        peer.send("2").await;
        peer.expect("3").await;
        peer.emit("message:send", json!({"content": "hello"})).await;
        drop(peer);
        let mut peer = server.accept().await;
        peer.open(25_000, 20_000).await;
        peer.authentication().await;
        peer.send(r#"42["unauthorized",{}]"#).await;
        peer.expect_goodbye().await;
    });
    let builder = client().rtm().url(url).reconnect_backoff(Duration::from_millis(5), Duration::from_millis(10));
    let mut texts = vec![format!("{builder:?}")];
    let mut rtm = within("connect", builder.connect()).await.unwrap();
    texts.push(format!("{rtm:?} {:?}", rtm.handle()));
    next_event(&mut rtm).await;
    let err = within("the refusal", rtm.next()).await.unwrap().unwrap_err();
    texts.push(format!("{err} {err:?}"));
    finish(script).await;

    let logs = capture.text();
    assert!(logs.contains("crisp rtm authenticating"), "{logs}");
    assert!(logs.contains("crisp rtm reconnecting"), "{logs}");
    texts.push(logs);
    for text in &texts {
        assert!(!text.contains(KEY), "key leaked: {text}");
    }
}

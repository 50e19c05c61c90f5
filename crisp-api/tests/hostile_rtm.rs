//! The RTM client against misbehaving Socket.IO servers on 127.0.0.1,
//! started and stopped by each test: a flood before `authenticated`, servers
//! that drop every session right after authenticating or send garbage,
//! oversized messages, and refused credentials found by discovery.
//! Connection counts are asserted, not timings; time bounds are ceilings.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crisp_api::rtm::{ConnectionState, RtmError};
use crisp_api::{Crisp, ErrorKind, Tier};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

const IDENTIFIER: &str = "rtm-hostile-identifier";
const KEY: &str = "rtm-hostile-key-never-shown-77c1";
const CEILING: Duration = Duration::from_secs(20);

fn client() -> Crisp {
    Crisp::builder().credentials(IDENTIFIER, KEY).tier(Tier::Plugin).build().unwrap()
}

async fn bounded<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(CEILING, future).await.unwrap_or_else(|_| panic!("no end in sight: {what}"))
}

type Ws = WebSocketStream<TcpStream>;

/// A Socket.IO server that runs `session` on every connection and counts them.
struct Server {
    url: String,
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    async fn start<F, Fut>(session: F) -> Self
    where
        F: Fn(Ws, usize) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/rtm/", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        let session = Arc::new(session);
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { return };
                let number = counter.fetch_add(1, Ordering::SeqCst) + 1;
                let session = session.clone();
                tokio::spawn(async move {
                    if let Ok(ws) = tokio_tungstenite::accept_async(tcp).await {
                        session(ws, number).await;
                    }
                });
            }
        });
        Self { url, connections, task }
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

async fn send(ws: &mut Ws, text: impl Into<String>) -> bool {
    ws.send(Message::text(text.into())).await.is_ok()
}

/// The next text frame from the client.
async fn recv(ws: &mut Ws) -> Option<String> {
    while let Some(Ok(message)) = ws.next().await {
        if let Message::Text(text) = message {
            return Some(text.to_string());
        }
    }
    None
}

/// Engine.IO open, Socket.IO connect, and the client's `authentication` (read, not answered).
async fn open(ws: &mut Ws) -> bool {
    let open = json!({"sid": "s", "upgrades": [], "pingInterval": 25_000, "pingTimeout": 20_000});
    send(ws, format!("0{open}")).await
        && recv(ws).await.as_deref() == Some("40")
        && send(ws, r#"40{"sid":"x"}"#).await
        && recv(ws).await.is_some_and(|auth| auth.starts_with(r#"42["authentication""#))
}

#[tokio::test]
async fn a_flood_before_authenticated_does_not_stretch_the_connect_timeout() {
    let server = Server::start(|mut ws, _| async move {
        if open(&mut ws).await {
            let event = format!("42{}", json!(["message:send", {"content": "x".repeat(512)}]));
            // Bounded by the client hanging up (and by the count, should it not).
            for _ in 0..1_000_000 {
                if !send(&mut ws, event.clone()).await {
                    return;
                }
            }
        }
    })
    .await;
    let builder = client().rtm().url(&server.url).connect_timeout(Duration::from_millis(500));
    let err = bounded("connect", builder.connect()).await.unwrap_err();
    assert!(matches!(err, RtmError::Timeout { .. }), "{err:?}");
    assert_eq!(server.connections(), 1, "the first connection is not retried");
}

#[tokio::test]
async fn a_silent_handshake_ends_in_the_connect_timeout() {
    let server = Server::start(|mut ws, _| async move {
        // Opens the session and pings, never `40`, never `authenticated`; then
        // holds the connection, reading (so the client's pongs never pile up
        // unread) until the client hangs up. A peer that closed instead would
        // be a reset, which is the next test's story.
        let open = json!({"sid": "s", "upgrades": [], "pingInterval": 10, "pingTimeout": 10_000});
        send(&mut ws, format!("0{open}")).await;
        for _ in 0..1_000 {
            if !send(&mut ws, "2").await {
                return;
            }
        }
        while ws.next().await.is_some() {}
    })
    .await;
    let builder = client().rtm().url(&server.url).connect_timeout(Duration::from_millis(500));
    let err = bounded("connect", builder.connect()).await.unwrap_err();
    assert!(matches!(err, RtmError::Timeout { .. }), "{err:?}");
    assert_eq!(server.connections(), 1, "the first connection is not retried");
}

#[tokio::test]
async fn a_peer_that_hangs_up_during_the_handshake_is_a_connect_error() {
    // Opens the session, then closes the TCP connection with the client's
    // `40` unread, so the kernel answers with a reset: a broken connection,
    // reported as such well before the connect timeout.
    let server = Server::start(|mut ws, _| async move {
        let open = json!({"sid": "s", "upgrades": [], "pingInterval": 25_000, "pingTimeout": 20_000});
        send(&mut ws, format!("0{open}")).await;
    })
    .await;
    let builder = client().rtm().url(&server.url).connect_timeout(Duration::from_secs(10));
    let err = bounded("connect", builder.connect()).await.unwrap_err();
    assert!(matches!(err, RtmError::Connect { .. }), "{err:?}");
    assert_eq!(server.connections(), 1, "the first connection is not retried");
}

/// Authenticates every connection, then breaks it at once: odd connections
/// are dropped, even ones get a malformed packet.
async fn storm(mut ws: Ws, number: usize) {
    let authenticated = open(&mut ws).await && send(&mut ws, r#"42["authenticated",true]"#).await;
    if authenticated && number.is_multiple_of(2) {
        send(&mut ws, "4not a socket.io packet").await;
        while recv(&mut ws).await.is_some() {}
    }
}

#[tokio::test]
async fn a_server_dropping_every_session_meets_growing_backoff() {
    let server = Server::start(storm).await;
    // Shorter than the default 1 s first delay, so the storm would show at
    // once if the back-off started again after each authentication.
    let rtm = bounded(
        "connect",
        client()
            .rtm()
            .url(&server.url)
            .reconnect_backoff(Duration::from_millis(100), Duration::from_secs(30))
            .connect(),
    )
    .await
    .unwrap();
    let mut states = rtm.state_changes();
    let mut highest = 0;
    let watch = async {
        while states.changed().await.is_ok() {
            if let ConnectionState::Reconnecting { attempt } = *states.borrow_and_update() {
                highest = highest.max(attempt);
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), watch).await;
    let connections = server.connections();
    println!("drop-after-auth storm: {connections} connections in 5 s, reconnection attempt reached {highest}");
    assert!(connections >= 3, "the client reconnected ({connections})");
    assert!(connections <= 10, "{connections} connections in 5 s");
    assert!(highest >= 3, "the attempt count grows across short sessions ({highest})");
}

#[tokio::test]
async fn an_oversized_message_is_refused_and_the_client_reconnects() {
    let server = Server::start(|mut ws, number| async move {
        if open(&mut ws).await && send(&mut ws, r#"42["authenticated",true]"#).await {
            if number == 1 {
                let big = format!("42{}", json!(["message:send", {"content": "y".repeat(2 << 20)}]));
                send(&mut ws, big).await;
            } else {
                send(&mut ws, format!("42{}", json!(["message:send", {"content": "small"}]))).await;
            }
            while recv(&mut ws).await.is_some() {}
        }
    })
    .await;
    let mut rtm = bounded(
        "connect",
        client()
            .rtm()
            .url(&server.url)
            .max_message_size(64 * 1024)
            .reconnect_backoff(Duration::from_millis(5), Duration::from_millis(10))
            .connect(),
    )
    .await
    .unwrap();
    // The 2 MiB message never arrives; the one after the reconnection does.
    let event = bounded("an event", rtm.next()).await.unwrap().unwrap();
    assert_eq!(event.name(), "message:send");
    match event {
        crisp_api::events::Event::MessageSend(message) => assert_eq!(message.content, Some(json!("small"))),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.connections(), 2);
    rtm.close().await;
}

#[tokio::test]
async fn a_wrong_key_ends_in_unauthorized_not_in_a_discovery_401() {
    let mock = crisp_mock::MockServer::start().await.unwrap();
    let client = Crisp::builder()
        .credentials(mock.identifier(), "not-the-key")
        .tier(Tier::Plugin)
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let err = bounded("connect", client.rtm().connect()).await.unwrap_err();
    assert!(matches!(err, RtmError::Unauthorized { .. }), "{err:?}");
    assert!(err.is_fatal());
    // `?` across REST and RTM: one error type, the specific kind reachable.
    let run = async || -> crisp_api::Result<()> {
        client.rtm().connect().await?;
        Ok(())
    };
    let err = bounded("connect", run()).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert!(matches!(err.kind(), ErrorKind::Rtm(RtmError::Unauthorized { .. })));
    assert!(!format!("{err} {err:?}").contains("not-the-key"));
}

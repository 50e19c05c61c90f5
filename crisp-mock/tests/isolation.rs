//! One RTM consumer that stops reading must not slow anyone else down: the
//! healthy socket gets every event within seconds, the stuck one is dropped.

use std::time::Duration;

use crisp_api::events::Event;
use crisp_api::{Crisp, Tier};
use crisp_mock::MockServer;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

const EVENTS: usize = 10_000;

/// Opens a raw Socket.IO websocket, authenticates for `events`, and
/// returns it once the mock has confirmed; the caller then stops reading.
async fn authenticated_socket(
    mock: &MockServer,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!("ws://{}/rtm/?EIO=4&transport=websocket", mock.addr());
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.expect("websocket");
    let auth = json!(["authentication", {"username": mock.identifier(), "password": mock.key(), "tier": "plugin", "events": ["website:users:available"]}]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while let Ok(Some(Ok(frame))) = tokio::time::timeout_at(deadline, socket.next()).await {
        let Message::Text(text) = frame else { continue };
        match text.as_str() {
            t if t.starts_with('0') => socket.send(Message::text("40")).await.unwrap(),
            t if t.starts_with("40") => socket.send(Message::text(format!("42{auth}"))).await.unwrap(),
            t if t.starts_with("42[\"authenticated\"") => return socket,
            _ => {}
        }
    }
    panic!("the raw socket was not authenticated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_socket_is_dropped_and_the_healthy_one_gets_every_event() {
    let mock = MockServer::builder().configure(|c| c.rtm_lag_timeout = Duration::from_secs(2)).start().await.unwrap();
    let client = Crisp::builder()
        .credentials(mock.identifier(), mock.key())
        .tier(Tier::Plugin)
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let stuck = authenticated_socket(&mock).await;
    let mut healthy =
        client.rtm().events([crisp_api::events::EventName::WebsiteUsersAvailable]).connect().await.unwrap();
    // Let the healthy client's authentication land before the burst.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let started = std::time::Instant::now();
    let payload = "x".repeat(512);
    for i in 0..EVENTS {
        mock.emit(
            "website:users:available",
            json!({"website_id": mock.website_id(), "available": true, "seq": i, "pad": payload}),
        );
    }
    let mut received = 0;
    // A bound, not a speed check: a socket held back by the stuck one would need minutes.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while received < EVENTS {
        match tokio::time::timeout_at(deadline, healthy.next()).await {
            Ok(Some(Ok(Event::WebsiteUsersAvailable(_)))) => received += 1,
            Ok(Some(Ok(_))) => {}
            other => panic!("healthy socket after {received} events: {other:?}"),
        }
    }
    assert_eq!(received, EVENTS);
    eprintln!("the healthy socket got {EVENTS} events in {:?}", started.elapsed());

    // The stuck socket is disconnected after the lag timeout.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while mock.rtm_slow_consumers().0 == 0 {
        assert!(std::time::Instant::now() < deadline, "the stuck socket was never dropped");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (dropped, lost) = mock.rtm_slow_consumers();
    assert_eq!(dropped, 1);
    assert!(lost > 0, "the stuck socket lost no event");
    // What it reads now ends with the cut, long before all events.
    let mut stuck = stuck;
    let mut read = 0;
    let drain = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(_)) = stuck.next().await {
            read += 1;
        }
    })
    .await;
    assert!(drain.is_ok(), "the stuck socket's connection stayed open");
    assert!(read < EVENTS, "the stuck socket got {read} frames");
    healthy.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_webhook_target_does_not_delay_a_live_one() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    // A live target that counts, and a black hole that accepts and never answers.
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                "ok"
            }
        }),
    );
    let live = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let live_addr = live.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(live, app).await });
    let hole = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hole_addr = hole.local_addr().unwrap();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = hole.accept().await {
            held.push(stream);
        }
    });

    let mut dead = crisp_mock::WebhookTarget::new(format!("http://{hole_addr}/hooks"), "secret");
    dead.timeout = Duration::from_secs(30);
    let mock = MockServer::builder()
        .webhook_target(dead)
        .webhook(format!("http://{live_addr}/hooks"), "secret")
        .configure(|c| c.webhook_queue = 100)
        .start()
        .await
        .unwrap();
    // Batches of 50, each sent once the live target has all the previous
    // ones: if the dead target held it back, the live count would stall.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    for batch in 0..20 {
        for i in 0..50 {
            mock.emit("website:users:available", json!({"website_id": mock.website_id(), "seq": batch * 50 + i}));
        }
        while count.load(Ordering::Relaxed) < (batch + 1) * 50 {
            assert!(
                std::time::Instant::now() < deadline,
                "live target got {} of {}",
                count.load(Ordering::Relaxed),
                (batch + 1) * 50
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    assert_eq!(count.load(Ordering::Relaxed), 1_000);
    // The dead target's queue (100) overflowed: it lost its own events, the live one none.
    let lost = mock.webhook_lost_events();
    assert!(lost[0] >= 800, "dead target lost {}", lost[0]);
    assert_eq!(lost[1], 0);
    server.abort();
    holder.abort();
}

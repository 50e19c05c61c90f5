//! Events per second from the mock to the client over RTM (Socket.IO over a
//! loopback websocket), through the whole path: the mock's dispatcher,
//! socketioxide, the client's packet parser and the typed `Event` decoding.
//!
//! `cargo bench -p crisp-api --bench rtm_throughput`

use std::time::Instant;

use crisp_api::events::Event;
use crisp_api::{Crisp, Tier};
use futures_util::StreamExt as _;
use serde_json::json;

const EVENTS: usize = 50_000;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let mock = crisp_mock::MockServer::start().await.unwrap();
        let client = Crisp::builder()
            .credentials(mock.identifier(), mock.key())
            .tier(Tier::Plugin)
            .base_url(mock.base_url())
            .build()
            .unwrap();
        let mut rtm = client.rtm().events([crisp_api::events::EventName::MessageSend]).connect().await.unwrap();
        let payload = |i: usize| {
            json!({"website_id": mock.website_id(), "session_id": "session_bench", "inbox_id": null, "type": "text",
                   "from": "user", "origin": "chat", "content": format!("message number {i}"), "fingerprint": i,
                   "timestamp": 1_700_000_000_000u64 + i as u64, "user": {"nickname": "Jane Doe", "user_id": "u1"}})
        };
        println!("payload: {} bytes of JSON per event", payload(0).to_string().len());
        for round in 1..=3 {
            let started = Instant::now();
            for i in 0..EVENTS {
                mock.emit("message:send", payload(i));
            }
            let mut received = 0;
            while received < EVENTS {
                match rtm.next().await {
                    Some(Ok(Event::MessageSend(_))) => received += 1,
                    other => panic!("unexpected {other:?}"),
                }
            }
            let elapsed = started.elapsed();
            println!(
                "round {round}: {EVENTS} events in {:.2} s = {:.0} events/s (mock and client on one 2-core machine)",
                elapsed.as_secs_f64(),
                EVENTS as f64 / elapsed.as_secs_f64()
            );
        }
        rtm.close().await;
    });
}

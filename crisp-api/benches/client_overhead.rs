//! The client's own cost per call: crisp-api against a hand-written hyper
//! client doing the same request and decode, both talking to a local server
//! that answers fixed bytes. `decode-only` is the serde cost alone, with no
//! HTTP, to show how much of a call is decoding.

mod support;

use std::hint::black_box;
use std::time::Duration;

use crisp_api::models::{Conversation, ConversationMessageDispatched};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use serde::de::DeserializeOwned;
use support::{Bodies, PER_PAGE, RawClient, SESSION_ID, WEBSITE_ID};

#[derive(serde::Deserialize)]
struct Envelope<T> {
    data: T,
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> T {
    serde_json::from_slice::<Envelope<T>>(bytes).expect("the envelope decodes").data
}

/// Short runs: the whole bench stays under two minutes.
fn configure<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group.measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1)).sample_size(30);
    group
}

fn client_overhead(c: &mut Criterion) {
    let addr = support::start(|| {});
    // The client side runs on this thread; the server has its own.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let crisp = support::crisp_client(addr);
    let raw = RawClient::new(addr);
    let message = support::message();
    let bodies = Bodies::build();

    // Both clients must decode the same thing, or the comparison means nothing.
    runtime.block_on(async {
        let ours = crisp.website().get_conversation(WEBSITE_ID, SESSION_ID).await.expect("get_conversation");
        assert_eq!(ours, raw.get_conversation(WEBSITE_ID, SESSION_ID).await);
        let ours = crisp.website().list_conversations(WEBSITE_ID, 1).per_page(PER_PAGE).await.expect("list");
        assert_eq!(ours.len(), PER_PAGE as usize);
        assert_eq!(ours, raw.list_conversations(WEBSITE_ID, 1, PER_PAGE).await);
        let ours = crisp.website().send_message_in_conversation(WEBSITE_ID, SESSION_ID, &message).await.expect("send");
        assert_eq!(ours.fingerprint, Some(163_408_112_098_945));
        assert_eq!(ours, raw.send_message(WEBSITE_ID, SESSION_ID, &message).await);
    });

    let mut group = configure(c, "get_conversation");
    group.bench_function("crisp-api", |b| {
        b.to_async(&runtime).iter(|| async {
            crisp.website().get_conversation(WEBSITE_ID, SESSION_ID).await.expect("get_conversation")
        })
    });
    group.bench_function("raw-hyper", |b| b.to_async(&runtime).iter(|| raw.get_conversation(WEBSITE_ID, SESSION_ID)));
    group.bench_function("decode-only", |b| b.iter(|| decode::<Conversation>(black_box(&bodies.conversation))));
    group.finish();

    let mut group = configure(c, "list_conversations");
    group.bench_function("crisp-api", |b| {
        b.to_async(&runtime).iter(|| async {
            crisp.website().list_conversations(WEBSITE_ID, 1).per_page(PER_PAGE).await.expect("list_conversations")
        })
    });
    group
        .bench_function("raw-hyper", |b| b.to_async(&runtime).iter(|| raw.list_conversations(WEBSITE_ID, 1, PER_PAGE)));
    group.bench_function("decode-only", |b| b.iter(|| decode::<Vec<Conversation>>(black_box(&bodies.conversations))));
    group.finish();

    let mut group = configure(c, "send_message");
    group.bench_function("crisp-api", |b| {
        b.to_async(&runtime).iter(|| async {
            crisp.website().send_message_in_conversation(WEBSITE_ID, SESSION_ID, &message).await.expect("send_message")
        })
    });
    group.bench_function("raw-hyper", |b| {
        b.to_async(&runtime).iter(|| raw.send_message(WEBSITE_ID, SESSION_ID, &message))
    });
    group.bench_function("decode-only", |b| {
        b.iter(|| decode::<ConversationMessageDispatched>(black_box(&bodies.dispatched)))
    });
    group.finish();

    println!("server connections accepted: {}", support::connections());
}

criterion_group!(benches, client_overhead);
criterion_main!(benches);

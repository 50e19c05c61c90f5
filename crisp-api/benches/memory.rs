//! Heap use of the crisp-api client over many sequential calls, beside the
//! hand-written hyper client, counted by a wrapping global allocator.
//!
//! Allocations made on the server thread are not counted: they are the
//! server's, and the client never shares memory with it (only a socket).

mod support;

use std::hint::black_box;

use crisp_api::Crisp;
use crisp_api::models::ConversationMessageNew;
use support::counting::{Counting, Mark, Stretch};
use support::{PER_PAGE, RawClient, SESSION_ID, WEBSITE_ID};

const CALLS: usize = 10_000;
const CALLS_PER_ROUTE: usize = 1_000;
const MB: f64 = 1_000_000.0;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn report(label: &str, s: &Stretch) {
    let mb = |bytes: isize| bytes as f64 / MB;
    println!("{label}: heap after start-up and warm-up: {:.2} MB", mb(s.start_heap));
    println!(
        "peak heap during {CALLS} {label} calls: {:.2} MB ({:.3} MB above start-up)",
        mb(s.peak),
        mb(s.peak - s.start_heap)
    );
    println!("{label}: heap after the calls: {:.2} MB", mb(s.end_heap));
    println!(
        "total allocated during {CALLS} {label} calls: {:.2} MB ({:.0} B and {:.1} allocations per call)",
        s.allocated as f64 / MB,
        s.allocated as f64 / CALLS as f64,
        s.allocations as f64 / CALLS as f64
    );
    println!(
        "{label}: {CALLS} calls in {:.2} s: {:.0} calls/s",
        s.elapsed.as_secs_f64(),
        CALLS as f64 / s.elapsed.as_secs_f64()
    );
}

/// Bytes and allocations per call of one route alone (peak not reported).
fn per_route(label: &str, route: &str, s: &Stretch) {
    println!(
        "  {label} {route:<18}: {:>8.0} B, {:>6.1} allocations, {:>6.1} µs per call",
        s.allocated as f64 / CALLS_PER_ROUTE as f64,
        s.allocations as f64 / CALLS_PER_ROUTE as f64,
        s.elapsed.as_secs_f64() * 1e6 / CALLS_PER_ROUTE as f64
    );
}

/// One call of the round-robin mix; returns how many items came back so the
/// decoded values are used.
async fn crisp_call(crisp: &Crisp, message: &ConversationMessageNew, i: usize) -> usize {
    let website = crisp.website();
    match i % 3 {
        0 => {
            website.get_conversation(WEBSITE_ID, SESSION_ID).await.expect("get_conversation").session_id.iter().count()
        }
        1 => website.list_conversations(WEBSITE_ID, 1).per_page(PER_PAGE).await.expect("list_conversations").len(),
        _ => {
            let sent = website.send_message_in_conversation(WEBSITE_ID, SESSION_ID, message).await.expect("send");
            sent.fingerprint.iter().count()
        }
    }
}

async fn raw_call(raw: &RawClient, message: &ConversationMessageNew, i: usize) -> usize {
    match i % 3 {
        0 => raw.get_conversation(WEBSITE_ID, SESSION_ID).await.session_id.iter().count(),
        1 => raw.list_conversations(WEBSITE_ID, 1, PER_PAGE).await.len(),
        _ => raw.send_message(WEBSITE_ID, SESSION_ID, message).await.fingerprint.iter().count(),
    }
}

/// Warm-up, then the mixed run, then each route alone.
fn measure<F, Fut>(label: &str, runtime: &tokio::runtime::Runtime, call: F)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = usize>,
{
    let mixed = runtime.block_on(async {
        // One round of the three routes opens the connection and fills
        // lazily built state before the peak is reset.
        for i in 0..3 {
            black_box(call(i).await);
        }
        let mark = Mark::now();
        for i in 0..CALLS {
            black_box(call(i).await);
        }
        mark.stretch()
    });
    report(label, &mixed);
    println!("{label}: server connections accepted so far: {}", support::connections());
    for (route, offset) in [("get_conversation", 0), ("list_conversations", 1), ("send_message", 2)] {
        let alone = runtime.block_on(async {
            let mark = Mark::now();
            for _ in 0..CALLS_PER_ROUTE {
                black_box(call(offset).await);
            }
            mark.stretch()
        });
        per_route(label, route, &alone);
    }
}

fn main() {
    let addr = support::start(support::counting::ignore_this_thread);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let message = support::message();
    println!("(MB = 10^6 bytes; server-thread allocations are not counted)");

    let crisp = support::crisp_client(addr);
    measure("crisp-api", &runtime, |i| crisp_call(&crisp, &message, i));
    drop(crisp);

    let raw = RawClient::new(addr);
    measure("raw-hyper", &runtime, |i| raw_call(&raw, &message, i));
}

//! Web Hook cost per request on one core: the signature check alone, the
//! decoding alone, and both (`WebhookVerifier::parse`, what a server runs),
//! for a `message:send` body of about 1 KB. Ends with a plain timed loop that
//! prints verified-and-decoded requests per second on one core.

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crisp_api::events::Event;
use crisp_api::webhook::{WebhookPayload, WebhookVerifier, signed_headers};
use criterion::{Criterion, Throughput};

const SECRET: &str = "bench-signing-secret";

/// A `message:send` Web Hook of about 1 KB, shaped like Crisp's.
fn body() -> Vec<u8> {
    let text = "Hello! I ordered the annual plan last week and the invoice still shows the monthly price. \
                Could you check what happened and send me a corrected invoice? My company needs it for the \
                accounting close at the end of the month, so a quick answer would really help. Thanks a lot, \
                and sorry for the long message; I also noticed that the billing email goes to my old address.";
    let body = serde_json::json!({
        "website_id": "42286ab3-b29a-4fde-8538-da0ae501d825",
        "event": "message:send",
        "data": {
            "website_id": "42286ab3-b29a-4fde-8538-da0ae501d825",
            "session_id": "session_700c65e1-85e2-465a-b9ac-ecb5ec2c9881",
            "inbox_id": null,
            "type": "text",
            "from": "user",
            "origin": "chat",
            "content": text,
            "fingerprint": 163_408_112_098_945_u64,
            "timestamp": 1_700_000_000_000_u64,
            "stamped": true,
            "automated": false,
            "mentions": [],
            "user": {
                "nickname": "Jane Doe",
                "user_id": "session_700c65e1-85e2-465a-b9ac-ecb5ec2c9881",
                "avatar": "https://image.crisp.chat/avatar/visitor/00000000/120/?1700000000000"
            }
        },
        "timestamp": 1_700_000_000_000_u64
    });
    serde_json::to_vec(&body).expect("the body serializes")
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("a clock after 1970").as_millis() as u64
}

fn benches(c: &mut Criterion, body: &[u8]) {
    let verifier = WebhookVerifier::new(SECRET);
    // Signed now: the run is far shorter than the 5-minute window.
    let headers = signed_headers(SECRET, now_ms(), body);
    let payload = verifier.parse(&headers, body).expect("the bench payload verifies");
    assert!(matches!(payload.event, Event::MessageSend(_)), "{:?}", payload.event);

    let mut group = c.benchmark_group("webhook");
    group.measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1)).sample_size(50);
    group.throughput(Throughput::Elements(1));
    group.bench_function("verify", |b| {
        b.iter(|| verifier.verify_headers(black_box(&headers), black_box(body)).expect("verifies"))
    });
    group.bench_function("decode", |b| b.iter(|| WebhookPayload::decode_unverified(black_box(body)).expect("decodes")));
    group.bench_function("verify+parse", |b| {
        b.iter(|| verifier.parse(black_box(&headers), black_box(body)).expect("verifies and decodes"))
    });
    group.finish();
}

/// Verify-and-decode in a loop on this one thread, for a plain figure.
fn per_core(body: &[u8]) {
    let verifier = WebhookVerifier::new(SECRET);
    let headers = signed_headers(SECRET, now_ms(), body);
    let run = Duration::from_secs(2);
    let start = Instant::now();
    let mut done = 0u64;
    while start.elapsed() < run {
        for _ in 0..256 {
            black_box(verifier.parse(black_box(&headers), black_box(body)).expect("verifies and decodes"));
        }
        done += 256;
    }
    let secs = start.elapsed().as_secs_f64();
    let ops = done as f64 / secs;
    println!(
        "webhook verify+parse, {} B message:send: {:.0} requests/s on one core ({:.2} µs each, {:.0} MB/s)",
        body.len(),
        ops,
        1e6 / ops,
        ops * body.len() as f64 / 1e6
    );
}

fn main() {
    let body = body();
    assert!((900..=1200).contains(&body.len()), "the body is {} bytes", body.len());
    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion, &body);
    criterion.final_summary();
    per_core(&body);
}

//! The client's own cost per call, three clients side by side in one run,
//! against a local server answering fixed bytes:
//!
//! - `crisp-api`: the typed endpoint method, as an application calls it;
//! - `reqwest+Value`: reqwest configured like crisp-api's own client, the
//!   envelope decoded into an untyped `serde_json::Value` (what a caller
//!   without a dedicated client writes); the ratios are against this one;
//! - `raw hyper`: hyper's pooled client sending the same request and
//!   collecting the body without decoding it: the transport floor.
//!
//! Time is the client thread's CPU time (the server runs on its own thread
//! and is not counted), so other processes on the machine move it less than
//! wall time. Rounds alternate the clients, and each figure is the median of
//! the rounds with the spread beside it. Allocations and bytes per call come
//! from a counting global allocator; peak is the heap high-water mark during
//! a batch, above the heap before it.
//!
//! Run it pinned to one core: `taskset -c 1 cargo bench -p crisp-api --bench client_overhead`.

mod support;

use std::hint::black_box;

use crisp_api::Crisp;
use crisp_api::models::{Conversation, ConversationMessageDispatched, ConversationMessageNew};
use serde::de::DeserializeOwned;
use support::counting::{Counting, Mark, Stretch};
use support::{Bodies, PER_PAGE, RawClient, ReqwestValueClient, Route, SESSION_ID, WEBSITE_ID};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Rounds per client and route; each round is one batch of calls.
const ROUNDS: usize = 15;

/// Calls per batch: enough for a batch to last a few milliseconds.
fn batch_size(route: Route) -> usize {
    match route {
        Route::ListConversations => 200,
        Route::GetConversation | Route::SendMessage => 400,
    }
}

/// The targets, as a share of reqwest+Value's cost for the same call.
fn target(route: Route) -> f64 {
    match route {
        Route::GetConversation => 0.8,
        Route::ListConversations => 0.35,
        Route::SendMessage => 0.9,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Crisp,
    ReqwestValue,
    RawHyper,
}

const CLIENTS: [Which; 3] = [Which::Crisp, Which::ReqwestValue, Which::RawHyper];

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Crisp => "crisp-api",
            Which::ReqwestValue => "reqwest+Value",
            Which::RawHyper => "raw hyper",
        }
    }
}

struct Clients {
    crisp: Crisp,
    reqwest: ReqwestValueClient,
    raw: RawClient,
    message: ConversationMessageNew,
}

impl Clients {
    /// One call; returns a number drawn from the answer so it is used.
    async fn call(&self, which: Which, route: Route) -> usize {
        match which {
            Which::Crisp => {
                let website = self.crisp.website();
                match route {
                    Route::GetConversation => {
                        let conversation = website.get_conversation(WEBSITE_ID, SESSION_ID).await.expect("get");
                        conversation.session_id.map_or(0, |id| id.len())
                    }
                    Route::ListConversations => {
                        website.list_conversations(WEBSITE_ID, 1).per_page(PER_PAGE).await.expect("list").len()
                    }
                    Route::SendMessage => {
                        let sent = website.send_message_in_conversation(WEBSITE_ID, SESSION_ID, &self.message);
                        sent.await.expect("send").fingerprint.map_or(0, |f| f as usize)
                    }
                }
            }
            Which::ReqwestValue => match self.reqwest.call(route, &self.message).await {
                serde_json::Value::Array(items) => items.len(),
                serde_json::Value::Object(fields) => fields.len(),
                _ => 0,
            },
            Which::RawHyper => self.raw.fetch_route(route, &self.message).await.len(),
        }
    }
}

/// Per-call figures of one batch.
#[derive(Clone, Copy)]
struct Sample {
    cpu_us: f64,
    wall_us: f64,
    allocations: f64,
    bytes: f64,
    peak_kb: f64,
}

impl Sample {
    fn of(stretch: &Stretch, calls: usize) -> Self {
        let calls = calls as f64;
        Self {
            cpu_us: stretch.cpu.as_secs_f64() * 1e6 / calls,
            wall_us: stretch.elapsed.as_secs_f64() * 1e6 / calls,
            allocations: stretch.allocations as f64 / calls,
            bytes: stretch.allocated as f64 / calls,
            peak_kb: (stretch.peak - stretch.start_heap) as f64 / 1e3,
        }
    }
}

/// Median, minimum and maximum of one figure over the rounds.
fn spread(samples: &[Sample], figure: fn(&Sample) -> f64) -> (f64, f64, f64) {
    let mut values: Vec<f64> = samples.iter().map(figure).collect();
    values.sort_by(f64::total_cmp);
    (values[values.len() / 2], values[0], values[values.len() - 1])
}

/// `decode` run `calls` times on the same bytes, with no HTTP.
fn decode_only<T: DeserializeOwned>(bytes: &[u8], calls: usize) -> Sample {
    #[derive(serde::Deserialize)]
    struct Envelope<T> {
        data: T,
    }
    let mark = Mark::now();
    for _ in 0..calls {
        black_box(serde_json::from_slice::<Envelope<T>>(black_box(bytes)).expect("the envelope decodes").data);
    }
    Sample::of(&mark.stretch(), calls)
}

fn decode_samples<T: DeserializeOwned>(bytes: &[u8], calls: usize) -> Vec<Sample> {
    (0..ROUNDS).map(|_| decode_only::<T>(bytes, calls)).collect()
}

fn main() {
    let addr = support::start(support::counting::ignore_this_thread);
    // The clients run on this thread; the server has its own.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let clients = Clients {
        crisp: support::crisp_client(addr),
        reqwest: ReqwestValueClient::new(addr),
        raw: RawClient::new(addr),
        message: support::message(),
    };
    let bodies = Bodies::build();

    // The clients must agree on what they decoded, or the comparison means nothing.
    runtime.block_on(async {
        let website = clients.crisp.website();
        let ours = website.get_conversation(WEBSITE_ID, SESSION_ID).await.expect("get_conversation");
        assert_eq!(ours, clients.raw.get_conversation(WEBSITE_ID, SESSION_ID).await);
        let ours = website.list_conversations(WEBSITE_ID, 1).per_page(PER_PAGE).await.expect("list");
        assert_eq!(ours.len(), PER_PAGE as usize);
        assert_eq!(ours, clients.raw.list_conversations(WEBSITE_ID, 1, PER_PAGE).await);
        let untyped = clients.reqwest.call(Route::ListConversations, &clients.message).await;
        assert_eq!(serde_json::from_value::<Vec<Conversation>>(untyped).expect("typed from untyped"), ours);
        let ours = website.send_message_in_conversation(WEBSITE_ID, SESSION_ID, &clients.message).await.expect("send");
        assert_eq!(ours.fingerprint, Some(163_408_112_098_945));
        assert_eq!(ours, clients.raw.send_message(WEBSITE_ID, SESSION_ID, &clients.message).await);
    });

    // Warm-up: connections open, lazily built state filled, caches warm.
    runtime.block_on(async {
        for route in Route::ALL {
            for which in CLIENTS {
                for _ in 0..batch_size(route) / 4 {
                    black_box(clients.call(which, route).await);
                }
            }
        }
    });

    println!("client CPU per call, median of {ROUNDS} rounds [min–max]; allocations and bytes per call; peak heap");
    let mut summary = Vec::new();
    for route in Route::ALL {
        let calls = batch_size(route);
        let mut samples: [Vec<Sample>; 3] = Default::default();
        for round in 0..ROUNDS {
            // Rotate the order so no client always runs first.
            for step in 0..CLIENTS.len() {
                let index = (round + step) % CLIENTS.len();
                let stretch = runtime.block_on(async {
                    let mark = Mark::now();
                    for _ in 0..calls {
                        black_box(clients.call(CLIENTS[index], route).await);
                    }
                    mark.stretch()
                });
                samples[index].push(Sample::of(&stretch, calls));
            }
        }
        println!("\n{} ({calls} calls per round)", route.name());
        for (which, samples) in CLIENTS.iter().zip(&samples) {
            print_row(which.name(), samples);
        }
        let decode = match route {
            Route::GetConversation => decode_samples::<Conversation>(&bodies.conversation, calls),
            Route::ListConversations => decode_samples::<Vec<Conversation>>(&bodies.conversations, calls),
            Route::SendMessage => decode_samples::<ConversationMessageDispatched>(&bodies.dispatched, calls),
        };
        print_row("typed decode only", &decode);
        let body = match route {
            Route::GetConversation => &bodies.conversation,
            Route::ListConversations => &bodies.conversations,
            Route::SendMessage => &bodies.dispatched,
        };
        print_row("Value decode only", &decode_samples::<serde_json::Value>(body, calls));
        let median = |samples: &[Sample]| spread(samples, |s| s.cpu_us).0;
        summary.push((route, median(&samples[0]), median(&samples[1]), median(&samples[2])));
    }

    println!("\nratios of client CPU per call, against reqwest+Value in this run");
    println!(
        "{:<22} {:>22} {:>8} {:>6} {:>26}",
        "call", "crisp-api ÷ reqwest", "target", "met", "raw hyper ÷ reqwest (floor)"
    );
    for (route, crisp, reqwest, raw) in summary {
        let ratio = crisp / reqwest;
        let met = if ratio <= target(route) { "yes" } else { "no" };
        println!("{:<22} {:>21.2}× {:>7.2}× {:>6} {:>25.2}×", route.name(), ratio, target(route), met, raw / reqwest);
    }
    println!("\nserver connections accepted: {}", support::connections());
}

fn print_row(label: &str, samples: &[Sample]) {
    let (cpu, cpu_min, cpu_max) = spread(samples, |s| s.cpu_us);
    let (wall, _, _) = spread(samples, |s| s.wall_us);
    let (allocations, _, _) = spread(samples, |s| s.allocations);
    let (bytes, _, _) = spread(samples, |s| s.bytes);
    let (_, _, peak) = spread(samples, |s| s.peak_kb);
    println!(
        "  {label:<18} {cpu:>8.2} µs [{cpu_min:>7.2}–{cpu_max:>7.2}]  wall {wall:>8.2} µs  {allocations:>7.1} allocs  {bytes:>8.0} B  peak {peak:>7.1} KB"
    );
}

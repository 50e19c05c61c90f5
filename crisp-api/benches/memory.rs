//! Heap use of the crisp-api client over many sequential calls, beside the
//! hand-written hyper client, counted by a wrapping global allocator.
//!
//! Allocations made on the server thread are not counted: they are the
//! server's, and the client never shares memory with it (only a socket).

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use crisp_api::Crisp;
use crisp_api::models::ConversationMessageNew;
use support::{PER_PAGE, RawClient, SESSION_ID, WEBSITE_ID};

const CALLS: usize = 10_000;
const CALLS_PER_ROUTE: usize = 1_000;
const MB: f64 = 1_000_000.0;

struct Counting;

/// Signed: a block allocated on one side of the thread split and freed on the
/// other would otherwise wrap around.
static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static TOTAL: AtomicUsize = AtomicUsize::new(0);
static COUNT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static IGNORED: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    IGNORED.try_with(|ignored| !ignored.get()).unwrap_or(true)
}

fn grow(size: usize) {
    let now = CURRENT.fetch_add(size as isize, Relaxed) + size as isize;
    PEAK.fetch_max(now, Relaxed);
    TOTAL.fetch_add(size, Relaxed);
    COUNT.fetch_add(1, Relaxed);
}

fn shrink(size: usize) {
    CURRENT.fetch_sub(size as isize, Relaxed);
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// SAFETY: every call is forwarded unchanged to `System`; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() && counted() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() && counted() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counted() {
            shrink(layout.size());
        }
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() && counted() {
            shrink(layout.size());
            grow(new_size);
        }
        new
    }
}

/// Counters at the start of a measured stretch.
struct Mark {
    current: isize,
    total: usize,
    count: usize,
    started: Instant,
}

impl Mark {
    /// Also restarts the peak, so it covers only what follows.
    fn now() -> Self {
        let current = CURRENT.load(Relaxed);
        PEAK.store(current, Relaxed);
        Self { current, total: TOTAL.load(Relaxed), count: COUNT.load(Relaxed), started: Instant::now() }
    }
}

struct Stretch {
    start_heap: isize,
    peak: isize,
    end_heap: isize,
    allocated: usize,
    allocations: usize,
    elapsed: Duration,
}

fn stretch(mark: Mark) -> Stretch {
    Stretch {
        start_heap: mark.current,
        peak: PEAK.load(Relaxed),
        end_heap: CURRENT.load(Relaxed),
        allocated: TOTAL.load(Relaxed) - mark.total,
        allocations: COUNT.load(Relaxed) - mark.count,
        elapsed: mark.started.elapsed(),
    }
}

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
        stretch(mark)
    });
    report(label, &mixed);
    println!("{label}: server connections accepted so far: {}", support::connections());
    for (route, offset) in [("get_conversation", 0), ("list_conversations", 1), ("send_message", 2)] {
        let alone = runtime.block_on(async {
            let mark = Mark::now();
            for _ in 0..CALLS_PER_ROUTE {
                black_box(call(offset).await);
            }
            stretch(mark)
        });
        per_route(label, route, &alone);
    }
}

fn main() {
    let addr = support::start(|| IGNORED.with(|ignored| ignored.set(true)));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let message = support::message();
    println!("(MB = 10^6 bytes; server-thread allocations are not counted)");

    let crisp = support::crisp_client(addr);
    measure("crisp-api", &runtime, |i| crisp_call(&crisp, &message, i));
    drop(crisp);

    let raw = RawClient::new(addr);
    measure("raw-hyper", &runtime, |i| raw_call(&raw, &message, i));
}

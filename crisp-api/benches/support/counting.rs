//! A global allocator that counts what the measuring thread allocates, for
//! allocations per call and peak heap. A bench installs it with
//! `#[global_allocator] static ALLOCATOR: Counting = Counting;`.
//!
//! Allocations made on a thread that called [`ignore_this_thread`] (the
//! local server's) are not counted: they are the server's, and the client
//! never shares memory with it (only a socket).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

pub struct Counting;

/// Signed: a block allocated on one side of the thread split and freed on the
/// other would otherwise wrap around.
static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static TOTAL: AtomicUsize = AtomicUsize::new(0);
static COUNT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static IGNORED: Cell<bool> = const { Cell::new(false) };
}

/// Leaves the calling thread out of every count.
pub fn ignore_this_thread() {
    IGNORED.with(|ignored| ignored.set(true));
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
pub struct Mark {
    current: isize,
    total: usize,
    count: usize,
    started: Instant,
    cpu_started: Duration,
}

impl Mark {
    /// Also restarts the peak, so it covers only what follows.
    pub fn now() -> Self {
        let current = CURRENT.load(Relaxed);
        PEAK.store(current, Relaxed);
        Self {
            current,
            total: TOTAL.load(Relaxed),
            count: COUNT.load(Relaxed),
            started: Instant::now(),
            cpu_started: thread_cpu_time(),
        }
    }

    /// What happened since the mark.
    pub fn stretch(self) -> Stretch {
        Stretch {
            start_heap: self.current,
            peak: PEAK.load(Relaxed),
            end_heap: CURRENT.load(Relaxed),
            allocated: TOTAL.load(Relaxed) - self.total,
            allocations: COUNT.load(Relaxed) - self.count,
            elapsed: self.started.elapsed(),
            cpu: thread_cpu_time().saturating_sub(self.cpu_started),
        }
    }
}

pub struct Stretch {
    pub start_heap: isize,
    pub peak: isize,
    pub end_heap: isize,
    /// Bytes allocated, frees not subtracted.
    pub allocated: usize,
    pub allocations: usize,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// CPU time of the measuring thread alone.
    pub cpu: Duration,
}

/// CPU time the calling thread has used: unlike wall time, it leaves out the
/// server thread and other processes sharing the core.
pub fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a valid, writable timespec.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "the thread CPU clock is readable");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

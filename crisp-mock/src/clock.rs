//! The simulator's clock: real time by default, or a clock tests control.

use std::sync::Arc;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::sync::lock;

/// Epoch milliseconds of the system clock.
fn system_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    /// System time shifted by an offset (set and advance move the offset).
    Real { offset_ms: i64 },
    /// A time that moves only when set or advanced.
    Manual { now_ms: u64 },
}

/// The time the simulator stamps conversations, messages, events and Web
/// Hooks with. Clones share one clock.
///
/// [`Clock::real`] (the default) follows the system time; [`set`](Clock::set)
/// and [`advance`](Clock::advance) shift it and it keeps ticking.
/// [`Clock::fixed`] stands still until it is set or advanced, for tests that
/// compare timestamps.
///
/// ```
/// let clock = crisp_mock::Clock::fixed(1_700_000_000_000);
/// clock.advance(60_000);
/// assert_eq!(clock.now_ms(), 1_700_000_060_000);
/// ```
#[derive(Debug, Clone)]
pub struct Clock {
    mode: Arc<Mutex<Mode>>,
}

impl Default for Clock {
    fn default() -> Self {
        Self::real()
    }
}

impl Clock {
    /// The system time.
    ///
    /// ```
    /// let clock = crisp_mock::Clock::real();
    /// assert!(clock.now_ms() > 1_700_000_000_000);
    /// ```
    pub fn real() -> Self {
        Self { mode: Arc::new(Mutex::new(Mode::Real { offset_ms: 0 })) }
    }

    /// A clock that stays at `epoch_ms` until set or advanced.
    ///
    /// ```
    /// let clock = crisp_mock::Clock::fixed(5);
    /// assert_eq!(clock.now_ms(), 5);
    /// ```
    pub fn fixed(epoch_ms: u64) -> Self {
        Self { mode: Arc::new(Mutex::new(Mode::Manual { now_ms: epoch_ms })) }
    }

    /// The current time, in epoch milliseconds.
    ///
    /// ```
    /// assert_eq!(crisp_mock::Clock::fixed(42).now_ms(), 42);
    /// ```
    pub fn now_ms(&self) -> u64 {
        match *lock(&self.mode) {
            Mode::Real { offset_ms } => system_ms().saturating_add_signed(offset_ms),
            Mode::Manual { now_ms } => now_ms,
        }
    }

    /// Moves the clock to `epoch_ms`; a real clock keeps ticking from there.
    ///
    /// ```
    /// let clock = crisp_mock::Clock::real();
    /// clock.set(1_000);
    /// assert!(clock.now_ms() < 60_000);
    /// ```
    pub fn set(&self, epoch_ms: u64) {
        let mut mode = lock(&self.mode);
        *mode = match *mode {
            // Saturating: any u64 a test or the admin route sends is a valid, if odd, time.
            Mode::Real { .. } => Mode::Real {
                offset_ms: i64::try_from(epoch_ms)
                    .unwrap_or(i64::MAX)
                    .saturating_sub(i64::try_from(system_ms()).unwrap_or(i64::MAX)),
            },
            Mode::Manual { .. } => Mode::Manual { now_ms: epoch_ms },
        };
    }

    /// Moves the clock forward by `ms`.
    ///
    /// ```
    /// let clock = crisp_mock::Clock::fixed(0);
    /// clock.advance(1_500);
    /// assert_eq!(clock.now_ms(), 1_500);
    /// ```
    pub fn advance(&self, ms: u64) {
        let mut mode = lock(&self.mode);
        match &mut *mode {
            Mode::Real { offset_ms } => *offset_ms = offset_ms.saturating_add(ms.min(i64::MAX as u64) as i64),
            Mode::Manual { now_ms } => *now_ms = now_ms.saturating_add(ms),
        }
    }

    /// Whether the clock follows the system time.
    ///
    /// ```
    /// assert!(crisp_mock::Clock::real().is_real());
    /// ```
    pub fn is_real(&self) -> bool {
        matches!(*lock(&self.mode), Mode::Real { .. })
    }
}

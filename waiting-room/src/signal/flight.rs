//! One instance's share of the booking signal, counted lock-free on the
//! request path and drained once a second by the reporter.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::buckets::{bucket_of, BUCKETS};

#[derive(Clone, Default)]
pub struct BookingSignal {
    shared: Arc<Counts>,
}

struct Counts {
    buckets: [AtomicU64; BUCKETS],
    in_flight: AtomicI64,
}

// Arrays past 32 elements have no derived Default.
impl Default for Counts {
    fn default() -> Self {
        Self {
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            in_flight: AtomicI64::new(0),
        }
    }
}

impl BookingSignal {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts a booking command in flight until the guard drops, then its
    /// latency from `received`.
    pub fn begin(&self, received: Instant) -> Flight {
        self.shared.in_flight.fetch_add(1, Ordering::Relaxed);
        Flight {
            signal: self.clone(),
            received,
        }
    }

    /// Commands in flight right now.
    pub fn in_flight(&self) -> u64 {
        u64::try_from(self.shared.in_flight.load(Ordering::Relaxed)).unwrap_or(0)
    }

    /// The latency counts since the last drain, leaving zeros behind.
    pub fn drain(&self) -> [u64; BUCKETS] {
        std::array::from_fn(|bucket| self.shared.buckets[bucket].swap(0, Ordering::Relaxed))
    }

    fn finish(&self, received: Instant) {
        let millis = u64::try_from(received.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.shared.buckets[bucket_of(millis)].fetch_add(1, Ordering::Relaxed);
        self.shared.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A booking command under way; dropping it records its latency.
pub struct Flight {
    signal: BookingSignal,
    received: Instant,
}

impl Drop for Flight {
    fn drop(&mut self) {
        self.signal.finish(self.received);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flight_counts_while_under_way_and_lands_in_a_bucket_when_done() {
        let signal = BookingSignal::new();
        let flight = signal.begin(Instant::now());
        assert_eq!(signal.in_flight(), 1);
        drop(flight);
        assert_eq!(signal.in_flight(), 0);
        let counts = signal.drain();
        assert_eq!(counts.iter().sum::<u64>(), 1);
        assert_eq!(signal.drain().iter().sum::<u64>(), 0, "drained");
    }
}

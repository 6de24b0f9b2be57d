//! What the leading admitter reads of the booking signal.

use std::time::Duration;

use super::buckets::{quantile_ms, BUCKETS};
use crate::error::QueueError;
use crate::scripts::SIGNAL_READ;
use crate::store::Store;

/// The booking signal over the last complete seconds, every instance merged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignalReading {
    /// Booking commands answered in the window.
    pub samples: u64,
    /// Their p95 (upper bucket edge), if any were answered.
    pub p95_ms: Option<u64>,
    /// Commands in flight, cluster-wide, averaged over the window.
    pub in_flight: f64,
}

impl SignalReading {
    pub fn from_counts(counts: &[u64; BUCKETS], in_flight_sum: u64, seconds: u64) -> Self {
        Self {
            samples: counts.iter().sum(),
            p95_ms: quantile_ms(counts, 0.95),
            in_flight: in_flight_sum as f64 / seconds.max(1) as f64,
        }
    }
}

pub(crate) async fn read_signal(
    store: &Store,
    window: Duration,
) -> Result<SignalReading, QueueError> {
    let seconds = window.as_secs().max(1);
    let base = &store.keys.root;
    let (_reports, in_flight, counts): (i64, i64, Vec<i64>) = store
        .run(|mut connection| async move {
            Ok(SIGNAL_READ
                .prepare_invoke()
                .arg(base)
                .arg(seconds)
                .arg(BUCKETS)
                .invoke_async(&mut connection)
                .await?)
        })
        .await?;
    let mut merged = [0u64; BUCKETS];
    for (slot, count) in merged.iter_mut().zip(counts) {
        *slot = u64::try_from(count).unwrap_or(0);
    }
    Ok(SignalReading::from_counts(
        &merged,
        u64::try_from(in_flight).unwrap_or(0),
        seconds,
    ))
}

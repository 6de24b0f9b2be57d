//! What the leading admitter reads of the booking signal.

use std::time::Duration;

use super::buckets::{quantile_ms, BUCKETS};
use crate::control::SignalReading;
use crate::error::QueueError;
use crate::scripts::SIGNAL_READ;
use crate::store::Store;

pub(crate) async fn read_signal(
    store: &Store,
    window: Duration,
) -> Result<SignalReading, QueueError> {
    let seconds = window.as_secs().max(1);
    let base = &store.keys.root;
    let (_reports, in_flight, counts, lag, lag_reports): (i64, i64, Vec<i64>, i64, i64) = store
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
    let in_flight = u64::try_from(in_flight).unwrap_or(0);
    Ok(SignalReading {
        samples: merged.iter().sum(),
        // Whole milliseconds: finer than any target is set in.
        p95_ms: quantile_ms(&merged, 0.95).map(|p95| p95.round() as u64),
        in_flight: in_flight as f64 / seconds as f64,
        // Averaged over the seconds a projector reported in; none reported:
        // unknown, not zero.
        lag_records: (lag_reports > 0).then(|| {
            let seconds_reported = (lag_reports as f64 / projectors(lag_reports, seconds)).max(1.0);
            lag.max(0) as f64 / seconds_reported
        }),
    })
}

/// Projector instances reporting, estimated from reports over the window
/// (each files once a second).
fn projectors(reports: i64, seconds: u64) -> f64 {
    (reports as f64 / seconds as f64).round().max(1.0)
}

//! The booking signal: how the stack is doing, as the admission controller
//! sees it, cluster-wide. Each command-api instance counts its booking
//! commands' latencies in fixed buckets and its commands in flight
//! (`BookingSignal`), and once a second adds them to a per-second hash in
//! Redis keyed by Redis's own clock (`report`); the leading admitter merges
//! the last few complete seconds of every instance (`read`).

mod buckets;
mod flight;
mod lag;
mod read;
mod report;

pub use flight::{BookingSignal, Flight};
pub use lag::LagReport;
pub(crate) use read::read_signal;
pub use report::{report_signal, SignalReporter};

//! How admission is paced (QUEUE_ADMISSION and its targets).

use std::time::Duration;

/// What the adaptive controller holds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlTargets {
    /// Booking commands' p95 to stay under (QUEUE_TARGET_P95_MS).
    pub p95_ms: u64,
    /// Booking commands in flight, cluster-wide, to stay under
    /// (QUEUE_TARGET_IN_FLIGHT).
    pub in_flight: u32,
    /// Records the projectors have not folded yet, cluster-wide, past which
    /// the controller backs off (QUEUE_TARGET_LAG_RECORDS).
    pub lag_records: u64,
    /// The rate never goes below this (QUEUE_ADMIT_FLOOR_PER_SECOND).
    pub floor_per_second: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateControl {
    /// Always `admit_per_second`.
    Fixed,
    /// Follows the booking signal, up to `admit_per_second`.
    Adaptive(ControlTargets),
}

/// One control step a second: the signal is filed per second.
pub const CONTROL_PERIOD: Duration = Duration::from_secs(1);
/// The controller reads the last three complete seconds: enough answers at
/// low rates to judge a p95, recent enough to react within seconds.
pub const SIGNAL_WINDOW: Duration = Duration::from_secs(3);

//! What the controller reads: the booking signal over its window, every
//! instance merged (`signal` fills it in).

/// The booking signal over the last complete seconds, every instance merged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignalReading {
    /// Booking commands answered in the window.
    pub samples: u64,
    /// Their p95, interpolated inside its latency bucket, if any were
    /// answered.
    pub p95_ms: Option<u64>,
    /// Commands in flight, cluster-wide, averaged over the window.
    pub in_flight: f64,
    /// Records the projectors have not folded yet, cluster-wide, averaged
    /// over the window; `None` when no projector reported.
    pub lag_records: Option<f64>,
}

/// The line the controller serves, over the last control period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Demand {
    /// Fans in line now.
    pub waiting: u64,
    /// Fans admitted per second over the last period.
    pub admitted_per_second: f64,
}

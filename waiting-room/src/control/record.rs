//! The controller's last step, kept in Redis (`control` hash): a new leader
//! resumes at the rate the stack was found to sustain, and every instance
//! reports the same figures on its gauges.

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ControlRecord {
    /// Admissions per second in use.
    pub rate: f64,
    /// The signal the last step read.
    pub p95_ms: Option<u64>,
    pub in_flight: f64,
    pub lag_records: Option<f64>,
    pub samples: u64,
    /// `raise`, `hold`, `back_off`, `warm_start`, or `fixed` (never filed).
    pub verdict: String,
    /// The highest rate the stack was seen to sustain, if any.
    pub proven: Option<f64>,
    /// Fans in line at the step.
    pub waiting: u64,
}

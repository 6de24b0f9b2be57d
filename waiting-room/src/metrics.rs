//! Queue metrics. Gauges describe the whole cluster's queue (every instance
//! reports the same numbers, so dashboards take `max`); counters and the
//! histogram count what this instance admitted (dashboards take `sum`).

use prometheus::{
    Gauge, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
};

use super::admission::Admission;
use super::control::ControlRecord;
use super::error::QueueError;

/// Arrival-to-admission buckets, from 0.1 s to 30 min.
const WAIT_BUCKETS: [f64; 16] = [
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1500.0,
    1800.0,
];

#[derive(Clone)]
pub(crate) struct QueueMetrics {
    waiting: IntGauge,
    prequeued: IntGauge,
    active: IntGauge,
    admissions: IntCounter,
    abandoned: IntCounter,
    idle_released: IntCounter,
    wait_seconds: Histogram,
    lease_held: IntGauge,
    admit_rate: Gauge,
    proven_rate: Gauge,
    signal_p95: Gauge,
    signal_in_flight: Gauge,
    signal_lag: Gauge,
    target_p95: Gauge,
    control_steps: IntCounterVec,
}

impl QueueMetrics {
    pub fn register(registry: &Registry) -> Result<Self, QueueError> {
        let metrics = Self {
            waiting: IntGauge::new("ticketfold_queue_waiting_users", "Users waiting in line, every room")?,
            prequeued: IntGauge::new(
                "ticketfold_queue_prequeued_users",
                "Users who joined a room before its booking opened, not yet placed",
            )?,
            active: IntGauge::new("ticketfold_queue_active_users", "Users admitted and not yet lapsed")?,
            admissions: IntCounter::new(
                "ticketfold_queue_admissions_total",
                "Users admitted from the line by this instance",
            )?,
            abandoned: IntCounter::new(
                "ticketfold_queue_abandoned_total",
                "Waiting users dropped by this instance's admitter after the grace without a poll",
            )?,
            idle_released: IntCounter::new(
                "ticketfold_queue_idle_released_total",
                "ACTIVE users whose slot this instance's admitter gave back after the idle period",
            )?,
            wait_seconds: Histogram::with_opts(
                HistogramOpts::new(
                    "ticketfold_queue_wait_seconds",
                    "Time from joining the line to admission",
                )
                .buckets(WAIT_BUCKETS.to_vec()),
            )?,
            lease_held: IntGauge::new(
                "ticketfold_queue_lease_held",
                "1 on the instance holding the admission lease",
            )?,
            admit_rate: Gauge::new(
                "ticketfold_queue_admit_rate_per_second",
                "Admissions per second the admitter uses now (fixed, or set by the controller)",
            )?,
            proven_rate: Gauge::new(
                "ticketfold_queue_proven_rate_per_second",
                "The highest admission rate the stack was seen to sustain with every signal on target, where a new line starts (NaN until one is proven)",
            )?,
            signal_p95: Gauge::new(
                "ticketfold_queue_signal_p95_seconds",
                "Booking commands' p95 over the controller's window, cluster-wide (NaN without samples)",
            )?,
            signal_in_flight: Gauge::new(
                "ticketfold_queue_signal_in_flight",
                "Booking commands in flight cluster-wide, averaged over the controller's window",
            )?,
            signal_lag: Gauge::new(
                "ticketfold_queue_signal_lag_records",
                "Records the projectors have not folded yet, cluster-wide, averaged over the controller's window (NaN when none reported)",
            )?,
            target_p95: Gauge::new(
                "ticketfold_queue_target_p95_seconds",
                "The p95 the adaptive controller holds booking commands under (0 when fixed)",
            )?,
            control_steps: IntCounterVec::new(
                Opts::new(
                    "ticketfold_queue_control_steps_total",
                    "Adaptive controller steps taken by this instance, by verdict",
                ),
                &["verdict"],
            )?,
        };
        registry.register(Box::new(metrics.admit_rate.clone()))?;
        registry.register(Box::new(metrics.proven_rate.clone()))?;
        registry.register(Box::new(metrics.signal_p95.clone()))?;
        registry.register(Box::new(metrics.signal_in_flight.clone()))?;
        registry.register(Box::new(metrics.signal_lag.clone()))?;
        registry.register(Box::new(metrics.target_p95.clone()))?;
        registry.register(Box::new(metrics.control_steps.clone()))?;
        registry.register(Box::new(metrics.waiting.clone()))?;
        registry.register(Box::new(metrics.prequeued.clone()))?;
        registry.register(Box::new(metrics.active.clone()))?;
        registry.register(Box::new(metrics.admissions.clone()))?;
        registry.register(Box::new(metrics.abandoned.clone()))?;
        registry.register(Box::new(metrics.idle_released.clone()))?;
        registry.register(Box::new(metrics.wait_seconds.clone()))?;
        registry.register(Box::new(metrics.lease_held.clone()))?;
        Ok(metrics)
    }

    pub fn record(&self, admission: &Admission) {
        self.waiting.set(gauge(admission.waiting));
        self.prequeued.set(gauge(admission.prequeued));
        self.active.set(gauge(admission.active));
        self.admissions.inc_by(admission.admitted.len() as u64);
        self.abandoned.inc_by(admission.abandoned);
        self.idle_released.inc_by(admission.idle);
        for admitted in &admission.admitted {
            self.wait_seconds.observe(admitted.waited.as_secs_f64());
        }
    }

    /// The controller's state, as the record in Redis has it: the rate,
    /// the signal's p95 and commands in flight, and the target.
    pub fn control(&self, record: &ControlRecord, target_p95_ms: Option<u64>) {
        self.signal_lag.set(record.lag_records.unwrap_or(f64::NAN));
        self.admit_rate.set(record.rate);
        self.proven_rate.set(record.proven.unwrap_or(f64::NAN));
        self.signal_p95.set(
            record
                .p95_ms
                .map(|p95| p95 as f64 / 1000.0)
                .unwrap_or(f64::NAN),
        );
        self.signal_in_flight.set(record.in_flight);
        self.target_p95
            .set(target_p95_ms.map(|p95| p95 as f64 / 1000.0).unwrap_or(0.0));
    }

    pub fn control_step(&self, verdict: &str) {
        self.control_steps.with_label_values(&[verdict]).inc();
    }

    pub fn lease_held(&self, held: bool) {
        self.lease_held.set(i64::from(held));
    }
}

fn gauge(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

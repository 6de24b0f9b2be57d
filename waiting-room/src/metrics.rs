//! Queue metrics. Gauges describe the whole cluster's queue (every instance
//! reports the same numbers, so dashboards take `max`); counters and the
//! histogram count what this instance admitted (dashboards take `sum`).

use prometheus::{Histogram, HistogramOpts, IntCounter, IntGauge, Registry};

use super::admission::Admission;
use super::error::QueueError;

/// Arrival-to-admission buckets, from 0.1 s to 30 min.
const WAIT_BUCKETS: [f64; 16] = [
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1500.0,
    1800.0,
];

#[derive(Clone)]
pub(crate) struct QueueMetrics {
    waiting: IntGauge,
    active: IntGauge,
    admissions: IntCounter,
    abandoned: IntCounter,
    idle_released: IntCounter,
    wait_seconds: Histogram,
    lease_held: IntGauge,
}

impl QueueMetrics {
    pub fn register(registry: &Registry) -> Result<Self, QueueError> {
        let metrics = Self {
            waiting: IntGauge::new("queue_waiting_users", "Users waiting in line")?,
            active: IntGauge::new("queue_active_users", "Users admitted and not yet lapsed")?,
            admissions: IntCounter::new(
                "queue_admissions_total",
                "Users admitted from the line by this instance",
            )?,
            abandoned: IntCounter::new(
                "queue_abandoned_total",
                "Waiting users dropped by this instance's admitter after the grace without a poll",
            )?,
            idle_released: IntCounter::new(
                "queue_idle_released_total",
                "ACTIVE users whose slot this instance's admitter gave back after the idle period",
            )?,
            wait_seconds: Histogram::with_opts(
                HistogramOpts::new(
                    "queue_wait_seconds",
                    "Time from joining the line to admission",
                )
                .buckets(WAIT_BUCKETS.to_vec()),
            )?,
            lease_held: IntGauge::new(
                "queue_lease_held",
                "1 on the instance holding the admission lease",
            )?,
        };
        registry.register(Box::new(metrics.waiting.clone()))?;
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
        self.active.set(gauge(admission.active));
        self.admissions.inc_by(admission.admitted.len() as u64);
        self.abandoned.inc_by(admission.abandoned);
        self.idle_released.inc_by(admission.idle);
        for admitted in &admission.admitted {
            self.wait_seconds.observe(admitted.waited.as_secs_f64());
        }
    }

    pub fn lease_held(&self, held: bool) {
        self.lease_held.set(i64::from(held));
    }
}

fn gauge(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

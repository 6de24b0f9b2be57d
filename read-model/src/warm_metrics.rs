//! The warmer's metrics, registered only by the process that warms (the
//! projector): whether rounds run, and whether a schedule inside its
//! booking window is left cold. Names are fixed: alerts query them.

use chrono::Utc;
use prometheus::{Gauge, IntCounter, IntCounterVec, IntGauge, Opts, Registry};

use super::warmer::{WarmFailure, WarmRound};

#[derive(Clone)]
pub struct WarmMetrics {
    completed: IntCounter,
    failed: IntCounter,
    last_success: Gauge,
    due: IntGauge,
    cold: IntGauge,
}

impl WarmMetrics {
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let rounds = IntCounterVec::new(
            Opts::new(
                "ticketfold_cache_warmer_rounds_total",
                "Rounds of warming the read model ahead of booking windows, by result (ok, failed)",
            ),
            &["result"],
        )?;
        let last_success = Gauge::new(
            "ticketfold_cache_warmer_last_success_timestamp_seconds",
            "Unix time the last warming round completed (0: none yet)",
        )?;
        let due = IntGauge::new(
            "ticketfold_cache_warmer_due_schedules",
            "Schedules inside their booking window at the last round: opening within CACHE_WARM_LEAD_SECONDS, or open",
        )?;
        let cold = IntGauge::new(
            "ticketfold_cache_warmer_cold_schedules",
            "Of the due schedules, those not all in Redis after the last round (writes failed, Redis unreachable, or CACHE_STRATEGY=naive)",
        )?;
        registry.register(Box::new(rounds.clone()))?;
        registry.register(Box::new(last_success.clone()))?;
        registry.register(Box::new(due.clone()))?;
        registry.register(Box::new(cold.clone()))?;
        Ok(Self {
            // Both results exist from the start, so rates never miss a series.
            completed: rounds.with_label_values(&["ok"]),
            failed: rounds.with_label_values(&["failed"]),
            last_success,
            due,
            cold,
        })
    }

    /// Records a round. A failed one leaves the gauges as they were unless
    /// it got as far as knowing which schedules were due.
    pub fn record(&self, round: &Result<WarmRound, WarmFailure>) {
        let counted = match round {
            Ok(round) => {
                self.completed.inc();
                self.last_success
                    .set(Utc::now().timestamp_millis() as f64 / 1000.0);
                Some(round)
            }
            Err(failure) => {
                self.failed.inc();
                failure.round.as_ref()
            }
        };
        if let Some(round) = counted {
            self.due.set(gauge_value(round.due));
            self.cold.set(gauge_value(round.cold));
        }
    }
}

fn gauge_value(count: usize) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

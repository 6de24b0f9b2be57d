//! What the write path exports: commands by type and outcome, and how long
//! appending and waiting for decisions take.

use infra::decision::CommandType;
use prometheus::{Gauge, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};
use strum::IntoEnumIterator;

/// From 1 ms to the 10 s longest wait budget.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Clone)]
pub struct CommandMetrics {
    commands: IntCounterVec,
    append_duration: HistogramVec,
    wait_duration: HistogramVec,
    withdrawals: IntCounterVec,
    /// Postgres's clock minus this host's (see `infra::clock`).
    pub clock_offset: Gauge,
}

impl CommandMetrics {
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let metrics = Self {
            commands: IntCounterVec::new(
                Opts::new(
                    "ticketfold_commands_total",
                    "Commands answered, by type and outcome (accepted, a 409 code, \
                     pending, unavailable, rejected_4xx, replayed, internal)",
                ),
                &["command_type", "outcome"],
            )?,
            append_duration: HistogramVec::new(
                HistogramOpts::new(
                    "ticketfold_command_append_duration_seconds",
                    "Time for the log to acknowledge a command's record",
                )
                .buckets(LATENCY_BUCKETS.to_vec()),
                &["command_type"],
            )?,
            wait_duration: HistogramVec::new(
                HistogramOpts::new(
                    "ticketfold_command_wait_duration_seconds",
                    "Time from the append to the decision (or to giving up and answering 202)",
                )
                .buckets(LATENCY_BUCKETS.to_vec()),
                &["command_type"],
            )?,
            withdrawals: IntCounterVec::new(
                Opts::new(
                    "ticketfold_command_withdrawals_total",
                    "Commands whose append was sent but not confirmed, answered 202 and \
                     withdrawn (the log decides which came first)",
                ),
                &["command_type"],
            )?,
            clock_offset: Gauge::new(
                "ticketfold_command_api_clock_offset_seconds",
                "The database's clock minus this host's, as last measured: commands are stamped by the database's",
            )?,
        };
        registry.register(Box::new(metrics.clock_offset.clone()))?;
        registry.register(Box::new(metrics.commands.clone()))?;
        registry.register(Box::new(metrics.append_duration.clone()))?;
        registry.register(Box::new(metrics.wait_duration.clone()))?;
        registry.register(Box::new(metrics.withdrawals.clone()))?;
        // Exported at 0 from the start, so an alert sees the series before
        // the first withdrawal.
        for command_type in CommandType::iter() {
            metrics
                .withdrawals
                .with_label_values(&[command_type.as_str()]);
        }
        Ok(metrics)
    }

    pub fn answered(&self, command_type: &str, outcome: &str) {
        self.commands
            .with_label_values(&[command_type, outcome])
            .inc();
    }

    pub fn appended(&self, command_type: &str, seconds: f64) {
        self.append_duration
            .with_label_values(&[command_type])
            .observe(seconds);
    }

    pub fn waited(&self, command_type: &str, seconds: f64) {
        self.wait_duration
            .with_label_values(&[command_type])
            .observe(seconds);
    }

    pub fn withdrawn(&self, command_type: &str) {
        self.withdrawals.with_label_values(&[command_type]).inc();
    }
}

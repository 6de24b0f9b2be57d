//! The projector's own metrics, registered next to the HTTP ones.

use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGaugeVec, Opts, Registry};

#[derive(Clone)]
pub struct ProjectorMetrics {
    pub events_folded: IntCounterVec,
    pub poison_records: IntCounterVec,
    pub records_skipped: IntCounterVec,
    pub batch_duration: Histogram,
    pub lag: IntGaugeVec,
}

impl ProjectorMetrics {
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let metrics = Self {
            events_folded: IntCounterVec::new(
                Opts::new(
                    "projector_events_folded_total",
                    "Events whose effects were committed",
                ),
                &["topic", "event_type"],
            )?,
            poison_records: IntCounterVec::new(
                Opts::new(
                    "projector_poison_records_total",
                    "Records that could not be decoded or folded, sent to dead letters",
                ),
                &["topic"],
            )?,
            records_skipped: IntCounterVec::new(
                Opts::new(
                    "projector_records_skipped_total",
                    "Records read again whose effects were already committed",
                ),
                &["topic"],
            )?,
            batch_duration: Histogram::with_opts(
                HistogramOpts::new(
                    "projector_batch_duration_seconds",
                    "Time to fold and commit one batch",
                )
                .buckets(infra::telemetry::HTTP_DURATION_BUCKETS.to_vec()),
            )?,
            lag: IntGaugeVec::new(
                Opts::new(
                    "projector_partition_lag",
                    "Records in the log not yet folded, per partition",
                ),
                &["topic", "partition"],
            )?,
        };
        registry.register(Box::new(metrics.events_folded.clone()))?;
        registry.register(Box::new(metrics.poison_records.clone()))?;
        registry.register(Box::new(metrics.records_skipped.clone()))?;
        registry.register(Box::new(metrics.batch_duration.clone()))?;
        registry.register(Box::new(metrics.lag.clone()))?;
        Ok(metrics)
    }
}

//! The projector's own metrics, registered next to the HTTP ones.

use prometheus::{
    Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
};

/// From a few milliseconds (one record, nothing queued) to a backlog.
const DECISION_LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
    10.0, 30.0,
];
const BATCH_SIZE_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0];

#[derive(Clone)]
pub struct ProjectorMetrics {
    pub events_folded: IntCounterVec,
    pub poison_records: IntCounterVec,
    pub records_skipped: IntCounterVec,
    pub duplicates: IntCounterVec,
    pub decisions: IntCounterVec,
    pub decision_latency: Histogram,
    pub follow_ups: IntCounterVec,
    pub follow_ups_folded_at_once: IntCounterVec,
    pub handoffs_folded: IntCounterVec,
    pub rebuilt_records: IntCounter,
    pub snapshots_taken: IntCounter,
    pub snapshots_restored: IntCounter,
    pub aggregates_let_go: IntCounter,
    pub aggregates_brought_back: IntCounter,
    pub aggregates_held: IntGauge,
    pub snapshots_unreadable: IntCounterVec,
    pub batch_duration: Histogram,
    pub batch_size: Histogram,
    pub write_through: Histogram,
    pub read_model_dropped: IntCounter,
    pub read_model_repaired: IntCounter,
    pub decisions_held: IntGauge,
    pub lag: IntGaugeVec,
    pub partitions_owned: IntGauge,
}

impl ProjectorMetrics {
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let metrics = Self {
            events_folded: IntCounterVec::new(
                Opts::new(
                    "ticketfold_projector_events_folded_total",
                    "Records decided and committed",
                ),
                &["topic", "event_type"],
            )?,
            poison_records: IntCounterVec::new(
                Opts::new(
                    "ticketfold_projector_poison_records_total",
                    "Records that could not be decoded or folded, sent to dead letters",
                ),
                &["topic"],
            )?,
            records_skipped: IntCounterVec::new(
                Opts::new(
                    "ticketfold_projector_records_skipped_total",
                    "Records read again whose effects were already committed",
                ),
                &["topic"],
            )?,
            duplicates: IntCounterVec::new(
                Opts::new(
                    "ticketfold_projector_duplicate_records_total",
                    "Records whose event id was already folded (retried appends, re-produced follow-ups)",
                ),
                &["topic"],
            )?,
            decisions: IntCounterVec::new(
                Opts::new(
                    "ticketfold_projector_decisions_total",
                    "Command decisions recorded, by command type and outcome (ACCEPTED or the refusal code)",
                ),
                &["command_type", "outcome"],
            )?,
            decision_latency: Histogram::with_opts(
                HistogramOpts::new(
                    "ticketfold_projector_decision_latency_seconds",
                    "From a request's acceptance (its occurred_at) to its decision being announced",
                )
                .buckets(DECISION_LATENCY_BUCKETS.to_vec()),
            )?,
            follow_ups: IntCounterVec::new(
                Opts::new(
                    "ticketfold_projector_follow_ups_total",
                    "Saga follow-up records appended",
                ),
                &["event_type"],
            )?,
            follow_ups_folded_at_once: IntCounterVec::new(
                Opts::new(
                    "ticketfold_projector_follow_ups_folded_at_once_total",
                    "Saga follow-ups folded right after their append, without waiting for the broker to send them back",
                ),
                &["topic"],
            )?,
            handoffs_folded: IntCounterVec::new(
                Opts::new(
                    "ticketfold_projector_handoffs_folded_total",
                    "Records folded as their appender handed them off (KAFKA_HANDOFF), without waiting for the broker's fetch",
                ),
                &["topic"],
            )?,
            rebuilt_records: IntCounter::new(
                "ticketfold_projector_state_rebuild_records_total",
                "Records re-read from the log to rebuild partition state (start-up, rebalance, failed batch): those after the snapshot it started from",
            )?,
            snapshots_taken: IntCounter::new(
                "ticketfold_projector_snapshots_taken_total",
                "Partition state snapshots written beside a batch's offsets",
            )?,
            snapshots_restored: IntCounter::new(
                "ticketfold_projector_snapshots_restored_total",
                "Partition states read from a snapshot when taking a partition",
            )?,
            aggregates_let_go: IntCounter::new(
                "ticketfold_projector_aggregates_let_go_total",
                "Aggregates (wallets, schedules, concerts) that left memory for Postgres after resting PROJECTOR_PARK_AFTER_SECONDS",
            )?,
            aggregates_brought_back: IntCounter::new(
                "ticketfold_projector_aggregates_brought_back_total",
                "Parked aggregates read back from Postgres because a record touched them",
            )?,
            aggregates_held: IntGauge::new(
                "ticketfold_projector_aggregates_held",
                "Aggregates in memory, over the partitions this projector folds",
            )?,
            snapshots_unreadable: IntCounterVec::new(
                Opts::new(
                    "ticketfold_projector_snapshots_unreadable_total",
                    "Snapshots passed over for an older one or a fold from offset 0, by reason (format_version, digest, body, offset)",
                ),
                &["reason"],
            )?,
            batch_duration: Histogram::with_opts(
                HistogramOpts::new(
                    "ticketfold_projector_batch_duration_seconds",
                    "Time to fold and commit one batch",
                )
                .buckets(infra::telemetry::HTTP_DURATION_BUCKETS.to_vec()),
            )?,
            batch_size: Histogram::with_opts(
                HistogramOpts::new("ticketfold_projector_batch_size", "Records in one committed batch")
                    .buckets(BATCH_SIZE_BUCKETS.to_vec()),
            )?,
            write_through: Histogram::with_opts(
                HistogramOpts::new(
                    "ticketfold_projector_read_model_write_seconds",
                    "Time to rewrite a committed batch's read-model entries in Redis",
                )
                .buckets(infra::telemetry::HTTP_DURATION_BUCKETS.to_vec()),
            )?,
            read_model_dropped: IntCounter::new(
                "ticketfold_projector_read_model_dropped_total",
                "Write-throughs that failed and dropped their entries instead, to be loaded from the tables",
            )?,
            read_model_repaired: IntCounter::new(
                "ticketfold_projector_read_model_repaired_total",
                "Read-model entries dropped on taking a partition, because a previous owner committed their change but never wrote it through",
            )?,
            decisions_held: IntGauge::new(
                "ticketfold_projector_decisions_held",
                "Decisions not announced yet because their read-model entries could be neither written nor dropped",
            )?,
            lag: IntGaugeVec::new(
                Opts::new(
                    "ticketfold_projector_partition_lag",
                    "Records in the log not yet folded, per partition",
                ),
                &["topic", "partition"],
            )?,
            partitions_owned: IntGauge::new(
                "ticketfold_projector_partitions_owned",
                "Partitions this instance holds the lease of and folds",
            )?,
        };
        registry.register(Box::new(metrics.events_folded.clone()))?;
        registry.register(Box::new(metrics.poison_records.clone()))?;
        registry.register(Box::new(metrics.records_skipped.clone()))?;
        registry.register(Box::new(metrics.duplicates.clone()))?;
        registry.register(Box::new(metrics.decisions.clone()))?;
        registry.register(Box::new(metrics.decision_latency.clone()))?;
        registry.register(Box::new(metrics.follow_ups.clone()))?;
        registry.register(Box::new(metrics.follow_ups_folded_at_once.clone()))?;
        registry.register(Box::new(metrics.handoffs_folded.clone()))?;
        registry.register(Box::new(metrics.rebuilt_records.clone()))?;
        registry.register(Box::new(metrics.snapshots_taken.clone()))?;
        registry.register(Box::new(metrics.snapshots_restored.clone()))?;
        registry.register(Box::new(metrics.aggregates_let_go.clone()))?;
        registry.register(Box::new(metrics.aggregates_brought_back.clone()))?;
        registry.register(Box::new(metrics.aggregates_held.clone()))?;
        registry.register(Box::new(metrics.snapshots_unreadable.clone()))?;
        registry.register(Box::new(metrics.batch_duration.clone()))?;
        registry.register(Box::new(metrics.batch_size.clone()))?;
        registry.register(Box::new(metrics.write_through.clone()))?;
        registry.register(Box::new(metrics.read_model_dropped.clone()))?;
        registry.register(Box::new(metrics.read_model_repaired.clone()))?;
        registry.register(Box::new(metrics.decisions_held.clone()))?;
        registry.register(Box::new(metrics.lag.clone()))?;
        registry.register(Box::new(metrics.partitions_owned.clone()))?;
        Ok(metrics)
    }
}

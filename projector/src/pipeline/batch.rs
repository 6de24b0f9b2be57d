//! Folding one batch of records in one Postgres transaction: their effects,
//! their answers, their dead letters and the partitions' next offsets commit
//! together, so a crash at any point neither loses nor repeats an effect.
//! The batch's follow-ups are acknowledged by the log before it commits, so
//! nothing committed ever misses its next saga step.

use std::collections::BTreeMap;

use infra::decision::Decision;
use infra::kafka::{AppendError, TopicPartition};
use read_model::Changed;
use sqlx::PgPool;
use waiting_room::QueueError;

use super::{offsets, CatchUp, Effects, States};
use crate::changes;
use crate::folds::{Engine, Fate, Produced};
use crate::reader::ReadError;
use crate::record::Record;

/// What a committed batch did, for metrics, announcements and positions.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    /// `(topic, event_type)` per record decided.
    pub folded: Vec<(String, &'static str)>,
    /// Topic per record whose event id was folded before.
    pub duplicates: Vec<String>,
    /// Topic per record sent to dead letters.
    pub dead_lettered: Vec<String>,
    /// Topic per record whose effects were already committed.
    pub skipped: Vec<String>,
    /// The next offset per partition in the batch.
    pub positions: Vec<(TopicPartition, i64)>,
    /// The answers recorded, to announce.
    pub decisions: Vec<Decision>,
    /// The read-model entries to rewrite before announcing.
    pub changed: Changed,
    /// Records read again to rebuild state.
    pub rebuilt: u64,
    /// The batch's follow-ups as the records they became in the log.
    pub appended: Vec<Record>,
}

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// Postgres is unreachable or failed; retry the same batch later.
    #[error("postgres: {0}")]
    Database(#[from] sqlx::Error),
    #[error("rebuilding partition state: {0}")]
    Rebuild(#[from] ReadError),
    #[error("appending follow-ups: {0}")]
    FollowUp(#[from] AppendError),
    #[error("ending a payer's queue place: {0}")]
    Queue(#[from] QueueError),
}

/// Where a consumer group's folds are committed.
#[derive(Clone)]
pub struct Projection {
    pub pool: PgPool,
    pub group: String,
    pub engine: Engine,
    pub catch_up: CatchUp,
}

impl Projection {
    /// Folds `records` (in partition order) and commits. On failure nothing
    /// is committed and the state of the batch's partitions is thrown away,
    /// to be rebuilt from the log when they are next folded.
    pub async fn apply(
        &self,
        states: &mut States,
        records: &[Record],
        effects: Option<&Effects>,
    ) -> Result<BatchOutcome, BatchError> {
        let result = self.try_apply(states, records, effects).await;
        if result.is_err() {
            for record in records {
                states.remove(&record.at());
            }
        }
        result
    }

    async fn try_apply(
        &self,
        states: &mut States,
        records: &[Record],
        effects: Option<&Effects>,
    ) -> Result<BatchOutcome, BatchError> {
        let mut by_partition: BTreeMap<TopicPartition, Vec<&Record>> = BTreeMap::new();
        for record in records {
            by_partition.entry(record.at()).or_default().push(record);
        }
        let mut outcome = BatchOutcome::default();
        let mut tx = self.pool.begin().await?;

        // Locked in key order; a second owner of a partition (mid-rebalance)
        // waits here, then sees this batch's offsets.
        let mut stored = BTreeMap::new();
        let mut stale = Vec::new();
        for at in by_partition.keys() {
            let offset = offsets::lock(&mut tx, &self.group, at).await?;
            let state = states.entry(at.clone()).or_default();
            if state.next_offset() > offset {
                // Ahead of what is committed: it folded records that never
                // committed. Start again from nothing.
                *state = Default::default();
            }
            if state.next_offset() < offset {
                stale.push((at.clone(), state.next_offset(), offset));
            }
            stored.insert(at.clone(), offset);
        }
        if !stale.is_empty() {
            outcome.rebuilt = self.catch_up.run(&self.engine, states, &stale).await?;
        }

        let mut produced = Produced::default();
        for (at, records) in &by_partition {
            let start = stored[at];
            let state = states.entry(at.clone()).or_default();
            for record in records {
                if record.offset < state.next_offset() {
                    outcome.skipped.push(record.topic.clone());
                    continue;
                }
                if record.offset > state.next_offset() {
                    tracing::warn!(topic = %at.topic, partition = at.partition, expected = state.next_offset(), got = record.offset, "offsets skipped in the log");
                }
                let folded = self.engine.fold(state, record, &mut produced);
                // Replays and rebuilds fold quietly; the live fold is logged,
                // so one grep of a correlation id finds it beside the request.
                folded
                    .span
                    .in_scope(|| tracing::info!(fate = %folded.fate.as_str(), "folded"));
                match folded.fate {
                    Fate::Decided => outcome
                        .folded
                        .push((record.topic.clone(), folded.event_type.unwrap_or("unknown"))),
                    Fate::Duplicate => outcome.duplicates.push(record.topic.clone()),
                    Fate::DeadLettered => outcome.dead_lettered.push(record.topic.clone()),
                }
            }
            let next = state.next_offset();
            if next != start {
                offsets::store(&mut tx, &self.group, at, next).await?;
            }
            outcome.positions.push((at.clone(), next));
        }
        changes::flush(&mut tx, &produced.changes).await?;
        if let Some(effects) = effects {
            outcome.appended = effects.append(&produced.follow_ups).await?;
            effects.complete(&produced.completed_payers).await?;
        }
        tx.commit().await?;
        outcome.changed = produced.changes.changed();
        outcome.decisions = produced.changes.outcomes.into_values().collect();
        Ok(outcome)
    }
}

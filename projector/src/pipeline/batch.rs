//! Folding one batch of records in one Postgres transaction: their effects,
//! their answers, their dead letters and the partitions' next offsets commit
//! together, so a crash at any point neither loses nor repeats an effect.
//! The batch's follow-ups are acknowledged by the log before it commits, so
//! nothing committed ever misses its next saga step. A partition due a
//! snapshot has its state copied once the batch committed, and written off
//! the fold's path (`snapshots::SnapshotWrites`). What a
//! live batch owes Redis (read-model entries, payers' queue places) is
//! recorded there too and paid after the commit (see `owed`), so Redis
//! being away never fails a batch.

use std::collections::BTreeMap;
use std::time::Duration;

use infra::decision::Decision;
use infra::kafka::{AppendError, TopicPartition};
use read_model::Changed;
use sqlx::{PgConnection, PgPool};

use super::take_over::{Rebuilder, TakeOverError, TakenOver};
use super::{offsets, owed, CatchUp, Effects, States};
use crate::changes::{self, RoundTrip};
use crate::folds::{Engine, Fate, FollowUp, PartitionState, Payer, Produced};
use crate::parking::{self, Parking};
use crate::reader::ReadError;
use crate::record::Record;
use crate::snapshots::SnapshotSchedule;

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
    /// Payers whose payment completed: their queue places end before the
    /// decisions are announced.
    pub completed_payers: Vec<Payer>,
    /// The row recording `changed` and `completed_payers` as owed until
    /// they are done (live batches that changed anything).
    pub owed: Option<i64>,
    /// Records read again to rebuild state.
    pub rebuilt: u64,
    /// Partitions whose state was read from a snapshot.
    pub restored: u64,
    /// The `reason` of each snapshot passed over as unreadable.
    pub unreadable_snapshots: Vec<&'static str>,
    /// Snapshots written with the batch.
    pub snapshots_taken: u64,
    /// Aggregates read back from Postgres to fold the batch.
    pub brought_back: u64,
    /// Aggregates that left memory with the batch.
    pub let_go: u64,
    /// The batch's follow-ups as the records they became in the log.
    pub appended: Vec<Record>,
    /// Topic per follow-up folded in the batch that appended it.
    pub folded_at_once: Vec<String>,
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
}

impl From<TakeOverError> for BatchError {
    fn from(error: TakeOverError) -> Self {
        match error {
            TakeOverError::Database(error) => BatchError::Database(error),
            TakeOverError::Rebuild(error) => BatchError::Rebuild(error),
        }
    }
}

/// What `Projection::take_over_each` did, summed over its partitions.
#[derive(Debug, Default)]
pub struct TakenOverEach {
    pub restored: u64,
    pub rebuilt: u64,
    pub unreadable: Vec<&'static str>,
    pub failed: u64,
}

/// Where a consumer group's folds are committed.
#[derive(Clone)]
pub struct Projection {
    pub pool: PgPool,
    pub group: String,
    pub engine: Engine,
    pub catch_up: CatchUp,
    pub snapshots: SnapshotSchedule,
    pub parking: Parking,
}

impl Projection {
    /// Folds `records` (in partition order) and commits. On failure nothing
    /// is committed and the state of the batch's partitions is thrown away,
    /// to be rebuilt (from a snapshot and the log) when they are next
    /// folded.
    pub async fn apply(
        &self,
        states: &mut States,
        records: &[Record],
        effects: Option<&Effects>,
    ) -> Result<BatchOutcome, BatchError> {
        let mut locked = Vec::new();
        let result = self.try_apply(states, records, effects, &mut locked).await;
        if result.is_err() {
            for at in records.iter().map(Record::at).chain(locked) {
                states.remove(&at);
                self.parking.forget(&at);
            }
        }
        result
    }

    /// Brings the states of `partitions` up to their stored offsets, as a
    /// batch does when it takes them, and commits nothing: the state a
    /// projector would decide the partitions' next records with.
    pub async fn take_over(
        &self,
        states: &mut States,
        partitions: &[TopicPartition],
    ) -> Result<TakenOver, BatchError> {
        let mut sorted = partitions.to_vec();
        sorted.sort();
        let mut tx = self.pool.begin().await?;
        let taken = self.rebuilder().take_over(&mut tx, states, &sorted).await;
        tx.rollback().await?;
        Ok(taken?)
    }

    /// Snapshots `state`, which stands at its partition's stored offset
    /// (committed), off the fold's path.
    pub(super) fn snapshot(&self, at: &TopicPartition, state: &PartitionState) {
        // The oldest kept snapshot moves with each one stored: parked rows
        // no take-over can read any more are dropped, off the fold's path.
        self.parking
            .prune_later(self.pool.clone(), self.group.clone(), at.clone());
        self.snapshots.taken(at, state.next_offset());
        self.snapshots.writes().start(
            self.pool.clone(),
            self.group.clone(),
            at.clone(),
            state.next_offset(),
            state.clone(),
        );
    }

    /// Brings the states of `partitions` up to their stored offsets, each
    /// in a task of its own, at most `parallel` at once, and commits
    /// nothing. A projector that takes several partitions (a killed peer's,
    /// or every one at start) then pays about for the longest rebuild, on
    /// every core, instead of one rebuild after another as each partition's
    /// first batch comes. A partition that fails is left without a state:
    /// the batch that next folds it rebuilds it, as before.
    pub async fn take_over_each(
        &self,
        states: &mut States,
        partitions: &[TopicPartition],
        parallel: usize,
    ) -> TakenOverEach {
        let mut waiting = partitions.iter().cloned();
        let mut running = tokio::task::JoinSet::new();
        let mut each = TakenOverEach::default();
        loop {
            while running.len() < parallel.max(1) {
                let Some(at) = waiting.next() else { break };
                let mut own = States::new();
                if let Some(state) = states.remove(&at) {
                    own.insert(at.clone(), state);
                }
                let projection = self.clone();
                running.spawn(async move {
                    let taken = projection
                        .take_over(&mut own, std::slice::from_ref(&at))
                        .await;
                    (own.remove(&at), at, taken)
                });
            }
            let Some(done) = running.join_next().await else {
                return each;
            };
            match done {
                Ok((Some(state), at, Ok(taken))) => {
                    states.insert(at, state);
                    each.restored += taken.restored;
                    each.rebuilt += taken.rebuilt;
                    each.unreadable
                        .extend(taken.unreadable.iter().map(|u| u.reason()));
                }
                Ok((_, at, Err(error))) => {
                    tracing::warn!(%error, topic = %at.topic, partition = at.partition, "cannot take the partition over yet; its first batch will");
                    each.failed += 1;
                }
                Ok((None, _, Ok(_))) => {}
                Err(error) => {
                    tracing::warn!(%error, "a take-over task ended early");
                    each.failed += 1;
                }
            }
        }
    }

    fn rebuilder(&self) -> Rebuilder<'_> {
        Rebuilder {
            group: &self.group,
            engine: &self.engine,
            catch_up: &self.catch_up,
            schedule: &self.snapshots,
        }
    }

    /// Folds `record`, the next record of `state`'s partition, into the
    /// batch.
    fn fold_live(
        &self,
        state: &mut PartitionState,
        record: &Record,
        produced: &mut Produced,
        outcome: &mut BatchOutcome,
    ) {
        let folded = self.engine.fold(state, record, produced);
        // Replays and rebuilds fold quietly; the live fold is logged, so one
        // grep of a correlation id finds it beside the request.
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

    /// `locked` names the partitions the batch took besides its records'
    /// (to fold its own follow-ups at once): their states are thrown away
    /// with the others' if it fails.
    async fn try_apply(
        &self,
        states: &mut States,
        records: &[Record],
        effects: Option<&Effects>,
        locked: &mut Vec<TopicPartition>,
    ) -> Result<BatchOutcome, BatchError> {
        let mut by_partition: BTreeMap<TopicPartition, Vec<&Record>> = BTreeMap::new();
        for record in records {
            by_partition.entry(record.at()).or_default().push(record);
        }
        let mut outcome = BatchOutcome::default();
        let mut tx = self.pool.begin().await?;

        let taken = self
            .rebuilder()
            .take_over(&mut tx, states, by_partition.keys())
            .await?;
        outcome.rebuilt = taken.rebuilt;
        outcome.restored = taken.restored;
        outcome.unreadable_snapshots = taken.unreadable.iter().map(|u| u.reason()).collect();
        let mut stored = taken.stored;

        let mut produced = Produced::default();
        for (at, records) in &by_partition {
            let state = states.entry(at.clone()).or_default();
            outcome.brought_back +=
                parking::bring_back(&mut tx, &self.group, at, state, records.iter().copied())
                    .await? as u64;
            for record in records {
                if record.offset < state.next_offset() {
                    outcome.skipped.push(record.topic.clone());
                    continue;
                }
                if record.offset > state.next_offset() {
                    // The consumer passed records by: started inside a
                    // producer's batch, tansu hands it the batches after
                    // it. They are read from the log and folded first.
                    let missing = self
                        .catch_up
                        .read(at, state.next_offset(), record.offset)
                        .await?;
                    tracing::info!(topic = %at.topic, partition = at.partition, from = state.next_offset(), to = record.offset, read = missing.len(), "records the consumer passed by, read from the log");
                    outcome.brought_back +=
                        parking::bring_back(&mut tx, &self.group, at, state, &missing).await?
                            as u64;
                    for missing in &missing {
                        self.fold_live(state, missing, &mut produced, &mut outcome);
                    }
                }
                if record.offset > state.next_offset() {
                    tracing::warn!(topic = %at.topic, partition = at.partition, expected = state.next_offset(), got = record.offset, "offsets skipped in the log");
                }
                self.fold_live(state, record, &mut produced, &mut outcome);
            }
        }
        let mut unawaited = Vec::new();
        if let Some(effects) = effects {
            (outcome.appended, unawaited) = self
                .fold_own_follow_ups(
                    &mut tx,
                    effects,
                    states,
                    &mut stored,
                    locked,
                    &mut produced,
                    &mut outcome,
                )
                .await?;
        }
        // Follow-ups no answer waits on are acknowledged while the batch
        // writes, not before it, and folded after it. They are still on the
        // log before the batch commits, so nothing committed misses its
        // next saga step.
        let appending = async {
            match effects {
                Some(effects) => append_follow_ups(effects, &unawaited).await,
                None => Ok(Vec::new()),
            }
        };
        let writing = self.write(
            &mut tx,
            states,
            &stored,
            &produced,
            effects.is_some(),
            &mut outcome,
        );
        let (appended, written) = tokio::join!(appending, writing);
        let (snapshotted, changed) = written?;
        outcome.appended.extend(appended?);
        tx.commit().await?;
        // The offsets are stored: a take-over may now restore these.
        for (at, _) in &snapshotted {
            if let Some(state) = states.get(at) {
                self.snapshot(at, state);
            }
        }
        outcome.snapshots_taken = snapshotted.len() as u64;
        outcome.changed = changed;
        outcome.completed_payers = produced.completed_payers;
        outcome.decisions = produced.changes.outcomes.into_values().collect();
        Ok(outcome)
    }
}

impl Projection {
    /// Writes what the batch folded into its transaction: parked
    /// aggregates let go, the partitions' next offsets, the changed rows
    /// and, for a live batch (`owing`), what it owes Redis. Answers the
    /// partitions due a snapshot once this commits, and what changed.
    async fn write(
        &self,
        tx: &mut PgConnection,
        states: &mut States,
        stored: &BTreeMap<TopicPartition, i64>,
        produced: &Produced,
        owing: bool,
        outcome: &mut BatchOutcome,
    ) -> Result<(Vec<(TopicPartition, i64)>, Changed), BatchError> {
        let mut snapshotted = Vec::new();
        let mut moved = Vec::new();
        for (at, start) in stored {
            let state = states.entry(at.clone()).or_default();
            let next = state.next_offset();
            if let Some(below) = self.parking.due(at, next) {
                outcome.let_go +=
                    parking::let_go(&mut *tx, &self.group, at, state, below).await? as u64;
                state.shrink();
            }
            if next != *start {
                moved.push((at.clone(), next));
                if self.snapshots.due(at, next) {
                    snapshotted.push((at.clone(), next));
                }
            }
            outcome.positions.push((at.clone(), next));
        }
        // The offsets, the booking rows and the owed row go in one round
        // trip: the batch's answers wait on every one of them.
        let mut trip = RoundTrip::default();
        offsets::store(&mut trip, &self.group, &moved);
        changes::flush(&mut *tx, &produced.changes, &mut trip).await?;
        let changed = produced.changes.changed();
        if owing && (!changed.is_empty() || !produced.completed_payers.is_empty()) {
            let debt = owed::Debt {
                changed: &changed,
                payers: &produced.completed_payers,
                commands: produced.changes.outcomes.keys().copied().collect(),
            };
            owed::record(&mut trip, &self.group, stored.keys(), debt);
        }
        outcome.owed = trip.run(&mut *tx).await?;
        Ok((snapshotted, changed))
    }

    /// Appends the batch's follow-ups that an answer waits on and folds, in
    /// the same transaction, each one that lands exactly where its
    /// partition stands, then theirs, and so on: a payment's three folds
    /// before its answer (request, debit requested, settled) commit together
    /// instead of a batch each. A follow-up is folded here only on a
    /// partition this projector folds (its state is in hand) and that the
    /// batch has locked, or may lock without breaking the ascending order
    /// every batch locks in (so two batches never wait on each other); any
    /// other is folded when it arrives, as before. Answers every follow-up
    /// appended, as appended, and those no answer waits on (a payment's
    /// debit commitment), not appended yet: the caller appends them beside
    /// its writes.
    #[allow(clippy::too_many_arguments)]
    async fn fold_own_follow_ups(
        &self,
        tx: &mut PgConnection,
        effects: &Effects,
        states: &mut States,
        stored: &mut BTreeMap<TopicPartition, i64>,
        locked: &mut Vec<TopicPartition>,
        produced: &mut Produced,
        outcome: &mut BatchOutcome,
    ) -> Result<(Vec<Record>, Vec<FollowUp>), BatchError> {
        let mut appended = Vec::new();
        let mut unawaited = Vec::new();
        loop {
            let (follow_ups, later): (Vec<FollowUp>, Vec<FollowUp>) =
                std::mem::take(&mut produced.follow_ups)
                    .into_iter()
                    .partition(|follow_up| follow_up.answer_waits);
            unawaited.extend(later);
            if follow_ups.is_empty() {
                return Ok((appended, unawaited));
            }
            let records = append_follow_ups(effects, &follow_ups).await?;
            for record in &records {
                let at = record.at();
                let standing = |states: &States| {
                    states
                        .get(&at)
                        .is_some_and(|state| state.next_offset() == record.offset)
                };
                if !standing(states) {
                    continue;
                }
                if !stored.contains_key(&at) {
                    if stored.keys().next_back().is_some_and(|last| *last > at) {
                        continue;
                    }
                    locked.push(at.clone());
                    let taken = self
                        .rebuilder()
                        .take_over(&mut *tx, states, std::iter::once(&at))
                        .await?;
                    outcome.rebuilt += taken.rebuilt;
                    outcome.restored += taken.restored;
                    outcome
                        .unreadable_snapshots
                        .extend(taken.unreadable.iter().map(|u| u.reason()));
                    stored.extend(taken.stored);
                    // Another instance may have folded it meanwhile.
                    if !standing(states) {
                        continue;
                    }
                }
                let state = states.get_mut(&at).expect("standing: the state is in hand");
                outcome.brought_back +=
                    parking::bring_back(&mut *tx, &self.group, &at, state, std::iter::once(record))
                        .await? as u64;
                self.fold_live(state, record, produced, outcome);
                outcome.folded_at_once.push(at.topic.clone());
            }
            appended.extend(records);
        }
    }
}

/// How long a batch keeps appending its follow-ups through a broker blip
/// before it gives up (and its partitions' state with it).
const FOLLOW_UP_PATIENCE: Duration = Duration::from_secs(30);
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(4);

/// Appends the batch's follow-ups, again and again through a broker blip:
/// what the batch folded stays valid meanwhile (its transaction is open,
/// its leases renewed), and appending the same records twice is harmless,
/// since readers drop a follow-up id seen before. Only a broker away for
/// longer fails the batch, whose state is then rebuilt.
async fn append_follow_ups(
    effects: &Effects,
    follow_ups: &[FollowUp],
) -> Result<Vec<Record>, AppendError> {
    let give_up = tokio::time::Instant::now() + FOLLOW_UP_PATIENCE;
    let mut backoff = FIRST_BACKOFF;
    loop {
        match effects.append(follow_ups).await {
            Ok(appended) => return Ok(appended),
            Err(error) if tokio::time::Instant::now() + backoff < give_up => {
                tracing::warn!(%error, follow_ups = follow_ups.len(), "follow-ups not appended yet; appending them again");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            Err(error) => return Err(error),
        }
    }
}

//! The consumer loop: read a batch, fold it in one transaction with its
//! offsets, announce its decisions, repeat. Positions live in Postgres;
//! Kafka's committed offsets are never used, and which instance reads which
//! partition is settled by leases in Postgres too (see `leases`). Partition
//! state lives in memory and is rebuilt whenever it may be stale, from the
//! partition's newest snapshot and the log after it (see `take_over`).

mod arrivals;
mod at_rest;
mod batch;
mod catch_up;
mod effects;
mod handoffs;
mod leases;
mod offsets;
mod owed;
mod renewal;
mod states;
mod stop;
mod take_over;
mod warming;
mod write_behind;

use std::time::{Duration, Instant};

use futures::StreamExt;
use infra::config::RecordHandoff;
use infra::kafka::{
    consumer_config, BrokerProbe, ResumeFrom, StoredPositions, TopicPartition, Topics,
};
use infra::redis::KeySpace;
use prometheus::Registry;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::{Offset, TopicPartitionList};
use sqlx::PgPool;
use tokio::sync::{mpsc, watch};
use tokio::time::MissedTickBehavior;

use arrivals::{Arrival, Arrivals};
pub use batch::{BatchError, BatchOutcome, Projection};
pub use catch_up::CatchUp;
pub use effects::Effects;
use handoffs::HandoffFeed;
pub use leases::{Handover, PartitionLeases, LEASE_TICK};
pub use renewal::renewing;
pub use states::States;
pub use take_over::{TakeOverError, TakenOver};
use write_behind::{Readable, WriteBehind};

use crate::configuration::Settings;
use crate::error::StartupError;
use crate::folds::Engine;
use crate::metrics::ProjectorMetrics;
use crate::parking::Parking;
use crate::record::Record;
use crate::snapshots::SnapshotSchedule;
use stop::{stopped, wait_or_stop};

/// Most records folded in one transaction.
const MAX_BATCH: usize = 1000;
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How long a stopping projector waits for its snapshot writes: within
/// `make down`'s 20 s before SIGKILL, with the consumer's close after it.
const SNAPSHOT_WRITE_PATIENCE: Duration = Duration::from_secs(10);
/// How long a stopping projector waits for the write-throughs queued (each
/// takes milliseconds; Redis away is the only reason to run out), before
/// the snapshots' patience, both within `make down`'s 20 s.
const WRITE_THROUGH_PATIENCE: Duration = Duration::from_secs(5);
/// How long asking the brokers for the topics' partitions may take.
const METADATA_TIMEOUT: Duration = Duration::from_secs(2);
/// Lease ticks between asking the brokers again, so partitions added to a
/// topic get an owner: every 30 s.
const REDISCOVER_EVERY: u32 = (30_000 / LEASE_TICK.as_millis()) as u32;
/// Records before its stored position that a partition taken is read from:
/// the most one of our producers puts in a batch (`batch.num.messages`).
/// A longer batch is still read whole, by the batch that meets the hole
/// (see `batch`), only later.
const REREAD_ON_TAKING: i64 = 1_000;

/// Partitions taken over at once at most: each holds a pooled connection
/// (`MAX_CONNECTIONS` is 10) and folds on a core of its own.
const TAKE_OVER_PARALLEL: usize = 4;

/// The consumer group of the projector; the prefix keeps parallel
/// environments on one broker from joining each other's group.
pub fn group_id(settings: &Settings) -> String {
    format!("{}projector", settings.kafka.topic_prefix)
}

pub struct Pipeline {
    consumer: StreamConsumer<ResumeFrom>,
    /// Follows the leases: the hand-offs of the partitions held.
    handoff_feed: HandoffFeed,
    /// Taken by `run`.
    handed_off: Option<mpsc::Receiver<Record>>,
    /// Taken by `run`.
    leases: Option<PartitionLeases>,
    broker: BrokerProbe,
    projection: Projection,
    effects: Effects,
    /// Makes committed batches readable beside the fold.
    write_behind: WriteBehind,
    topics: Topics,
    metrics: ProjectorMetrics,
}

impl Pipeline {
    /// Ready to take partitions of the three topics as their leases allow,
    /// resuming each from the position stored in Postgres.
    pub async fn start(
        settings: &Settings,
        pool: PgPool,
        metrics: ProjectorMetrics,
        registry: &Registry,
    ) -> Result<Self, StartupError> {
        let group = group_id(settings);
        let topics = Topics::from_settings(&settings.kafka);
        let positions = StoredPositions::default();
        for (at, next) in offsets::load(&pool, &group)
            .await
            .map_err(StartupError::Offsets)?
        {
            positions.advance(at, next);
        }
        let lag = metrics.lag.clone();
        let label_topics = topics.clone();
        let context = ResumeFrom::new(positions).observe_lag(move |at, records| {
            let topic = label_topics.base_name(&at.topic).unwrap_or("other");
            lag.with_label_values(&[topic, &at.partition.to_string()])
                .set(records);
        });
        let consumer: StreamConsumer<ResumeFrom> = consumer_config(&settings.kafka, &group)
            // Decisions wait on this: see `KafkaSettings::fetch_wait_ms`.
            .set(
                "fetch.wait.max.ms",
                settings.kafka.fetch_wait_ms.to_string(),
            )
            .create_with_context(context)
            .map_err(StartupError::Kafka)?;
        let broker = BrokerProbe::new(&settings.kafka).map_err(StartupError::Kafka)?;
        let leases = Some(PartitionLeases::new(
            (*pool.connect_options()).clone(),
            &group,
        ));
        let effects = Effects::new(settings, pool.clone(), metrics.clone(), registry)?;
        let (handoff_feed, handed_off) = match settings.kafka.handoff {
            RecordHandoff::Redis => HandoffFeed::start(
                infra::redis::client(&settings.redis).map_err(StartupError::Redis)?,
                KeySpace::new(settings.redis.key_prefix.clone()),
            ),
            RecordHandoff::Off => HandoffFeed::off(),
        };
        let projection = Projection {
            pool,
            engine: Engine::new(&topics),
            catch_up: CatchUp::new(&settings.kafka, &group),
            snapshots: SnapshotSchedule::new(&settings.snapshots),
            parking: Parking::new(&settings.snapshots),
            group,
        };
        Ok(Self {
            write_behind: WriteBehind::start(effects.clone()),
            consumer,
            handoff_feed,
            handed_off: Some(handed_off),
            leases,
            broker,
            projection,
            effects,
            topics,
            metrics,
        })
    }

    /// Folds until `stop` turns true. A batch that fails (Postgres, the
    /// broker or Redis away) is retried with backoff until it commits or we
    /// stop.
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let warming = tokio::spawn(warming::keep_warm(self.effects.clone(), stop.clone()));
        let (Some(mut leases), Some(mut handed_off)) = (self.leases.take(), self.handed_off.take())
        else {
            return;
        };
        let mut handed_off_open = true;
        let mut arrivals = Arrivals::default();
        let mut states = States::new();
        let mut batches = self.consumer.stream().ready_chunks(MAX_BATCH);
        let mut lease_tick = tokio::time::interval(LEASE_TICK);
        lease_tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut ticks: u32 = 0;
        let mut handed = Vec::with_capacity(MAX_BATCH);
        loop {
            let batch = tokio::select! {
                biased;
                _ = stopped(&mut stop) => break,
                _ = lease_tick.tick() => {
                    // Between batches, so nothing is in flight for a
                    // partition given away.
                    if ticks.is_multiple_of(REDISCOVER_EVERY) || !leases.knows_partitions() {
                        self.discover(&mut leases).await;
                    }
                    ticks = ticks.wrapping_add(1);
                    let handover = leases.tick().await;
                    self.hand_over(&handover, &leases, &mut states).await;
                    if !handover.gained.is_empty()
                        && !self.take_over_gained(&handover.gained, &mut states, &mut leases, &mut stop).await
                    {
                        break;
                    }
                    let let_go = at_rest::let_rested_go(&self.projection, &mut states).await;
                    if let_go > 0 {
                        self.metrics.aggregates_let_go.inc_by(let_go);
                        self.count_held(&states);
                    }
                    continue;
                }
                batch = batches.next() => batch,
                count = handed_off.recv_many(&mut handed, MAX_BATCH), if handed_off_open => {
                    if count == 0 {
                        handed_off_open = false;
                        continue;
                    }
                    for record in handed.drain(..) {
                        arrivals.add(record, Arrival::HandedOff);
                    }
                    let records = self.foldable(&mut arrivals, &states);
                    if !records.is_empty()
                        && !self.fold(&mut states, &mut leases, &mut arrivals, records, &mut stop).await
                    {
                        break;
                    }
                    continue;
                }
            };
            let Some(batch) = batch else { break };
            let mut records = Vec::with_capacity(batch.len());
            for message in batch {
                match message {
                    Ok(message) => records.push(Record::from(&message)),
                    Err(error) => tracing::warn!(%error, "consumer error"),
                }
            }
            if records.is_empty() {
                // Only errors: give the broker a moment instead of spinning.
                if wait_or_stop(&mut stop, Duration::from_millis(200)).await {
                    break;
                }
                continue;
            }
            // Copies of records already folded as they arrived (see
            // `Arrivals`), and the records before the stored position that a
            // partition taken is read again from (see `REREAD_ON_TAKING`):
            // committed, so no transaction is needed to skip them, nor a
            // state rebuilt.
            let positions = &self.consumer.context().positions;
            records.retain(|record| {
                let at = record.at();
                let folded = states.get(&at).map(|state| state.next_offset());
                folded
                    .max(positions.get(&at))
                    .is_none_or(|next| record.offset >= next)
            });
            if records.is_empty() {
                continue;
            }
            if !self
                .fold(&mut states, &mut leases, &mut arrivals, records, &mut stop)
                .await
            {
                break;
            }
        }
        tracing::info!("pipeline stopped");
        warming.abort();
        // What committed is made readable and announced before the
        // partitions go: a new owner then finds nothing of ours owed.
        self.write_behind.finish(WRITE_THROUGH_PATIENCE).await;
        // Hand the partitions over now rather than when the process exits.
        leases.release_all().await;
        // Then leave the last snapshots behind, within the stop's grace.
        self.projection
            .snapshots
            .writes()
            .settle(SNAPSHOT_WRITE_PATIENCE)
            .await;
        drop(batches);
        // Leaving the group blocks until the broker answers; keep it off
        // the async threads.
        let consumer = self.consumer;
        let _ = tokio::task::spawn_blocking(move || drop(consumer)).await;
        tracing::debug!("consumer closed");
    }

    async fn discover(&self, leases: &mut PartitionLeases) {
        match self.broker.partitions(METADATA_TIMEOUT).await {
            Ok(partitions) => leases.set_partitions(partitions),
            Err(error) => tracing::warn!(%error, "cannot list the topics' partitions yet"),
        }
    }

    /// Stops reading the partitions lost and starts reading the ones
    /// gained, each from its position stored in Postgres (another instance
    /// may have advanced it since this one last read it).
    async fn hand_over(&self, handover: &Handover, leases: &PartitionLeases, states: &mut States) {
        if handover.is_empty() {
            return;
        }
        let label = |topic: &str| self.topics.base_name(topic).unwrap_or("other");
        if !handover.lost.is_empty() {
            let mut lost = TopicPartitionList::new();
            for at in &handover.lost {
                lost.add_partition(&at.topic, at.partition);
                states.remove(at);
                let _ = self
                    .metrics
                    .lag
                    .remove_label_values(&[label(&at.topic), &at.partition.to_string()]);
            }
            if let Err(error) = self.consumer.incremental_unassign(&lost) {
                tracing::error!(%error, "cannot stop reading the partitions given away");
            }
        }
        if !handover.gained.is_empty() {
            let positions = &self.consumer.context().positions;
            match offsets::load(&self.projection.pool, &self.projection.group).await {
                Ok(stored) => {
                    for (at, next) in stored {
                        positions.advance(at, next);
                    }
                }
                // Reading from an older position is only slower: records
                // whose effects are committed are skipped.
                Err(error) => {
                    tracing::warn!(%error, "cannot read the stored positions; resuming from the last known ones")
                }
            }
            let mut gained = TopicPartitionList::new();
            for at in &handover.gained {
                // From a little before the stored position: on tansu a read
                // that starts inside a producer's batch is handed only the
                // batches after it (see `crate::reader`), and the rest of
                // that batch would be passed by. The records before the
                // position are skipped as committed.
                let offset = positions.get(at).map_or(Offset::Beginning, |next| {
                    Offset::Offset(next.saturating_sub(REREAD_ON_TAKING).max(0))
                });
                if let Err(error) = gained.add_partition_offset(&at.topic, at.partition, offset) {
                    tracing::error!(%error, topic = %at.topic, partition = at.partition, "cannot set the resume offset");
                }
            }
            if let Err(error) = self.consumer.incremental_assign(&gained) {
                tracing::error!(%error, "cannot start reading the partitions taken");
            }
        }
        if !handover.gained.is_empty() {
            // Before any batch of theirs: a reader must not be served what
            // a dead owner committed but never wrote through.
            self.effects
                .repair(&self.projection.group, &handover.gained)
                .await;
        }
        let owned: Vec<TopicPartition> = leases.owned().cloned().collect();
        self.metrics.partitions_owned.set(owned.len() as i64);
        self.handoff_feed.follow(&owned);
        tracing::info!(gained = ?handover.gained, lost = ?handover.lost, owned = owned.len(), "partition ownership changed");
        self.consumer.context().set_assigned(owned);
    }

    /// Brings the partitions just gained up to their stored offsets at once,
    /// in parallel, before any of their records waits on it (see
    /// `Projection::take_over_each`), the leases renewed meanwhile. False
    /// when asked to stop first.
    async fn take_over_gained(
        &self,
        gained: &[TopicPartition],
        states: &mut States,
        leases: &mut PartitionLeases,
        stop: &mut watch::Receiver<bool>,
    ) -> bool {
        let parallel = std::thread::available_parallelism()
            .map_or(2, |cores| cores.get())
            .min(TAKE_OVER_PARALLEL);
        let taking = renewing(
            leases,
            self.projection.take_over_each(states, gained, parallel),
        );
        let each = tokio::select! {
            biased;
            _ = stopped(stop) => return false,
            each = taking => each,
        };
        // Held first: a reader that sees the take-over counted sees what
        // it brought into memory.
        self.count_held(states);
        self.count_taken(each.rebuilt, each.restored, &each.unreadable);
        true
    }

    /// Folds `records`, then whatever arrived beside the fetch that can be
    /// folded after them (the batch's own follow-ups first among them), so
    /// a payment's three steps do not each wait for the broker's next
    /// fetch. False when asked to stop first.
    async fn fold(
        &self,
        states: &mut States,
        leases: &mut PartitionLeases,
        arrivals: &mut Arrivals,
        mut records: Vec<Record>,
        stop: &mut watch::Receiver<bool>,
    ) -> bool {
        while !records.is_empty() {
            let committed = self.commit(states, &records, stop);
            let Some(appended) = renewing(leases, committed).await else {
                return false;
            };
            for record in appended {
                arrivals.add(record, Arrival::FollowUp);
            }
            records = self.foldable(arrivals, states);
        }
        true
    }

    /// The arrivals that can be folded now (see `Arrivals`), counted.
    fn foldable(&self, arrivals: &mut Arrivals, states: &States) -> Vec<Record> {
        let taken = arrivals.take_foldable(|at| states.get(at).map(|state| state.next_offset()));
        taken
            .into_iter()
            .map(|(record, arrival)| {
                let topic = self.topics.base_name(&record.topic).unwrap_or("other");
                let counter = match arrival {
                    Arrival::FollowUp => &self.metrics.follow_ups_folded_at_once,
                    Arrival::HandedOff => &self.metrics.handoffs_folded,
                };
                counter.with_label_values(&[topic]).inc();
                record
            })
            .collect()
    }

    /// Answers the batch's follow-ups as appended, or `None` when asked to
    /// stop before the batch committed.
    async fn commit(
        &self,
        states: &mut States,
        records: &[Record],
        stop: &mut watch::Receiver<bool>,
    ) -> Option<Vec<Record>> {
        let mut backoff = Duration::from_millis(100);
        loop {
            let started = Instant::now();
            match self
                .projection
                .apply(states, records, Some(&self.effects))
                .await
            {
                Ok(outcome) => {
                    self.metrics
                        .batch_duration
                        .observe(started.elapsed().as_secs_f64());
                    self.metrics.batch_size.observe(records.len() as f64);
                    self.account(&outcome);
                    self.count_held(states);
                    self.write_behind
                        .send(Readable {
                            changed: outcome.changed,
                            decisions: outcome.decisions,
                            payers: outcome.completed_payers,
                            owed: outcome.owed.into_iter().collect(),
                        })
                        .await;
                    return Some(outcome.appended);
                }
                Err(error) => {
                    tracing::error!(error = %infra::telemetry::ErrorChain(&error), retry_in_ms = backoff.as_millis() as u64, "folding a batch failed");
                    if wait_or_stop(stop, backoff).await {
                        return None;
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    fn count_held(&self, states: &States) {
        let held: usize = states.values().map(|state| state.held()).sum();
        self.metrics.aggregates_held.set(held as i64);
    }

    /// Counts what taking partitions over cost, whether a batch or the
    /// take-over on gain did it.
    fn count_taken(&self, rebuilt: u64, restored: u64, unreadable: &[&'static str]) {
        self.metrics.rebuilt_records.inc_by(rebuilt);
        self.metrics.snapshots_restored.inc_by(restored);
        for reason in unreadable {
            self.metrics
                .snapshots_unreadable
                .with_label_values(&[reason])
                .inc();
        }
    }

    fn account(&self, outcome: &BatchOutcome) {
        let label = |topic: &str| self.topics.base_name(topic).unwrap_or("other");
        for (topic, event_type) in &outcome.folded {
            self.metrics
                .events_folded
                .with_label_values(&[label(topic), event_type])
                .inc();
        }
        for topic in &outcome.dead_lettered {
            self.metrics
                .poison_records
                .with_label_values(&[label(topic)])
                .inc();
        }
        for topic in &outcome.skipped {
            self.metrics
                .records_skipped
                .with_label_values(&[label(topic)])
                .inc();
        }
        for topic in &outcome.folded_at_once {
            self.metrics
                .follow_ups_folded_at_once
                .with_label_values(&[label(topic)])
                .inc();
        }
        for topic in &outcome.duplicates {
            self.metrics
                .duplicates
                .with_label_values(&[label(topic)])
                .inc();
        }
        for decision in &outcome.decisions {
            self.metrics
                .decisions
                .with_label_values(&[decision.command_type.as_str(), decision.verdict.as_str()])
                .inc();
        }
        self.count_taken(
            outcome.rebuilt,
            outcome.restored,
            &outcome.unreadable_snapshots,
        );
        self.metrics.aggregates_let_go.inc_by(outcome.let_go);
        self.metrics
            .aggregates_brought_back
            .inc_by(outcome.brought_back);
        self.metrics.snapshots_taken.inc_by(outcome.snapshots_taken);
        let positions = &self.consumer.context().positions;
        for (at, next) in &outcome.positions {
            positions.advance(at.clone(), *next);
        }
    }
}

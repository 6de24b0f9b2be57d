//! What a live batch does outside Postgres: append its saga follow-ups
//! (before it commits), then, after it commits, end the queue places of
//! payers whose payment completed, rewrite the read-model entries it
//! changed and announce its decisions — only once the places are ended and
//! the entries readable, so a caller told "paid" holds no working token
//! and a caller told "charged" never reads the old balance.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use infra::decision::{channel, Decision};
use infra::handoff::Handoffs;
use infra::kafka::{AppendError, Appender, TopicPartition, Topics};
use infra::redis::{round_trips, Redis, ROUND_TRIP_BYTES};
use prometheus::Registry;
use read_model::{CacheMetrics, Changed, ReadModel, WarmFailure, WarmMetrics, WarmRound};
use sqlx::PgPool;
use tracing::Instrument;
use waiting_room::{Departures, QueueError};

use super::owed;
use crate::configuration::Settings;
use crate::error::StartupError;
use crate::folds::{FollowUp, Payer};
use crate::metrics::ProjectorMetrics;
use crate::record::Record;

/// Longer than a command's wait budget: a follow-up that is not
/// acknowledged fails its batch, which is then retried as a whole.
const APPEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Entries remembered for a later write-through while Redis fails; past
/// this many, every read-model entry is dropped once Redis is back instead.
const MAX_UNWRITTEN: usize = 100_000;
/// Decisions held back while their entries are not readable; past this
/// many the oldest are let go unannounced (their callers read the outcome
/// from `command_outcomes` when their wait runs out, as with any missed
/// announcement).
const MAX_UNANNOUNCED: usize = 10_000;

/// What a write-through made readable.
#[derive(Debug, Default)]
struct Readable {
    /// Decisions that may be announced.
    announce: Vec<Decision>,
    /// Rows of `projector_owed_entries` to settle.
    settled: Vec<i64>,
}

/// What failed to reach Redis, to write with the next attempt.
#[derive(Debug, Default)]
struct Unwritten {
    changed: Changed,
    /// Too much to remember: drop every entry instead of rewriting some.
    lost_track: bool,
    /// Decisions whose entries were neither written nor dropped: announced
    /// once a later attempt makes them readable.
    unannounced: Vec<Decision>,
    /// Payers whose queue places must end before anything is announced.
    payers: Vec<Payer>,
    /// Rows of `projector_owed_entries` settled once `changed` is readable
    /// and `payers` are gone.
    owed: Vec<i64>,
}

#[derive(Clone)]
pub struct Effects {
    appender: Appender,
    handoffs: Handoffs,
    topics: Topics,
    departures: Departures,
    redis: Redis,
    channel: String,
    read_model: ReadModel,
    warm_metrics: WarmMetrics,
    /// One writer of the read model at a time in this process: each writes
    /// what it loaded, so two overlapping could leave the older load last.
    writing: Arc<tokio::sync::Mutex<()>>,
    unwritten: Arc<Mutex<Unwritten>>,
    pool: PgPool,
    metrics: ProjectorMetrics,
}

impl Effects {
    pub fn new(
        settings: &Settings,
        pool: PgPool,
        metrics: ProjectorMetrics,
        registry: &Registry,
    ) -> Result<Self, StartupError> {
        let appender = Appender::with_timeout(&settings.kafka, "projector", APPEND_TIMEOUT)
            .map_err(StartupError::Kafka)?;
        let redis = Redis::new(&settings.redis).map_err(StartupError::Redis)?;
        // The projector only ends payers' places: no tokens, no gauges.
        let departures = Departures::new(redis.clone());
        let read_model = ReadModel::new(
            &settings.redis,
            pool.clone(),
            &settings.cache,
            CacheMetrics::register(registry)?,
        )
        .map_err(StartupError::Redis)?;
        Ok(Self {
            handoffs: Handoffs::as_configured(settings.kafka.handoff, &redis),
            appender,
            topics: Topics::from_settings(&settings.kafka),
            channel: channel(redis.keys()),
            redis,
            departures,
            read_model,
            warm_metrics: WarmMetrics::register(registry)?,
            writing: Arc::default(),
            unwritten: Arc::default(),
            pool,
            metrics,
        })
    }

    pub fn read_model(&self) -> &ReadModel {
        &self.read_model
    }

    /// Makes what a committed batch changed readable, then announces its
    /// decisions. Each entry is rewritten; if that fails the entries are
    /// dropped instead, so their next read loads the committed tables. If
    /// neither reaches Redis, the entries are remembered and the decisions
    /// held back until a later attempt (the next batch, or the warming
    /// loop's retry) makes them readable: a query that starts after an
    /// answer sees its effect. The payers' queue places end first, held
    /// back the same way. `owed` is the batch's row recording both, settled
    /// once they are done.
    pub async fn make_readable(
        &self,
        changed: &Changed,
        decisions: &[Decision],
        payers: &[Payer],
        owed: &[i64],
    ) {
        let readable = self.write_through(changed, decisions, payers, owed).await;
        // Settled before the announcement: a caller told "charged" who
        // polls its charge from the tables finds it decided.
        if let Err(error) = owed::settle(&self.pool, &readable.settled).await {
            // Tried again with the next write-through; until then those
            // outcomes read as undecided from the tables.
            tracing::warn!(%error, rows = readable.settled.len(), "cannot settle what Redis was owed; will retry");
            self.unwritten().owed.extend(readable.settled);
        }
        self.publish(&readable.announce).await;
    }

    /// Drops the entries that batches committed on `partitions` owe the
    /// read model: left behind by an owner that died between its commit
    /// and its Redis writes (or that could not settle them). Dropped, not
    /// rewritten: another instance may be writing some of them (a batch
    /// names all its partitions), and a delete can never put an older
    /// image over a newer one. If Redis is away too, they are owed by this
    /// instance's next write-through, which holds its decisions back until
    /// they are readable.
    pub async fn repair(&self, group: &str, partitions: &[TopicPartition]) {
        let debts = match owed::naming(&self.pool, group, partitions).await {
            Ok(debts) if debts.is_empty() => return,
            Ok(debts) => debts,
            Err(error) => {
                tracing::warn!(%error, "cannot read what the read model is owed; entries of the partitions taken may be stale until they expire");
                return;
            }
        };
        let ids: Vec<i64> = debts.iter().map(|debt| debt.id).collect();
        let mut changed = Changed::default();
        let mut payers = Vec::new();
        for debt in debts {
            changed.merge(debt.changed);
            payers.extend(debt.payers);
        }
        let _writing = self.writing.lock().await;
        if let Err(error) = self.complete(&payers).await {
            tracing::warn!(%error, payers = payers.len(), "cannot end the queue places a previous owner left; owed by the next write-through");
            let mut unwritten = self.unwritten();
            unwritten.changed.merge(changed);
            unwritten.payers.extend(payers);
            unwritten.owed.extend(ids);
            return;
        }
        match self.read_model.forget_changes(&changed).await {
            Ok(entries) => {
                tracing::warn!(
                    entries,
                    batches = ids.len(),
                    "entries left stale by a previous owner dropped"
                );
                self.metrics.read_model_repaired.inc_by(entries as u64);
                if let Err(error) = owed::settle(&self.pool, &ids).await {
                    tracing::warn!(%error, "cannot settle the repaired entries");
                }
            }
            Err(error) => {
                tracing::warn!(%error, entries = changed.len(), "cannot drop entries left stale by a previous owner; owed by the next write-through");
                let mut unwritten = self.unwritten();
                unwritten.changed.merge(changed);
                unwritten.owed.extend(ids);
            }
        }
    }

    /// Writes what an earlier attempt could not, if anything, and announces
    /// what it held back.
    pub async fn retry_unwritten(&self) {
        let pending = {
            let unwritten = self.unwritten();
            !unwritten.changed.is_empty()
                || unwritten.lost_track
                || !unwritten.unannounced.is_empty()
                || !unwritten.payers.is_empty()
                || !unwritten.owed.is_empty()
        };
        if pending {
            self.make_readable(&Changed::default(), &[], &[], &[]).await;
        }
    }

    /// Answers the decisions that may be announced now (these and any held
    /// back before) and the rows settled, if every entry owed is readable;
    /// nothing otherwise.
    async fn write_through(
        &self,
        changed: &Changed,
        decisions: &[Decision],
        payers: &[Payer],
        owed: &[i64],
    ) -> Readable {
        let started = std::time::Instant::now();
        let _writing = self.writing.lock().await;
        let mut todo = std::mem::take(&mut *self.unwritten());
        todo.changed.merge(changed.clone());
        todo.unannounced.extend_from_slice(decisions);
        todo.payers.extend_from_slice(payers);
        todo.owed.extend_from_slice(owed);
        let nothing_to_write = todo.changed.is_empty() && !todo.lost_track;
        // The payers' places end while the entries are written: nothing is
        // announced before both are done, and writing an entry again (when
        // ending a place fails and all is retried) writes the same state.
        // Answers whether every entry was dropped first, and the write.
        let writing = async {
            if nothing_to_write {
                return (false, Ok(0));
            }
            if todo.lost_track {
                match self.read_model.forget_all().await {
                    Ok(forgotten) => tracing::warn!(
                        forgotten,
                        "read model dropped after losing track of its changes"
                    ),
                    Err(error) => return (false, Err(error)),
                }
            }
            (
                todo.lost_track,
                self.read_model.write_changes(&todo.changed).await,
            )
        };
        let (completed, (forgot_all, written)) = tokio::join!(self.complete(&todo.payers), writing);
        if forgot_all {
            todo.lost_track = false;
        }
        if let Err(error) = completed {
            tracing::warn!(%error, payers = todo.payers.len(), held = todo.unannounced.len(), "ending payers' queue places failed; decisions held back, will retry");
            return self.hold(todo);
        }
        todo.payers.clear();
        if nothing_to_write {
            return Readable {
                announce: todo.unannounced,
                settled: todo.owed,
            };
        }
        let readable = match written {
            Ok(_) => true,
            Err(error) => {
                let forgotten = if todo.lost_track {
                    self.read_model.forget_all().await.map(|n| n as usize)
                } else {
                    self.read_model.forget_changes(&todo.changed).await
                };
                match forgotten {
                    Ok(entries) => {
                        tracing::warn!(%error, entries, "writing the read model through failed; its entries were dropped, to be loaded from the tables");
                        self.metrics.read_model_dropped.inc();
                        true
                    }
                    Err(also) => {
                        tracing::warn!(%error, dropping = %also, entries = todo.changed.len(), held = todo.unannounced.len(), "writing the read model through failed and its entries could not be dropped; decisions held back, will retry");
                        false
                    }
                }
            }
        };
        self.metrics
            .write_through
            .observe(started.elapsed().as_secs_f64());
        if readable {
            self.metrics.decisions_held.set(0);
            return Readable {
                announce: todo.unannounced,
                settled: todo.owed,
            };
        }
        self.hold(todo)
    }

    /// Keeps what is owed for the next attempt, with the decisions waiting
    /// on it (past `MAX_UNANNOUNCED`, the oldest are let go).
    fn hold(&self, mut todo: Unwritten) -> Readable {
        let mut unwritten = self.unwritten();
        unwritten.payers.append(&mut todo.payers);
        unwritten.changed.merge(todo.changed);
        unwritten.lost_track |= todo.lost_track;
        unwritten.owed.append(&mut todo.owed);
        if unwritten.changed.len() > MAX_UNWRITTEN {
            unwritten.changed = Changed::default();
            unwritten.lost_track = true;
        }
        todo.unannounced.append(&mut unwritten.unannounced);
        let excess = todo.unannounced.len().saturating_sub(MAX_UNANNOUNCED);
        todo.unannounced.drain(..excess);
        unwritten.unannounced = todo.unannounced;
        self.metrics
            .decisions_held
            .set(unwritten.unannounced.len() as i64);
        Readable::default()
    }

    /// Loads the schedules whose booking window is near into the read
    /// model, and records how the round went.
    pub async fn warm(&self) -> Result<WarmRound, WarmFailure> {
        let _writing = self.writing.lock().await;
        let round = self.read_model.warm_due().await;
        self.warm_metrics.record(&round);
        round
    }

    fn unwritten(&self) -> std::sync::MutexGuard<'_, Unwritten> {
        self.unwritten.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends every follow-up, waits for all of them to be acknowledged and
    /// answers each as the record it became in the log, in their order.
    pub async fn append(&self, follow_ups: &[FollowUp]) -> Result<Vec<Record>, AppendError> {
        let sends = follow_ups.iter().map(|follow_up| {
            let bytes = follow_up.envelope.to_bytes();
            let topic = self.topics.name(follow_up.kind);
            // In the trace of the fold that asked for it, whatever span the
            // batch runs in; the append's span is its child.
            let span = tracing::info_span!(
                "follow_up",
                event_type = %follow_up.envelope.event_type,
                event_id = %follow_up.envelope.event_id,
            );
            follow_up.trace.adopt(&span);
            async move {
                let appended = self
                    .appender
                    .append_traced(topic, &follow_up.key, &bytes, &[])
                    .await?;
                let handed = appended.handed_off(topic, &follow_up.key, &bytes);
                // For whichever instance folds that partition; this one
                // folds its own at once (see `Arrivals`).
                self.handoffs.send(handed.clone());
                Ok::<_, AppendError>(Record::from(handed))
            }
            .instrument(span)
        });
        let mut appended = Vec::with_capacity(follow_ups.len());
        for record in futures::future::join_all(sends).await {
            appended.push(record?);
        }
        for follow_up in follow_ups {
            self.metrics
                .follow_ups
                .with_label_values(&[follow_up.envelope.event_type.as_str()])
                .inc();
        }
        Ok(appended)
    }

    /// Ends the payers' queue places, so no 201 is sent while their token
    /// still works. Ending a place twice is harmless.
    async fn complete(&self, payers: &[Payer]) -> Result<(), QueueError> {
        for payer in payers {
            self.departures
                .complete(payer.user_id, payer.schedule_id)
                .await?;
        }
        Ok(())
    }

    /// Fire and forget: a command that misses the message reads its answer
    /// from `command_outcomes`. Many decisions go in several round trips
    /// (see `infra::redis::round_trips`), in order.
    async fn publish(&self, decisions: &[Decision]) {
        if decisions.is_empty() {
            return;
        }
        let mut connection = match self.redis.connection().await {
            Ok(connection) => connection,
            Err(error) => return announcement_lost(&error, decisions.len()),
        };
        let messages: Vec<(&Decision, String)> = decisions
            .iter()
            .map(|decision| (decision, decision.to_message()))
            .collect();
        let bytes = |(_, message): &(&Decision, String)| message.len();
        for run in round_trips(&messages, ROUND_TRIP_BYTES, bytes) {
            let mut pipe = redis::pipe();
            for (_, message) in run {
                pipe.publish(&self.channel, message).ignore();
            }
            // One span per decision, in the trace of the fold that decided
            // it, open for the round trip that announces it.
            let _announcing: Vec<_> = run
                .iter()
                .map(|(decision, _)| {
                    let span = tracing::info_span!("announce", command_id = %decision.command_id);
                    decision.trace.adopt(&span);
                    span
                })
                .collect();
            if let Err(error) = pipe.query_async::<()>(&mut connection).await {
                return announcement_lost(&error, run.len());
            }
            let now = Utc::now();
            for (decision, _) in run {
                let seconds =
                    (now - decision.decided_at).num_microseconds().unwrap_or(0) as f64 / 1e6;
                self.metrics.decision_latency.observe(seconds.max(0.0));
            }
        }
    }
}

/// Decisions not announced are not lost: their waiters read them from
/// `command_outcomes` when their wait runs out.
fn announcement_lost(error: &redis::RedisError, count: usize) {
    tracing::warn!(%error, count, "announcing decisions failed; waiters fall back to the table");
}

//! What a live batch does outside Postgres: append its saga follow-ups
//! (before it commits), end the queue places of payers whose payment
//! completed (before it commits), then, after it commits, rewrite the
//! read-model entries it changed and announce its decisions.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use infra::decision::{channel, Decision};
use infra::kafka::{AppendError, Appender, Topics};
use infra::redis::Redis;
use prometheus::Registry;
use read_model::{CacheMetrics, Changed, ReadModel, WarmFailure, WarmMetrics, WarmRound};
use sqlx::PgPool;
use waiting_room::{Departures, QueueError};

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

/// What failed to reach Redis, to write with the next attempt.
#[derive(Debug, Default)]
struct Unwritten {
    changed: Changed,
    /// Too much to remember: drop every entry instead of rewriting some.
    lost_track: bool,
}

#[derive(Clone)]
pub struct Effects {
    appender: Appender,
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
            pool,
            &settings.cache,
            CacheMetrics::register(registry)?,
        )
        .map_err(StartupError::Redis)?;
        Ok(Self {
            appender,
            topics: Topics::from_settings(&settings.kafka),
            channel: channel(redis.keys()),
            redis,
            departures,
            read_model,
            warm_metrics: WarmMetrics::register(registry)?,
            writing: Arc::default(),
            unwritten: Arc::default(),
            metrics,
        })
    }

    pub fn read_model(&self) -> &ReadModel {
        &self.read_model
    }

    /// Rewrites the entries a committed batch changed, so a query that
    /// starts after an answer sees its effect. What fails to reach Redis is
    /// remembered and written with the next batch (or the next retry), so an
    /// entry Redis still holds is not left behind its tables for long.
    pub async fn write_through(&self, changed: &Changed) {
        let started = std::time::Instant::now();
        let _writing = self.writing.lock().await;
        let mut todo = std::mem::take(&mut *self.unwritten());
        todo.changed.merge(changed.clone());
        if todo.changed.is_empty() && !todo.lost_track {
            return;
        }
        let written = async {
            if todo.lost_track {
                let forgotten = self.read_model.forget_all().await?;
                tracing::warn!(
                    forgotten,
                    "read model dropped after losing track of its changes"
                );
                todo.lost_track = false;
            }
            self.read_model.write_changes(&todo.changed).await
        }
        .await;
        if let Err(error) = written {
            tracing::warn!(%error, entries = todo.changed.len(), "writing the read model through failed; will retry");
            let mut unwritten = self.unwritten();
            unwritten.changed.merge(todo.changed);
            unwritten.lost_track |= todo.lost_track;
            if unwritten.changed.len() > MAX_UNWRITTEN {
                *unwritten = Unwritten {
                    changed: Changed::default(),
                    lost_track: true,
                };
            }
        }
        self.metrics
            .write_through
            .observe(started.elapsed().as_secs_f64());
    }

    /// Writes what an earlier write-through could not, if anything.
    pub async fn retry_unwritten(&self) {
        let pending = {
            let unwritten = self.unwritten();
            !unwritten.changed.is_empty() || unwritten.lost_track
        };
        if pending {
            self.write_through(&Changed::default()).await;
        }
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
            async move {
                let (partition, offset) = self
                    .appender
                    .append(topic, &follow_up.key, &bytes, &[])
                    .await?;
                Ok::<_, AppendError>(Record {
                    topic: topic.to_owned(),
                    partition,
                    offset,
                    // Folds never read it; only replays up to a time do.
                    timestamp_ms: None,
                    key: Some(follow_up.key.as_bytes().to_vec()),
                    payload: Some(bytes),
                })
            }
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
    /// still works.
    pub async fn complete(&self, payers: &[Payer]) -> Result<(), QueueError> {
        for payer in payers {
            self.departures
                .complete(payer.user_id, payer.schedule_id)
                .await?;
        }
        Ok(())
    }

    /// Fire and forget: a command that misses the message reads its answer
    /// from `command_outcomes`.
    pub async fn publish(&self, decisions: &[Decision]) {
        if decisions.is_empty() {
            return;
        }
        let mut pipe = redis::pipe();
        for decision in decisions {
            pipe.publish(&self.channel, decision.to_message()).ignore();
        }
        let published = match self.redis.connection().await {
            Ok(mut connection) => pipe.query_async::<()>(&mut connection).await,
            Err(error) => Err(error),
        };
        if let Err(error) = published {
            tracing::warn!(%error, count = decisions.len(), "announcing decisions failed; waiters fall back to the table");
            return;
        }
        let now = Utc::now();
        for decision in decisions {
            let seconds = (now - decision.decided_at).num_microseconds().unwrap_or(0) as f64 / 1e6;
            self.metrics.decision_latency.observe(seconds.max(0.0));
        }
    }
}

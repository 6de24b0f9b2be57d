//! The consumer loop: read a batch, fold it in one transaction with its
//! offsets, announce its decisions, repeat. Positions live in Postgres;
//! Kafka's committed offsets are never used. Partition state lives in
//! memory and is rebuilt from the log whenever it may be stale.

mod batch;
mod catch_up;
mod effects;
mod offsets;
mod record;
mod warming;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use infra::kafka::{consumer_config, ResumeFrom, StoredPositions, TopicPartition, Topics};
use prometheus::Registry;
use rdkafka::consumer::{Consumer, StreamConsumer};
use sqlx::PgPool;
use tokio::sync::watch;

pub use batch::{BatchError, BatchOutcome, Projection};
pub use catch_up::CatchUp;
pub use effects::Effects;
pub use record::Record;

use crate::configuration::Settings;
use crate::error::StartupError;
use crate::folds::{Engine, PartitionState};
use crate::metrics::ProjectorMetrics;

/// Most records folded in one transaction.
const MAX_BATCH: usize = 1000;
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The decision state of every partition this instance has folded.
pub type States = HashMap<TopicPartition, PartitionState>;

/// The consumer group of the projector; the prefix keeps parallel
/// environments on one broker from joining each other's group.
pub fn group_id(settings: &Settings) -> String {
    format!("{}projector", settings.kafka.topic_prefix)
}

pub struct Pipeline {
    consumer: StreamConsumer<ResumeFrom>,
    projection: Projection,
    effects: Effects,
    topics: Topics,
    metrics: ProjectorMetrics,
}

impl Pipeline {
    /// Subscribes to the three topics, ready to resume every partition from
    /// the position stored in Postgres.
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
            // Decisions wait on this. A broker that answers a fetch only
            // when its wait is up (not when data arrives) would otherwise
            // add up to the default 500 ms to every decision.
            .set("fetch.wait.max.ms", "5")
            .create_with_context(context)
            .map_err(StartupError::Kafka)?;
        consumer
            .subscribe(&topics.all())
            .map_err(StartupError::Kafka)?;
        let effects = Effects::new(settings, pool.clone(), metrics.clone(), registry)?;
        let projection = Projection {
            pool,
            engine: Engine::new(&topics),
            catch_up: CatchUp::new(&settings.kafka, &group),
            group,
        };
        Ok(Self {
            consumer,
            projection,
            effects,
            topics,
            metrics,
        })
    }

    /// Folds until `stop` turns true. A batch that fails (Postgres, the
    /// broker or Redis away) is retried with backoff until it commits or we
    /// stop.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let warming = tokio::spawn(warming::keep_warm(self.effects.clone(), stop.clone()));
        let mut states = States::new();
        let mut batches = self.consumer.stream().ready_chunks(MAX_BATCH);
        loop {
            let batch = tokio::select! {
                biased;
                _ = stopped(&mut stop) => break,
                batch = batches.next() => batch,
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
            if !self.commit(&mut states, &records, &mut stop).await {
                break;
            }
        }
        tracing::info!("pipeline stopped");
        warming.abort();
        drop(batches);
        // Leaving the group blocks until the broker answers; keep it off
        // the async threads.
        let consumer = self.consumer;
        let _ = tokio::task::spawn_blocking(move || drop(consumer)).await;
        tracing::debug!("consumer closed");
    }

    /// Answers false when asked to stop before the batch committed.
    async fn commit(
        &self,
        states: &mut States,
        records: &[Record],
        stop: &mut watch::Receiver<bool>,
    ) -> bool {
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
                    self.effects.write_through(&outcome.changed).await;
                    self.effects.publish(&outcome.decisions).await;
                    return true;
                }
                Err(error) => {
                    tracing::error!(%error, retry_in_ms = backoff.as_millis() as u64, "folding a batch failed");
                    if wait_or_stop(stop, backoff).await {
                        return false;
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
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
        for topic in &outcome.duplicates {
            self.metrics
                .duplicates
                .with_label_values(&[label(topic)])
                .inc();
        }
        for decision in &outcome.decisions {
            let outcome = match decision.verdict {
                infra::decision::Verdict::Accepted => "ACCEPTED",
                infra::decision::Verdict::Refused(code) => code.as_str(),
            };
            self.metrics
                .decisions
                .with_label_values(&[decision.command_type.as_str(), outcome])
                .inc();
        }
        self.metrics.rebuilt_records.inc_by(outcome.rebuilt);
        let positions = &self.consumer.context().positions;
        for (at, next) in &outcome.positions {
            positions.advance(at.clone(), *next);
        }
    }
}

pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    // A dropped sender means nobody can ask any more: stop too.
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Sleeps for `pause`; answers true if asked to stop meanwhile.
pub(crate) async fn wait_or_stop(stop: &mut watch::Receiver<bool>, pause: Duration) -> bool {
    tokio::select! {
        _ = stopped(stop) => true,
        _ = tokio::time::sleep(pause) => false,
    }
}

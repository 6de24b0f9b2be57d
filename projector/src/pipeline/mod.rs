//! The consumer loop: read a batch, fold it in one transaction with its
//! offsets, repeat. Positions live in Postgres; Kafka's committed offsets
//! are never used.

mod batch;
mod dead_letters;
mod offsets;
mod record;

use std::time::{Duration, Instant};

use futures::StreamExt;
use infra::kafka::{create_consumer, ResumeFrom, StoredPositions, Topics};
use rdkafka::consumer::{Consumer, StreamConsumer};
use sqlx::PgPool;
use tokio::sync::watch;

pub use batch::{apply, BatchError, BatchOutcome};
pub use record::Record;

use crate::configuration::Settings;
use crate::error::StartupError;
use crate::folds::Folds;
use crate::metrics::ProjectorMetrics;

/// Most records folded in one transaction.
const MAX_BATCH: usize = 500;
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The consumer group of the projector; the prefix keeps parallel
/// environments on one broker from joining each other's group.
pub fn group_id(settings: &Settings) -> String {
    format!("{}projector", settings.kafka.topic_prefix)
}

pub struct Pipeline {
    consumer: StreamConsumer<ResumeFrom>,
    pool: PgPool,
    group: String,
    folds: Folds,
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
        let consumer =
            create_consumer(&settings.kafka, &group, context).map_err(StartupError::Kafka)?;
        consumer
            .subscribe(&topics.all())
            .map_err(StartupError::Kafka)?;
        let folds = Folds::new(&topics);
        Ok(Self {
            consumer,
            pool,
            group,
            folds,
            topics,
            metrics,
        })
    }

    /// Folds until `stop` turns true. A batch that fails for lack of
    /// Postgres is retried (with backoff) until it commits or we stop.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
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
            if !self.commit(&records, &mut stop).await {
                break;
            }
        }
        tracing::info!("pipeline stopped");
        drop(batches);
        // Leaving the group blocks until the broker answers; keep it off
        // the async threads.
        let consumer = self.consumer;
        let _ = tokio::task::spawn_blocking(move || drop(consumer)).await;
        tracing::debug!("consumer closed");
    }

    /// Answers false when asked to stop before the batch committed.
    async fn commit(&self, records: &[Record], stop: &mut watch::Receiver<bool>) -> bool {
        let mut isolate = false;
        let mut backoff = Duration::from_millis(100);
        loop {
            let started = Instant::now();
            match apply(&self.pool, &self.group, &self.folds, records, isolate).await {
                Ok(outcome) => {
                    self.metrics
                        .batch_duration
                        .observe(started.elapsed().as_secs_f64());
                    self.account(outcome);
                    return true;
                }
                Err(error @ BatchError::Record { .. }) if !isolate => {
                    tracing::warn!(%error, "a record failed its fold; retrying the batch record by record");
                    isolate = true;
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

    fn account(&self, outcome: BatchOutcome) {
        let label = |topic: &str| self.topics.base_name(topic).unwrap_or("other");
        for (topic, event_type) in &outcome.folded {
            self.metrics
                .events_folded
                .with_label_values(&[label(topic), event_type.as_str()])
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
        let positions = &self.consumer.context().positions;
        for (at, next) in outcome.positions {
            positions.advance(at, next);
        }
    }
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    // A dropped sender means nobody can ask any more: stop too.
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Sleeps for `pause`; answers true if asked to stop meanwhile.
async fn wait_or_stop(stop: &mut watch::Receiver<bool>, pause: Duration) -> bool {
    tokio::select! {
        _ = stopped(stop) => true,
        _ = tokio::time::sleep(pause) => false,
    }
}

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rdkafka::consumer::{Consumer, ConsumerContext, StreamConsumer};
use rdkafka::error::KafkaResult;
use rdkafka::statistics::Statistics;
use rdkafka::{ClientConfig, ClientContext, Offset, TopicPartitionList};

use crate::config::KafkaSettings;

/// Configuration for a consumer that assigns its own partitions and never
/// commits offsets to Kafka: whoever uses it stores its positions next to
/// its effects and starts each partition there (see [`ResumeFrom`]).
pub fn consumer_config(kafka: &KafkaSettings, group_id: &str) -> ClientConfig {
    let mut config = super::client_config(kafka);
    config
        .set("group.id", group_id)
        .set("client.id", group_id)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        .set("isolation.level", "read_committed")
        .set("allow.auto.create.topics", "false")
        // Feeds `ResumeFrom::observe_lag`; parsing it every few seconds is cheap.
        .set("statistics.interval.ms", "5000");
    // A default, not ours to keep (`KAFKA_PROPERTY_QUEUED_MAX_MESSAGES_KBYTES`
    // wins): librdkafka pre-fetches up to 64 MiB while a consumer is behind,
    // allocated through the C allocator, and a projector that lagged once
    // kept it as RSS (about 40 MiB of 250 at rest after the growth
    // benchmark's 1,000,000-record fill). 8 MiB is still some 25,000 of our
    // records ahead of a fold that takes at most 1,000 a batch.
    if !kafka
        .properties
        .iter()
        .any(|(name, _)| name == "queued.max.messages.kbytes")
    {
        config.set("queued.max.messages.kbytes", "8192");
    }
    config
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        Self {
            topic: topic.into(),
            partition,
        }
    }
}

/// The next offset to read per partition, as last committed by the owner of
/// the consumer (e.g. in Postgres). Shared with the rebalance callback, which
/// cannot await a database.
#[derive(Debug, Clone, Default)]
pub struct StoredPositions {
    inner: Arc<Mutex<HashMap<TopicPartition, i64>>>,
}

impl StoredPositions {
    pub fn get(&self, at: &TopicPartition) -> Option<i64> {
        self.lock().get(at).copied()
    }

    /// Records a position; never moves one backwards, so a stale writer
    /// cannot make the consumer re-read.
    pub fn advance(&self, at: TopicPartition, next_offset: i64) {
        let mut map = self.lock();
        let entry = map.entry(at).or_insert(next_offset);
        *entry = (*entry).max(next_offset);
    }

    pub fn snapshot(&self) -> HashMap<TopicPartition, i64> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TopicPartition, i64>> {
        // The map stays consistent even if a holder panicked mid-insert.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

type LagObserver = Arc<dyn Fn(&TopicPartition, i64) + Send + Sync>;

/// A consumer context that keeps the positions stored by the consumer's
/// owner (e.g. in Postgres) and what it reads, and reports each partition's
/// lag from librdkafka's statistics.
#[derive(Clone, Default)]
pub struct ResumeFrom {
    pub positions: StoredPositions,
    assigned: Arc<Mutex<Vec<TopicPartition>>>,
    lag_observer: Option<LagObserver>,
}

impl ResumeFrom {
    pub fn new(positions: StoredPositions) -> Self {
        Self {
            positions,
            assigned: Arc::default(),
            lag_observer: None,
        }
    }

    /// Calls `observer` every few seconds with each assigned partition's
    /// lag: records in the log not yet behind the stored position.
    pub fn observe_lag(
        mut self,
        observer: impl Fn(&TopicPartition, i64) + Send + Sync + 'static,
    ) -> Self {
        self.lag_observer = Some(Arc::new(observer));
        self
    }

    /// The partitions currently assigned to this member.
    pub fn assigned(&self) -> Vec<TopicPartition> {
        self.assigned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Records what this consumer reads, for the lag report.
    pub fn set_assigned(&self, partitions: Vec<TopicPartition>) {
        *self.assigned.lock().unwrap_or_else(PoisonError::into_inner) = partitions;
    }
}

impl ClientContext for ResumeFrom {
    fn stats(&self, statistics: Statistics) {
        let Some(observer) = &self.lag_observer else {
            return;
        };
        for at in self.assigned() {
            let Some(partition) = statistics
                .topics
                .get(&at.topic)
                .and_then(|t| t.partitions.get(&at.partition))
            else {
                continue;
            };
            // The last stable offset is what a read_committed reader can reach.
            let end = if partition.ls_offset >= 0 {
                partition.ls_offset
            } else {
                partition.hi_offset
            };
            if end < 0 {
                continue;
            }
            let position = self
                .positions
                .get(&at)
                .unwrap_or(partition.lo_offset.max(0));
            observer(&at, (end - position).max(0));
        }
    }
}

// Partitions are assigned by their owner (`assign`, `incremental_assign`),
// never by a group rebalance, so the default callbacks suffice.
impl ConsumerContext for ResumeFrom {}

/// Assigns explicit partitions, each starting at the given offset (or the
/// beginning), bypassing group assignment; used for replays.
pub fn assign_at<C: ConsumerContext>(
    consumer: &StreamConsumer<C>,
    starts: &[(TopicPartition, Option<i64>)],
) -> KafkaResult<()> {
    let mut tpl = TopicPartitionList::new();
    for (at, offset) in starts {
        tpl.add_partition_offset(
            &at.topic,
            at.partition,
            offset.map_or(Offset::Beginning, Offset::Offset),
        )?;
    }
    consumer.assign(&tpl)
}

#[cfg(test)]
mod prefetch_tests {
    use super::*;
    use crate::config::Sections;

    fn kafka(vars: &[(&str, &str)]) -> KafkaSettings {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        let sections = Sections::named(vars.keys().cloned().collect(), move |name| {
            vars.get(name).cloned()
        })
        .unwrap();
        sections.kafka().unwrap()
    }

    #[test]
    fn consumers_prefetch_8_mib_unless_a_property_says_otherwise() {
        let bound = |settings: &KafkaSettings| {
            consumer_config(settings, "g")
                .get("queued.max.messages.kbytes")
                .map(str::to_owned)
        };
        assert_eq!(bound(&kafka(&[])).as_deref(), Some("8192"));
        let set = kafka(&[("KAFKA_PROPERTY_QUEUED_MAX_MESSAGES_KBYTES", "1024")]);
        assert_eq!(bound(&set).as_deref(), Some("1024"));
    }
}

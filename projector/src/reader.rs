//! Reading stretches of the log outside the consumer group: to rebuild a
//! partition's state, to replay, to export. Nothing is committed anywhere.
//!
//! A stretch ends at a known offset, or at the end of its partition as the
//! reader finds it (librdkafka's partition-EOF event, raised when a fetch
//! reaches the partition's high watermark). The end is found by reading
//! rather than by asking for offsets, which keeps the reader independent of
//! how a broker reports its watermarks.
//!
//! A stretch is read without a hole: a record past the one expected makes
//! the reader read the partition again from further back (see
//! [`rewind_target`]). tansu with object storage (`memory://`) answers a
//! fetch from an offset inside a producer's batch (several appends in
//! flight at once land in one) with the batches *after* it, so a read
//! starting there would silently miss the rest of that batch; Kafka
//! answers with the whole batch and the client drops the records before
//! the offset asked for, as this reader does.

use std::time::Duration;

use infra::config::KafkaSettings;
use infra::kafka::{assign_at, consumer_config, TopicPartition};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, StreamConsumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::{ClientContext, Offset};

use crate::record::Record;

/// How long a read may wait for the next record (or the end) of a stretch.
const IDLE_LIMIT: Duration = Duration::from_secs(30);
const METADATA_TIMEOUT: Duration = Duration::from_secs(10);
/// How long moving a partition's read position back may take.
const SEEK_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("kafka: {0}")]
    Kafka(#[from] KafkaError),
    #[error("nothing arrived for {0:?} while {1} partition(s) were still unread")]
    Stalled(Duration, usize),
    #[error("topic {0} does not exist (run `projector setup`)")]
    NoSuchTopic(String),
    #[error("{topic}/{partition} ended at offset {reached}, short of {wanted}")]
    Short {
        topic: String,
        partition: i32,
        reached: i64,
        wanted: i64,
    },
    #[error("the metadata request was aborted: {0}")]
    Aborted(String),
}

/// Where a stretch of one partition starts and ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stretch {
    pub at: TopicPartition,
    pub from: i64,
    /// Exclusive; `None` reads to the end of the partition.
    pub to: Option<i64>,
}

impl Stretch {
    pub fn to_end(at: TopicPartition) -> Self {
        Self {
            at,
            from: 0,
            to: None,
        }
    }
}

/// Reads each stretch in offset order (partitions interleaved).
pub struct LogReader {
    consumer: StreamConsumer<Quiet>,
    open: Vec<Reading>,
}

/// A stretch being read: the offset of the record it needs next, and how
/// often it has read again from further back to find that record.
#[derive(Debug)]
struct Reading {
    stretch: Stretch,
    expected: i64,
    rewinds: u32,
}

/// Where to read a partition again from when the record at `expected`
/// did not come and a later one did, after `rewinds` such reads for the
/// same record: 1,000 records back (the most one of our producers puts in
/// a batch, `batch.num.messages`), then 10,000 (librdkafka's default),
/// then the partition's start. `None` once the start has been read from:
/// the log has no record there.
fn rewind_target(expected: i64, rewinds: u32) -> Option<i64> {
    let back = match rewinds {
        0 => 1_000,
        1 => 10_000,
        2 => i64::MAX,
        _ => return None,
    };
    (expected > 0).then(|| expected.saturating_sub(back).max(0))
}

/// Reaching a partition's end is how a reader knows it is done, not an
/// error worth logging; anything else still is.
struct Quiet;

impl ClientContext for Quiet {
    fn error(&self, error: KafkaError, reason: &str) {
        let end = matches!(error, KafkaError::PartitionEOF(_))
            || error.rdkafka_error_code() == Some(RDKafkaErrorCode::PartitionEOF);
        if !end {
            tracing::error!("librdkafka: {error}: {reason}");
        }
    }
}

impl ConsumerContext for Quiet {}

impl LogReader {
    /// Stretches read to the end must all be of one topic: the end-of-
    /// partition event names the partition, not the topic.
    pub fn open(
        kafka: &KafkaSettings,
        client_id: &str,
        stretches: &[Stretch],
    ) -> Result<Self, ReadError> {
        let consumer: StreamConsumer<Quiet> = consumer_config(kafka, client_id)
            .set("enable.partition.eof", "true")
            .set("fetch.wait.max.ms", "50")
            .set("statistics.interval.ms", "0")
            .create_with_context(Quiet)?;
        let open: Vec<Stretch> = stretches
            .iter()
            .filter(|s| s.to.is_none_or(|to| s.from < to))
            .cloned()
            .collect();
        debug_assert!(
            open.iter().filter(|s| s.to.is_none()).all(|s| open
                .iter()
                .all(|o| o.to.is_some() || o.at.topic == s.at.topic)),
            "stretches read to the end must share a topic"
        );
        let starts: Vec<(TopicPartition, Option<i64>)> =
            open.iter().map(|s| (s.at.clone(), Some(s.from))).collect();
        if !starts.is_empty() {
            assign_at(&consumer, &starts)?;
        }
        let open = open
            .into_iter()
            .map(|stretch| Reading {
                expected: stretch.from,
                stretch,
                rewinds: 0,
            })
            .collect();
        Ok(Self { consumer, open })
    }

    /// The next record of any unfinished stretch; `None` once all are read.
    pub async fn next(&mut self) -> Result<Option<Record>, ReadError> {
        loop {
            if self.open.is_empty() {
                return Ok(None);
            }
            let received = tokio::time::timeout(IDLE_LIMIT, self.consumer.recv())
                .await
                .map_err(|_| ReadError::Stalled(IDLE_LIMIT, self.open.len()))?;
            let message = match received {
                Ok(message) => message,
                Err(KafkaError::PartitionEOF(partition)) => {
                    self.open.retain(|r| {
                        !(r.stretch.to.is_none() && r.stretch.at.partition == partition)
                    });
                    continue;
                }
                Err(error) => return Err(error.into()),
            };
            // Read again (a replay, a catch-up after a take-over), a record
            // leaves its trace behind: re-folds of the past must not add
            // spans to requests answered long ago.
            let record = Record {
                trace: Default::default(),
                ..Record::from(&message)
            };
            let Some(index) = self.open.iter().position(|r| r.stretch.at == record.at()) else {
                continue;
            };
            let reading = &mut self.open[index];
            if record.offset < reading.expected {
                // Before the stretch: read again from further back.
                continue;
            }
            if record.offset > reading.expected {
                if let Some(target) = rewind_target(reading.expected, reading.rewinds) {
                    tracing::debug!(
                        topic = %record.topic,
                        partition = record.partition,
                        expected = reading.expected,
                        got = record.offset,
                        from = target,
                        "a record missing from the read; reading again from further back"
                    );
                    reading.rewinds += 1;
                    self.consumer.seek(
                        &record.topic,
                        record.partition,
                        Offset::Offset(target),
                        SEEK_TIMEOUT,
                    )?;
                    continue;
                }
                if reading.expected > 0 {
                    tracing::warn!(
                        topic = %record.topic,
                        partition = record.partition,
                        expected = reading.expected,
                        got = record.offset,
                        "offsets missing from the log, read again from its start"
                    );
                }
            }
            reading.expected = record.offset + 1;
            reading.rewinds = 0;
            let to = reading.stretch.to;
            if to.is_some_and(|to| record.offset + 1 >= to) {
                self.open.swap_remove(index);
            }
            if to.is_none_or(|to| record.offset < to) {
                return Ok(Some(record));
            }
        }
    }

    /// Up to `max` records: waits for the first, then takes what is ready.
    pub async fn next_chunk(&mut self, max: usize) -> Result<Vec<Record>, ReadError> {
        use futures::FutureExt;
        let mut chunk = Vec::new();
        let Some(first) = self.next().await? else {
            return Ok(chunk);
        };
        chunk.push(first);
        while chunk.len() < max {
            match self.next().now_or_never() {
                Some(Ok(Some(record))) => chunk.push(record),
                Some(Err(error)) => return Err(error),
                Some(Ok(None)) | None => break,
            }
        }
        Ok(chunk)
    }

    /// Stops reading `at` early (e.g. past a replay's cut-off time); its
    /// later records are passed over.
    pub fn finish(&mut self, at: &TopicPartition) {
        self.open.retain(|r| &r.stretch.at != at);
    }
}

/// Every partition of each of `topics`, whole: one list per topic.
pub async fn whole_topics(
    kafka: &KafkaSettings,
    topics: &[&str],
) -> Result<Vec<Vec<Stretch>>, ReadError> {
    let consumer: BaseConsumer = consumer_config(kafka, "projector-metadata")
        .set("statistics.interval.ms", "0")
        .create()?;
    let topics: Vec<String> = topics.iter().map(|t| (*t).to_owned()).collect();
    // librdkafka's metadata call blocks its thread until answered.
    tokio::task::spawn_blocking(move || {
        let mut wholes = Vec::with_capacity(topics.len());
        for topic in &topics {
            let metadata = consumer.fetch_metadata(Some(topic), METADATA_TIMEOUT)?;
            let found = metadata
                .topics()
                .iter()
                .find(|t| t.name() == topic && t.error().is_none() && !t.partitions().is_empty())
                .ok_or_else(|| ReadError::NoSuchTopic(topic.clone()))?;
            let mut partitions: Vec<i32> = found.partitions().iter().map(|p| p.id()).collect();
            partitions.sort_unstable();
            wholes.push(
                partitions
                    .into_iter()
                    .map(|p| Stretch::to_end(TopicPartition::new(topic.clone(), p)))
                    .collect(),
            );
        }
        Ok(wholes)
    })
    .await
    .map_err(|e| ReadError::Aborted(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::rewind_target;

    #[test]
    fn a_missing_record_is_looked_for_further_back_each_time_then_from_the_start() {
        assert_eq!(rewind_target(25_000, 0), Some(24_000));
        assert_eq!(rewind_target(25_000, 1), Some(15_000));
        assert_eq!(rewind_target(25_000, 2), Some(0));
        assert_eq!(
            rewind_target(25_000, 3),
            None,
            "read from the start already"
        );
        assert_eq!(rewind_target(700, 0), Some(0));
        assert_eq!(rewind_target(0, 0), None, "nothing before the start");
    }
}

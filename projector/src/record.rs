use rdkafka::message::{BorrowedMessage, Headers, Message};

use infra::handoff::HandedOff;
use infra::kafka::TopicPartition;
use infra::telemetry::TraceContext;

/// One record copied out of the consumer, so it can outlive the poll that
/// produced it (batches are retried after failures). Plain data, outside
/// `pipeline`: the folds, the log reader and replays take records too, and
/// the pipeline depends on them, not the other way round.
#[derive(Debug, Clone)]
pub struct Record {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    /// The broker's timestamp (create time), in ms since the epoch.
    pub timestamp_ms: Option<i64>,
    pub key: Option<Vec<u8>>,
    pub payload: Option<Vec<u8>>,
    /// The trace of whoever appended it (its `traceparent` header): the
    /// fold continues it.
    pub trace: TraceContext,
}

impl Record {
    pub fn at(&self) -> TopicPartition {
        TopicPartition::new(self.topic.clone(), self.partition)
    }
}

impl From<&BorrowedMessage<'_>> for Record {
    fn from(message: &BorrowedMessage<'_>) -> Self {
        Self {
            topic: message.topic().to_owned(),
            partition: message.partition(),
            offset: message.offset(),
            timestamp_ms: message.timestamp().to_millis(),
            key: message.key().map(<[u8]>::to_vec),
            payload: message.payload().map(<[u8]>::to_vec),
            trace: message
                .headers()
                .map(|headers| {
                    TraceContext::from_headers(
                        headers
                            .iter()
                            .filter_map(|header| Some((header.key, header.value?))),
                    )
                })
                .unwrap_or_default(),
        }
    }
}

impl From<HandedOff> for Record {
    /// The record as its appender told it: what the log holds at that
    /// place.
    fn from(handed: HandedOff) -> Self {
        Self {
            topic: handed.topic,
            partition: handed.partition,
            offset: handed.offset,
            timestamp_ms: handed.timestamp_ms,
            key: Some(handed.key),
            payload: Some(handed.payload),
            trace: handed.trace,
        }
    }
}

//! Hand-offs: a record just appended, told directly to whoever folds its
//! partition, so a decision does not wait for the broker's next fetch.
//!
//! Whoever appends a record learns from the broker's acknowledgement where
//! it landed (partition and offset). The record at that place *is* those
//! bytes, so telling the partition's projector "offset N of partition P is
//! this" lets it fold the record at once when N is the next offset it
//! folds: exactly what reading it from the log would fold, so a replay
//! decides the same. The copy the projector later fetches is skipped as
//! already folded.
//!
//! The hand-off travels on Redis pub/sub, one channel per partition, which
//! the partition's owner subscribes to while it holds the lease. It is
//! fire-and-forget and only a shortcut: a hand-off lost, late, or for a
//! place the projector is not at yet is simply not used, and the record is
//! folded from the fetch as it always was. Nothing is decided from a
//! hand-off that the log does not hold at that offset.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::config::RecordHandoff;
use crate::redis::{Bounded, KeySpace, Redis};
use crate::telemetry::TraceContext;

/// Hand-offs queued for publishing past which new ones are dropped (the
/// fetch brings those records): Redis slower than the appends must not
/// grow memory.
const QUEUE: usize = 10_000;
/// Most hand-offs published in one pipelined round trip.
const MOST_PER_ROUND_TRIP: usize = 256;
/// How often a failing publisher says so.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// Leading bytes of every hand-off message: the format's version, so a
/// later format is refused by an older reader instead of misread.
const MAGIC: &[u8; 4] = b"TFH1";
/// A record without a timestamp, as Kafka writes it.
const NO_TIMESTAMP: i64 = -1;

/// A record at its place in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandedOff {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    /// The record's timestamp in the log, in ms since the epoch.
    pub timestamp_ms: Option<i64>,
    pub key: Vec<u8>,
    pub payload: Vec<u8>,
    /// The trace context the record's headers carry.
    pub trace: TraceContext,
}

impl HandedOff {
    /// The message: length-prefixed fields after `MAGIC`, binary because
    /// keys and payloads are bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let headers: Vec<(&str, &str)> = self.trace.headers().collect();
        let mut out = Vec::with_capacity(
            MAGIC.len() + 32 + self.topic.len() + self.key.len() + self.payload.len(),
        );
        out.extend_from_slice(MAGIC);
        put_bytes(&mut out, self.topic.as_bytes());
        out.extend_from_slice(&self.partition.to_be_bytes());
        out.extend_from_slice(&self.offset.to_be_bytes());
        out.extend_from_slice(&self.timestamp_ms.unwrap_or(NO_TIMESTAMP).to_be_bytes());
        put_bytes(&mut out, &self.key);
        put_bytes(&mut out, &self.payload);
        out.push(headers.len() as u8);
        for (name, value) in headers {
            put_bytes(&mut out, name.as_bytes());
            put_bytes(&mut out, value.as_bytes());
        }
        out
    }

    /// `None` for anything that is not a whole message of this format.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let mut reader = Reader(bytes.strip_prefix(MAGIC.as_slice())?);
        let topic = String::from_utf8(reader.bytes()?.to_vec()).ok()?;
        let partition = i32::from_be_bytes(reader.take(4)?.try_into().ok()?);
        let offset = i64::from_be_bytes(reader.take(8)?.try_into().ok()?);
        let timestamp_ms = Some(i64::from_be_bytes(reader.take(8)?.try_into().ok()?))
            .filter(|at| *at != NO_TIMESTAMP);
        let key = reader.bytes()?.to_vec();
        let payload = reader.bytes()?.to_vec();
        let count = *reader.take(1)?.first()?;
        let mut headers = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let name = std::str::from_utf8(reader.bytes()?).ok()?;
            headers.push((name, reader.bytes()?));
        }
        if !reader.0.is_empty() || partition < 0 || offset < 0 {
            return None;
        }
        Some(Self {
            topic,
            partition,
            offset,
            timestamp_ms,
            key,
            payload,
            trace: TraceContext::from_headers(headers),
        })
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = u32::from_be_bytes(self.take(4)?.try_into().ok()?);
        self.take(usize::try_from(len).ok()?)
    }
}

/// The channel a partition's hand-offs are published on.
pub fn channel(keys: &KeySpace, topic: &str, partition: i32) -> String {
    keys.key(&["handoff", topic, &partition.to_string()])
}

/// Publishes hand-offs in the background, pipelining whatever queued up
/// while the last round trip was out. Cheap to clone; `send` never waits.
#[derive(Clone)]
pub struct Handoffs {
    queue: Option<mpsc::Sender<HandedOff>>,
}

impl Handoffs {
    /// Hands nothing off (`KAFKA_HANDOFF=off`): every record is folded from
    /// the fetch.
    pub fn off() -> Self {
        Self { queue: None }
    }

    /// Starts the publisher; it ends once every clone is dropped.
    pub fn start(redis: Redis) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(publish(redis, receiver));
        Self {
            queue: Some(sender),
        }
    }

    /// On or off as `KAFKA_HANDOFF` says.
    pub fn as_configured(choice: RecordHandoff, redis: &Redis) -> Self {
        match choice {
            RecordHandoff::Redis => Self::start(redis.clone()),
            RecordHandoff::Off => Self::off(),
        }
    }

    /// Queues `record` for its partition's projector; dropped when the
    /// queue is full, since the fetch brings it anyway.
    pub fn send(&self, record: HandedOff) {
        if let Some(queue) = &self.queue {
            let _ = queue.try_send(record);
        }
    }
}

async fn publish(redis: Redis, mut queue: mpsc::Receiver<HandedOff>) {
    let mut batch = Vec::with_capacity(MOST_PER_ROUND_TRIP);
    let mut warned: Option<tokio::time::Instant> = None;
    while queue.recv_many(&mut batch, MOST_PER_ROUND_TRIP).await > 0 {
        let mut pipe = redis::pipe();
        for record in batch.drain(..) {
            let channel = channel(redis.keys(), &record.topic, record.partition);
            pipe.publish(channel, record.to_bytes()).ignore();
        }
        let published = redis
            .bounded(|mut connection| async move { pipe.query_async::<()>(&mut connection).await })
            .await;
        if let Err(error) = published {
            if warned.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
                let error = match error {
                    Bounded::Failed(error) => error.to_string(),
                    Bounded::TimedOut(after) => {
                        format!("no answer within {} ms", after.as_millis())
                    }
                };
                tracing::warn!(%error, "cannot hand records off; their projectors fold them from the fetch");
                warned = Some(tokio::time::Instant::now());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> HandedOff {
        HandedOff {
            topic: "p-reservations".into(),
            partition: 2,
            offset: 81_010,
            timestamp_ms: Some(1_796_000_000_000),
            key: b"schedule-7".to_vec(),
            payload: br#"{"event_type":"HOLD_REQUESTED"}"#.to_vec(),
            trace: TraceContext::from_headers([(
                "traceparent",
                b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".as_slice(),
            )]),
        }
    }

    #[test]
    fn a_hand_off_reads_back_as_written() {
        let record = record();
        assert_eq!(HandedOff::from_bytes(&record.to_bytes()), Some(record));
    }

    #[test]
    fn a_hand_off_without_trace_reads_back_as_written() {
        let record = HandedOff {
            trace: TraceContext::default(),
            timestamp_ms: None,
            key: Vec::new(),
            ..record()
        };
        assert_eq!(HandedOff::from_bytes(&record.to_bytes()), Some(record));
    }

    #[test]
    fn every_cut_short_message_is_refused() {
        let bytes = record().to_bytes();
        for len in 0..bytes.len() {
            assert_eq!(HandedOff::from_bytes(&bytes[..len]), None, "cut at {len}");
        }
    }

    #[test]
    fn trailing_bytes_another_format_and_negative_places_are_refused() {
        let mut longer = record().to_bytes();
        longer.push(0);
        assert_eq!(HandedOff::from_bytes(&longer), None);
        let mut other = record().to_bytes();
        other[3] = b'2';
        assert_eq!(HandedOff::from_bytes(&other), None);
        let negative = HandedOff {
            offset: -1,
            ..record()
        };
        assert_eq!(HandedOff::from_bytes(&negative.to_bytes()), None);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_read_as_a_hand_off_or_none_never_a_panic(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256),
        ) {
            let mut message = MAGIC.to_vec();
            message.extend_from_slice(&bytes);
            let _ = HandedOff::from_bytes(&message);
            let _ = HandedOff::from_bytes(&bytes);
        }

        #[test]
        fn any_record_reads_back_as_written(
            topic in "[a-z._-]{1,40}",
            partition in 0..i32::MAX,
            offset in 0..i64::MAX,
            timestamp_ms in proptest::option::of(0..i64::MAX),
            key in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
            payload in proptest::collection::vec(proptest::num::u8::ANY, 0..512),
        ) {
            let record = HandedOff {
                topic,
                partition,
                offset,
                timestamp_ms,
                key,
                payload,
                trace: TraceContext::default(),
            };
            proptest::prop_assert_eq!(HandedOff::from_bytes(&record.to_bytes()), Some(record));
        }
    }

    #[test]
    fn channels_are_per_partition_under_the_prefix() {
        let keys = KeySpace::new("t1:");
        assert_eq!(channel(&keys, "wallets", 3), "t1:handoff:wallets:3");
        assert_ne!(channel(&keys, "wallets", 3), channel(&keys, "wallets", 4));
    }
}

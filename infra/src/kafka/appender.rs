use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdkafka::bindings::{rd_kafka_message_status, rd_kafka_msg_status_t};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::{ClientConfig, ClientContext};
use tokio::sync::oneshot;
use tracing::Instrument;

use crate::handoff::HandedOff;
use crate::telemetry::TraceContext;

use crate::config::KafkaSettings;

/// How long a record may wait for the broker before `append` gives up. Kept
/// under the commands' default wait budget so a down broker answers 503
/// instead of hanging the request.
pub const DEFAULT_APPEND_TIMEOUT: Duration = Duration::from_millis(2500);

/// librdkafka looks for timed-out records about once a second, so a record
/// is reported failed up to this long after its timeout. Waiting that much
/// longer is what lets the report, not a guess, say whether it may be in
/// the log.
pub const DELIVERY_REPORT_SLACK: Duration = Duration::from_secs(1);

/// Appends records to the log: idempotent, acknowledged by all in-sync
/// replicas, keyed so every record of one aggregate lands in one partition
/// in order.
#[derive(Clone)]
pub struct Appender {
    producer: Arc<Mutex<Producing>>,
    config: ClientConfig,
}

/// The producer in use, and how many have been made: a producer that hit
/// a fatal error (an idempotent producer fenced after its epoch bump,
/// say) never appends again and is replaced, once, by whoever sees it.
struct Producing {
    current: ThreadedProducer<Deliveries>,
    generation: u64,
    /// Appends that failed since the last one that succeeded.
    failing: u32,
    renewed_at: std::time::Instant,
}

/// A producer whose appends keep failing is replaced after this many in a
/// row, at most once per `RENEW_AT_MOST_EVERY`: a producer id the broker
/// lost (tansu's sqlite storage, killed, forgets recent producer epochs
/// and panics on every produce that names one) would otherwise keep the
/// broker down, and a fresh id costs nothing but its idempotence window.
const RENEW_AFTER_FAILURES: u32 = 5;
const RENEW_AT_MOST_EVERY: Duration = Duration::from_secs(10);

/// Where an appended record landed, and the trace context its headers
/// carry.
#[derive(Debug, Clone)]
pub struct Appended {
    pub partition: i32,
    pub offset: i64,
    /// The record's timestamp as the log keeps it (the producer's create
    /// time, or the broker's append time where a topic asks for it).
    pub timestamp_ms: Option<i64>,
    pub trace: TraceContext,
}

impl Appended {
    /// The record at this place, to hand off to its projector.
    pub fn handed_off(&self, topic: &str, key: &str, payload: &[u8]) -> HandedOff {
        HandedOff {
            topic: topic.to_owned(),
            partition: self.partition,
            offset: self.offset,
            timestamp_ms: self.timestamp_ms,
            key: key.as_bytes().to_vec(),
            payload: payload.to_vec(),
            trace: self.trace.clone(),
        }
    }
}

/// Why a record was not acknowledged, and whether it may be in the log
/// all the same: what a caller may promise depends on it.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    #[error("the record is too large for the broker")]
    TooLarge,
    /// Certainly not in the log, now or later: it never left this
    /// process, or the broker refused it for good (librdkafka's
    /// `NOT_PERSISTED`).
    #[error("the record was not appended: {0}")]
    NotAppended(#[source] KafkaError),
    /// Sent but never acknowledged (a timeout, a lost connection): it may
    /// be in the log, or land there later.
    #[error("the record's append is unconfirmed; it may be in the log: {0}")]
    Unconfirmed(#[source] KafkaError),
}

impl AppendError {
    /// True when the record may be in the log, or get there.
    pub fn may_be_in_the_log(&self) -> bool {
        match self {
            AppendError::Unconfirmed(_) => true,
            AppendError::TooLarge | AppendError::NotAppended(_) => false,
        }
    }
}

/// `(partition, offset, timestamp in ms)` of a record acknowledged.
type Delivered = Result<(i32, i64, Option<i64>), AppendError>;

/// Hands each delivery report to the append waiting for it, with what
/// librdkafka knows of whether a failed record was persisted (which
/// `FutureProducer` drops).
pub struct Deliveries;

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = Box<oneshot::Sender<Delivered>>;

    fn delivery(&self, result: &DeliveryResult<'_>, waiting: Self::DeliveryOpaque) {
        let delivered = match result {
            Ok(message) => Ok((
                message.partition(),
                message.offset(),
                message.timestamp().to_millis(),
            )),
            Err((error, message)) => {
                // SAFETY: the message is librdkafka's, alive for this call.
                let status = unsafe { rd_kafka_message_status(message.ptr()) };
                Err(classify(
                    error.clone(),
                    status == rd_kafka_msg_status_t::RD_KAFKA_MSG_STATUS_NOT_PERSISTED,
                ))
            }
        };
        // The append may have stopped waiting: nothing to tell then.
        let _ = waiting.send(delivered);
    }
}

impl Appender {
    pub fn new(kafka: &KafkaSettings, client_id: &str) -> Result<Self, KafkaError> {
        Self::with_timeout(kafka, client_id, DEFAULT_APPEND_TIMEOUT)
    }

    pub fn with_timeout(
        kafka: &KafkaSettings,
        client_id: &str,
        timeout: Duration,
    ) -> Result<Self, KafkaError> {
        let timeout_ms = timeout.as_millis().max(1).to_string();
        let mut config = super::client_config(kafka);
        config
            .set("client.id", client_id)
            // Retries after a lost ack must not duplicate or reorder records.
            .set("enable.idempotence", "true")
            .set("acks", "all")
            // Each append waits for its acknowledgement, so lingering only
            // delays it: on tansu at 200 appends/s (quiet machine) 0 ms gives
            // an acknowledgement p95 of 2.4-3.7 ms against 6.4-8.4 ms at 5 ms.
            // Appends that arrive while a request is in flight still batch.
            .set("linger.ms", "0")
            .set("batch.num.messages", "1000")
            .set("message.timeout.ms", &timeout_ms)
            .set("request.timeout.ms", &timeout_ms);
        let current = config.create_with_context(Deliveries)?;
        Ok(Self {
            producer: Arc::new(Mutex::new(Producing {
                current,
                generation: 0,
                failing: 0,
                renewed_at: std::time::Instant::now(),
            })),
            config,
        })
    }

    /// The producer to append with, and its generation.
    fn producer(&self) -> (ThreadedProducer<Deliveries>, u64) {
        let producing = self.producer.lock().unwrap_or_else(|p| p.into_inner());
        (producing.current.clone(), producing.generation)
    }

    /// Counts a failed append of `generation`'s producer, and replaces that
    /// producer (if no one replaced it yet) when it cannot append any more:
    /// a fatal error, its producer id fenced (tansu fences an idempotent
    /// producer that bumped its epoch after a timed-out request, and
    /// librdkafka keeps the fenced id), or `RENEW_AFTER_FAILURES` failures
    /// in a row. Records still in flight on the old one are reported as
    /// usual.
    fn renew_if_broken(
        &self,
        producer: &ThreadedProducer<Deliveries>,
        generation: u64,
        failure: Option<RDKafkaErrorCode>,
    ) {
        let fenced = matches!(
            failure,
            Some(
                RDKafkaErrorCode::ProducerFenced
                    | RDKafkaErrorCode::InvalidProducerEpoch
                    | RDKafkaErrorCode::UnknownProducerId
                    | RDKafkaErrorCode::OutOfOrderSequenceNumber
            )
        );
        let mut producing = self.producer.lock().unwrap_or_else(|p| p.into_inner());
        if producing.generation != generation {
            return;
        }
        producing.failing = producing.failing.saturating_add(1);
        let (code, reason) = match producer.client().fatal_error() {
            Some(fatal) => fatal,
            None if fenced => (failure.unwrap_or(RDKafkaErrorCode::Fail), "fenced".into()),
            None if producing.failing >= RENEW_AFTER_FAILURES
                && producing.renewed_at.elapsed() >= RENEW_AT_MOST_EVERY =>
            {
                (
                    failure.unwrap_or(RDKafkaErrorCode::Fail),
                    format!("{} appends failed in a row", producing.failing),
                )
            }
            None => return,
        };
        match self.config.create_with_context(Deliveries) {
            Ok(fresh) => {
                tracing::warn!(?code, %reason, "the producer cannot append any more; appending with a new one");
                producing.current = fresh;
                producing.generation += 1;
                producing.failing = 0;
                producing.renewed_at = std::time::Instant::now();
            }
            Err(error) => {
                tracing::error!(%error, ?code, %reason, "the producer cannot append any more and cannot be replaced")
            }
        }
    }

    fn succeeded(&self, generation: u64) {
        let mut producing = self.producer.lock().unwrap_or_else(|p| p.into_inner());
        if producing.generation == generation {
            producing.failing = 0;
        }
    }

    /// Appends one record and answers where it landed: `(partition, offset)`.
    ///
    /// Inside an `append` span, a child of the current one, whose W3C trace
    /// context (`traceparent`, `tracestate`) goes into the record's headers
    /// beside `headers`: whoever folds the record continues the trace.
    pub async fn append(
        &self,
        topic: &str,
        key: &str,
        payload: &[u8],
        headers: &[(&str, &[u8])],
    ) -> Result<(i32, i64), AppendError> {
        self.append_traced(topic, key, payload, headers)
            .await
            .map(|appended| (appended.partition, appended.offset))
    }

    /// As `append`, also answering the trace context the record carries,
    /// so the record can be handed off exactly as the log holds it.
    pub async fn append_traced(
        &self,
        topic: &str,
        key: &str,
        payload: &[u8],
        headers: &[(&str, &[u8])],
    ) -> Result<Appended, AppendError> {
        let span = tracing::info_span!(
            "append",
            topic,
            partition = tracing::field::Empty,
            offset = tracing::field::Empty,
        );
        let trace = TraceContext::of(&span);
        let owned = headers
            .iter()
            .copied()
            .chain(
                trace
                    .headers()
                    .map(|(name, value)| (name, value.as_bytes())),
            )
            .fold(OwnedHeaders::new(), |acc, (name, value)| {
                acc.insert(Header {
                    key: name,
                    value: Some(value),
                })
            });
        let (sender, delivered) = oneshot::channel();
        let record = BaseRecord::with_opaque_to(topic, Box::new(sender))
            .key(key)
            .payload(payload)
            .headers(owned);
        // Never blocks: a full local queue fails at once, and that record
        // never left this process.
        let (producer, generation) = self.producer();
        if let Err((error, _)) = producer.send(record) {
            self.renew_if_broken(&producer, generation, error.rdkafka_error_code());
            return Err(classify(error, true));
        }
        let delivered = async {
            delivered.await.unwrap_or_else(|_| {
                // The producer went away with the record in its queue.
                Err(AppendError::Unconfirmed(KafkaError::Canceled))
            })
        }
        .instrument(span.clone())
        .await;
        match &delivered {
            Ok((partition, offset, _)) => {
                span.record("partition", partition);
                span.record("offset", offset);
                self.succeeded(generation);
            }
            Err(AppendError::NotAppended(error) | AppendError::Unconfirmed(error)) => {
                self.renew_if_broken(&producer, generation, error.rdkafka_error_code())
            }
            Err(AppendError::TooLarge) => {}
        }
        delivered.map(|(partition, offset, timestamp_ms)| Appended {
            partition,
            offset,
            timestamp_ms,
            trace,
        })
    }

    /// Waits for queued records to be delivered, e.g. before shutdown.
    pub fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        self.producer().0.flush(timeout)
    }
}

/// `not_persisted`: librdkafka knows the record is not in the log.
fn classify(error: KafkaError, not_persisted: bool) -> AppendError {
    match error.rdkafka_error_code() {
        Some(RDKafkaErrorCode::MessageSizeTooLarge | RDKafkaErrorCode::InvalidMessageSize) => {
            AppendError::TooLarge
        }
        _ if not_persisted => AppendError::NotAppended(error),
        _ => AppendError::Unconfirmed(error),
    }
}

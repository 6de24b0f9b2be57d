//! `projector export`: every record of the log as JSON Lines, for analysts.
//!
//! One object per line, in topic, partition, offset order:
//!
//! ```json
//! {"topic":"concert.reservations.v1","partition":0,"offset":42,
//!  "timestamp":"2026-12-01T11:00:03.412Z","key":"<schedule_id>",
//!  "envelope":{"event_id":...,"event_type":"SeatHoldRequested",...,"data":{...}}}
//! ```
//!
//! `topic`, `partition`, `offset`, `timestamp` (the broker's) and `key`
//! say where the record sits; `envelope` is the record's value exactly as
//! appended (schemas/README.md). A value that is not an envelope gets
//! `"envelope": null` plus `"error"` and `"value"` (its bytes as text).

use std::io::Write;

use chrono::{DateTime, TimeZone, Utc};
use infra::kafka::Topics;
use schemas::Envelope;
use serde::Serialize;

use crate::configuration::Settings;
use crate::reader::{whole_topics, LogReader, ReadError};
use infra::kafka::Topic;

#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// A topic's name (`concert.wallets.v1`, with or without the configured
    /// prefix); all three when `None`.
    pub topic: Option<String>,
    /// A file to write; standard output when `None`.
    pub out: Option<std::path::PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("--topic {0:?} is not one of concert.catalog.v1, concert.reservations.v1, concert.wallets.v1")]
    UnknownTopic(String),
    #[error("KAFKA_BROKERS: {0}")]
    Read(#[from] ReadError),
    #[error("writing the export: {0}")]
    Write(#[from] std::io::Error),
}

#[derive(Serialize)]
struct Line<'a> {
    topic: &'a str,
    partition: i32,
    offset: i64,
    timestamp: Option<DateTime<Utc>>,
    key: Option<String>,
    envelope: Option<Envelope>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
}

/// The topics to export, prefixed as they are on the broker.
pub fn topics_to_export(topics: &Topics, wanted: Option<&str>) -> Result<Vec<String>, ExportError> {
    let Some(wanted) = wanted else {
        return Ok(topics.all().iter().map(|t| (*t).to_owned()).collect());
    };
    let kind = Topic::from_name(wanted)
        .or_else(|| topics.topic_of(wanted))
        .ok_or_else(|| ExportError::UnknownTopic(wanted.to_owned()))?;
    Ok(vec![topics.name(kind).to_owned()])
}

/// Writes every record, up to the end of each partition as it is reached;
/// answers how many.
pub async fn run(
    settings: &Settings,
    topic: Option<&str>,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let topics = topics_to_export(&Topics::from_settings(&settings.kafka), topic)?;
    let client_id = format!("{}projector-export", settings.kafka.topic_prefix);
    let mut written = 0;
    // One partition at a time, so lines come out in offset order.
    let names: Vec<&str> = topics.iter().map(String::as_str).collect();
    let stretches = whole_topics(&settings.kafka, &names).await?;
    for stretch in stretches.into_iter().flatten() {
        let mut reader = LogReader::open(&settings.kafka, &client_id, &[stretch])?;
        while let Some(record) = reader.next().await? {
            let value = record.payload.as_deref().unwrap_or_default();
            let (envelope, error) = match Envelope::from_bytes(value) {
                Ok(envelope) => (Some(envelope), None),
                Err(e) => (None, Some(e.to_string())),
            };
            let line = Line {
                topic: &record.topic,
                partition: record.partition,
                offset: record.offset,
                timestamp: record
                    .timestamp_ms
                    .and_then(|ms| Utc.timestamp_millis_opt(ms).single()),
                key: record
                    .key
                    .as_deref()
                    .map(|k| String::from_utf8_lossy(k).into_owned()),
                value: error
                    .is_some()
                    .then(|| String::from_utf8_lossy(value).into_owned()),
                envelope,
                error,
            };
            serde_json::to_writer(&mut *out, &line).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
            written += 1;
        }
    }
    out.flush()?;
    Ok(written)
}

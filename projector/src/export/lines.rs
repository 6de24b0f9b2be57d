//! What every line shares, whatever its kind: where its record sits, how
//! it is written, and what can go wrong.

use std::io::Write;

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;

use crate::reader::ReadError;
use crate::record::Record;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("--topic {0:?} is not one of concert.catalog.v1, concert.reservations.v1, concert.wallets.v1")]
    UnknownTopic(String),
    #[error("--partition {0}: no topic exported has that partition")]
    NoSuchPartition(i32),
    #[error("KAFKA_BROKERS: {0}")]
    Read(#[from] ReadError),
    #[error("writing the export: {0}")]
    Write(#[from] std::io::Error),
}

/// Where a line's record sits: the first fields of every line.
#[derive(Serialize)]
pub(super) struct Origin<'a> {
    topic: &'a str,
    partition: i32,
    offset: i64,
    /// The broker's timestamp (create time).
    timestamp: Option<DateTime<Utc>>,
    key: Option<String>,
}

impl<'a> Origin<'a> {
    pub(super) fn of(record: &'a Record) -> Self {
        Self {
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
        }
    }
}

pub(super) fn write_line(out: &mut dyn Write, line: &impl Serialize) -> Result<(), ExportError> {
    serde_json::to_writer(&mut *out, line).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

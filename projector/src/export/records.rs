//! `--kind records`: one line per record.
//!
//! ```json
//! {"topic":"concert.reservations.v1","partition":0,"offset":42,
//!  "timestamp":"2026-12-01T11:00:03.412Z","key":"<schedule_id>",
//!  "envelope":{"event_id":...,"event_type":"SeatHoldRequested",
//!              "schema_version":2,...,"data":{...}}}
//! ```
//!
//! `envelope` is the record's value exactly as appended (schemas/README.md),
//! or with `--upcast` its payload brought to its event type's latest
//! version (`schema_version` says which) by the upcasters the projector
//! reads with. A value that is not an envelope gets `"envelope": null` plus
//! `"error"` and `"value"` (its bytes as text); an envelope that cannot be
//! upcast is written as appended, with `"error"` saying why.

use std::io::Write;

use schemas::Envelope;
use serde::Serialize;

use super::lines::{write_line, ExportError, Origin};
use super::window::{Place, Window};
use crate::reader::LogReader;

#[derive(Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    origin: Origin<'a>,
    envelope: Option<Envelope>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
}

/// Writes the window's records of the partition `reader` reads.
pub(super) async fn write(
    mut reader: LogReader,
    window: &mut Window,
    upcast: bool,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let mut written = 0;
    while let Some(record) = reader.next().await? {
        match window.place(&record) {
            Place::Before => continue,
            Place::Past => break,
            Place::Inside => {}
        }
        let value = record.payload.as_deref().unwrap_or_default();
        let (envelope, error) = match Envelope::from_bytes(value) {
            Ok(envelope) if upcast => match latest(&envelope) {
                Ok(latest) => (Some(latest), None),
                Err(e) => (Some(envelope), Some(format!("cannot upcast: {e}"))),
            },
            Ok(envelope) => (Some(envelope), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let line = Line {
            origin: Origin::of(&record),
            value: envelope
                .is_none()
                .then(|| String::from_utf8_lossy(value).into_owned()),
            envelope,
            error,
        };
        write_line(out, &line)?;
        written += 1;
    }
    Ok(written)
}

/// The same envelope with its payload at the latest version: read as the
/// projector reads it, then written back.
fn latest(envelope: &Envelope) -> Result<Envelope, schemas::SchemaError> {
    Ok(Envelope::wrap(&envelope.open()?, envelope.meta()))
}

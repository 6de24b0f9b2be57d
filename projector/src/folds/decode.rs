//! A record's bytes back into its envelope and typed event.

use schemas::{Envelope, LogEvent};

use crate::record::Record;

#[derive(Debug, Clone)]
pub struct Decoded {
    pub envelope: Envelope,
    pub event: LogEvent,
}

/// Why a record is unreadable, as its dead letter says it.
pub fn decode(record: &Record) -> Result<Decoded, String> {
    let payload = record.payload.as_deref().ok_or("the record has no value")?;
    let envelope = Envelope::from_bytes(payload).map_err(|e| e.to_string())?;
    let event = envelope.open().map_err(|e| e.to_string())?;
    let key = record.key.as_deref().map(String::from_utf8_lossy);
    if key.as_deref() != Some(envelope.key.as_str()) {
        return Err(format!(
            "record key {key:?} is not the envelope key {:?}",
            envelope.key
        ));
    }
    Ok(Decoded { envelope, event })
}

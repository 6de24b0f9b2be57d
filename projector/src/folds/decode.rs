//! A record's bytes back into its envelope and typed event, or the reason
//! it cannot be: every check a poison record could fail is made here, in
//! memory, so no record can get as far as a Postgres write that refuses it
//! (and fails its whole batch, over and over).

use schemas::{Envelope, LogEvent};
use serde_json::Value;

use crate::record::Record;

/// The largest record value folded: four times the largest command body
/// (`infra::http::MAX_BODY_BYTES`, 16 KiB) leaves room for any envelope.
/// A larger one was not appended by command-api or the projector.
pub const MAX_RECORD_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct Decoded {
    pub envelope: Envelope,
    pub event: LogEvent,
}

/// Why a record is unreadable, as its dead letter says it.
pub fn decode(record: &Record) -> Result<Decoded, String> {
    let payload = record.payload.as_deref().ok_or("the record has no value")?;
    if payload.len() > MAX_RECORD_BYTES {
        return Err(format!(
            "the record value is {} bytes, over the {MAX_RECORD_BYTES} a record may be",
            payload.len()
        ));
    }
    let text =
        std::str::from_utf8(payload).map_err(|e| format!("the record value is not UTF-8: {e}"))?;
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format!("the record value is not an envelope: {e}"))?;
    if let Some(at) = nul_in(&value, &mut String::from("$")) {
        // Postgres text and jsonb cannot hold U+0000: such a value would
        // fail the batch's write, not just this record.
        return Err(format!(
            "{at} holds a NUL character (U+0000), which the read tables cannot store"
        ));
    }
    let envelope: Envelope = serde_json::from_value(value)
        .map_err(|e| format!("the record value is not an envelope: {e}"))?;
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

/// Where in `value` a string (or an object's key) holds a NUL, as a JSON
/// path from `path`; `None` when none does.
fn nul_in(value: &Value, path: &mut String) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => Some(path.clone()),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let found = nul_in(item, path);
            path.truncate(len);
            found
        }),
        Value::Object(fields) => fields.iter().find_map(|(name, item)| {
            let len = path.len();
            path.push('.');
            path.push_str(&name.replace('\0', "\\u0000"));
            let found = if name.contains('\0') {
                Some(path.clone())
            } else {
                nul_in(item, path)
            };
            path.truncate(len);
            found
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(payload: &[u8]) -> Record {
        Record {
            topic: "concert.catalog.v1".into(),
            partition: 0,
            offset: 0,
            timestamp_ms: None,
            key: Some(b"k".to_vec()),
            payload: Some(payload.to_vec()),
            trace: Default::default(),
        }
    }

    #[test]
    fn each_kind_of_poison_has_its_own_reason() {
        let reason = |payload: &[u8]| decode(&record(payload)).unwrap_err();
        assert!(reason(b"\xff\xfe{}").contains("not UTF-8"));
        assert!(reason(b"{\"event_id\": 7}").contains("not an envelope"));
        assert!(reason(&vec![b' '; MAX_RECORD_BYTES + 1]).contains("bytes, over the"));
        let nul = reason(br#"{"data": {"title": ["ok", "a\u0000b"]}}"#);
        assert!(nul.starts_with("$.data.title[1] holds a NUL"), "{nul}");
        let nul_key = reason(br#"{"a\u0000": 1}"#);
        assert!(nul_key.starts_with("$.a\\u0000 holds a NUL"), "{nul_key}");
    }
}

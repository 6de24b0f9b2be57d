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
    // The common case, read straight into the envelope: JSON text can hold
    // a NUL only as the escape `\u0000` (a raw control character is invalid
    // JSON), so text without one needs no NUL check. Anything else takes
    // the longer way through a `Value`, whose reasons the dead letters have
    // always given (a record read straight that fails, say a duplicate
    // field, fails or passes there exactly as before).
    let straight = memchr::memmem::find(payload, br"\u0000")
        .is_none()
        .then(|| serde_json::from_str::<Envelope>(text).ok())
        .flatten();
    let envelope = match straight {
        Some(envelope) => envelope,
        None => through_value(text)?,
    };
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

/// The envelope in `text`, checked for NULs on the way.
fn through_value(text: &str) -> Result<Envelope, String> {
    let not_an_envelope =
        |e: serde_json::Error| format!("the record value is not an envelope: {e}");
    let value: Value = serde_json::from_str(text).map_err(not_an_envelope)?;
    if let Some(at) = nul_in(&value, &mut String::from("$")) {
        // Postgres text and jsonb cannot hold U+0000: such a value would
        // fail the batch's write, not just this record.
        return Err(format!(
            "{at} holds a NUL character (U+0000), which the read tables cannot store"
        ));
    }
    serde_json::from_value(value).map_err(not_an_envelope)
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

    fn envelope_text() -> String {
        let event: schemas::LogEvent = schemas::v1::ConcertRegistered {
            concert_id: uuid::Uuid::now_v7(),
            title: r"a \u0000 title, not a NUL".into(),
            venue: "Hall".into(),
        }
        .into();
        let meta = schemas::EventMeta {
            event_id: uuid::Uuid::now_v7(),
            occurred_at: chrono::Utc::now(),
            correlation_id: uuid::Uuid::now_v7(),
            causation_id: None,
        };
        String::from_utf8(Envelope::wrap(&event, meta).to_bytes()).unwrap()
    }

    fn keyed(text: &str) -> Record {
        let key = serde_json::from_str::<Value>(text).unwrap()["key"]
            .as_str()
            .unwrap()
            .to_owned();
        Record {
            key: Some(key.into_bytes()),
            ..record(text.as_bytes())
        }
    }

    #[test]
    fn read_straight_or_through_a_value_an_envelope_is_the_same() {
        // Without the escape: read straight.
        let plain = envelope_text().replace(r"\\u0000", "-");
        let straight = decode(&keyed(&plain)).unwrap();
        assert_eq!(straight.envelope, through_value(&plain).unwrap());
        // A backslash before `u0000` is no NUL: the longer way, same result.
        let escaped = envelope_text();
        assert!(escaped.contains(r"\\u0000"), "{escaped}");
        let longer = decode(&keyed(&escaped)).unwrap();
        assert_eq!(longer.envelope, through_value(&escaped).unwrap());
        assert!(
            matches!(longer.event, schemas::LogEvent::ConcertRegistered(ref c) if c.title.contains(r"\u0000"))
        );
    }

    #[test]
    fn a_duplicate_field_reads_as_it_always_did_the_last_one_winning() {
        let text = envelope_text();
        let doubled = text.replacen("{", r#"{"schema_version": 99,"#, 1);
        assert!(serde_json::from_str::<Envelope>(&doubled).is_err());
        let decoded = decode(&keyed(&doubled)).unwrap();
        assert_eq!(decoded.envelope, through_value(&text).unwrap());
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

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{follow_up_event_id, upcast, LogEvent, SchemaError};

/// The value of every record on every topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Unique per record. Follow-ups appended by the projector derive it
    /// from their cause, so a re-run appends the same id again and readers
    /// drop the duplicate.
    pub event_id: Uuid,
    /// Names the payload type, e.g. `SeatHoldRequested`.
    pub event_type: String,
    /// The version of `data`'s schema (`<topic>/<event_type>.v<n>.schema.json`).
    pub schema_version: u32,
    /// The record key, repeated here for readers of the value alone.
    pub key: String,
    /// When the request was accepted (for follow-ups: the cause's time).
    pub occurred_at: DateTime<Utc>,
    /// Shared by a request and everything it caused.
    pub correlation_id: Uuid,
    /// The record that caused this one; null for requests from outside.
    pub causation_id: Option<Uuid>,
    pub data: Value,
}

/// Who a record is and where it came from; the payload says what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventMeta {
    pub event_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub correlation_id: Uuid,
    pub causation_id: Option<Uuid>,
}

impl Envelope {
    pub fn wrap(event: &LogEvent, meta: EventMeta) -> Envelope {
        Envelope {
            event_id: meta.event_id,
            event_type: event.event_type().to_owned(),
            schema_version: event.schema_version(),
            key: event.key(),
            occurred_at: meta.occurred_at,
            correlation_id: meta.correlation_id,
            causation_id: meta.causation_id,
            data: event.data(),
        }
    }

    /// Reads the payload at the current version, upcasting older ones, and
    /// checks the envelope's key is the payload's.
    pub fn open(&self) -> Result<LogEvent, SchemaError> {
        let data = upcast::upcast(&self.event_type, self.schema_version, &self.data)?;
        let event = LogEvent::from_current(&self.event_type, &data)?;
        if event.key() != self.key {
            return Err(SchemaError::KeyMismatch {
                envelope: self.key.clone(),
                payload: event.key(),
            });
        }
        Ok(event)
    }

    pub fn meta(&self) -> EventMeta {
        EventMeta {
            event_id: self.event_id,
            occurred_at: self.occurred_at,
            correlation_id: self.correlation_id,
            causation_id: self.causation_id,
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        // Strings, numbers and a JSON value: serializing cannot fail.
        serde_json::to_vec(self).expect("an envelope is plain data")
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Envelope, SchemaError> {
        serde_json::from_slice(bytes).map_err(SchemaError::MalformedEnvelope)
    }
}

impl EventMeta {
    /// Meta for the follow-up `step` of `cause`. It keeps the cause's
    /// `occurred_at` (not the projector's clock) so a re-run is identical.
    pub fn follow_up(cause: &Envelope, step: &str) -> EventMeta {
        EventMeta {
            event_id: follow_up_event_id(cause.event_id, step),
            occurred_at: cause.occurred_at,
            correlation_id: cause.correlation_id,
            causation_id: Some(cause.event_id),
        }
    }
}

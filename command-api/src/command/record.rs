//! The record a command appends: its request event in an envelope whose
//! `event_id` is the command id, plus what to answer while it is undecided.

use chrono::{DateTime, Utc};
use infra::decision::CommandType;
use infra::kafka::{Topics, CATALOG, RESERVATIONS, WALLETS};
use schemas::{Envelope, EventMeta, LogEvent};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct CommandRecord {
    pub command_id: Uuid,
    pub command_type: CommandType,
    pub topic: String,
    pub key: String,
    pub payload: Vec<u8>,
    /// `{"status":"PENDING", ...ids}`, the 202 body.
    pub pending_body: Value,
    /// Where to follow the command (a query-api path).
    pub location: String,
}

/// Where and when a request was accepted.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    pub at: DateTime<Utc>,
    pub correlation_id: Uuid,
}

impl CommandRecord {
    /// Wraps `event` with a fresh UUID v7 as both event id and command id.
    pub fn new(
        command_type: CommandType,
        event: LogEvent,
        origin: Origin,
        topics: &Topics,
        pending_body: Value,
        location: String,
    ) -> Self {
        let command_id = Uuid::now_v7();
        let envelope = Envelope::wrap(
            &event,
            EventMeta {
                event_id: command_id,
                occurred_at: origin.at,
                correlation_id: origin.correlation_id,
                causation_id: None,
            },
        );
        Self {
            command_id,
            command_type,
            topic: prefixed(topics, event.topic()).to_owned(),
            key: envelope.key.clone(),
            payload: envelope.to_bytes(),
            pending_body,
            location,
        }
    }
}

/// The configured (prefixed) name of one of the three topics.
fn prefixed<'a>(topics: &'a Topics, base: &str) -> &'a str {
    match base {
        CATALOG => &topics.catalog,
        RESERVATIONS => &topics.reservations,
        WALLETS => &topics.wallets,
        // Every event type names one of the three topics (schemas tests).
        other => unreachable!("event on an unknown topic {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemas::v1;

    #[test]
    fn the_envelope_carries_the_command_id_and_lands_on_the_prefixed_topic() {
        let concert_id = Uuid::now_v7();
        let origin = Origin {
            at: Utc::now(),
            correlation_id: Uuid::now_v7(),
        };
        let record = CommandRecord::new(
            CommandType::RegisterConcert,
            v1::ConcertRegistered {
                concert_id,
                title: "t".into(),
                venue: "v".into(),
            }
            .into(),
            origin,
            &Topics::new("t1."),
            serde_json::json!({"status": "PENDING"}),
            "/x".into(),
        );
        assert_eq!(record.topic, "t1.concert.catalog.v1");
        assert_eq!(record.key, concert_id.to_string());
        let envelope = Envelope::from_bytes(&record.payload).unwrap();
        assert_eq!(envelope.event_id, record.command_id);
        assert_eq!(envelope.correlation_id, origin.correlation_id);
        assert_eq!(envelope.causation_id, None);
        assert_eq!(record.command_id.get_version_num(), 7);
    }
}

//! The record a command appends: its request event in an envelope whose
//! `event_id` is the command id, plus what to answer while it is undecided.

use chrono::{DateTime, Utc};
use infra::decision::CommandType;
use infra::kafka::Topics;
use read_model::PendingEntry;
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
    /// The 202 body: one of `read_model`'s `*Pending` types (`{"status":"PENDING", ...ids}`).
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
        Self::with_id(
            Uuid::now_v7(),
            command_type,
            event,
            origin,
            topics,
            pending_body,
            location,
        )
    }

    /// As `new`, with `command_id` (a fresh UUID v7) as event and command
    /// id: for commands whose entity shares it, so its poll can read the
    /// decision by command id (a charge, refused or not).
    pub fn with_id(
        command_id: Uuid,
        command_type: CommandType,
        event: LogEvent,
        origin: Origin,
        topics: &Topics,
        pending_body: Value,
        location: String,
    ) -> Self {
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
            topic: topics.name(event.topic()).to_owned(),
            key: envelope.key.clone(),
            payload: envelope.to_bytes(),
            pending_body,
            location,
        }
    }
}

impl CommandRecord {
    /// What the command's poll reads until it is decided, if anything: read
    /// back from the record, so a replay of a stored command has it too.
    pub fn pending_entry(&self) -> Option<PendingEntry> {
        let event = Envelope::from_bytes(&self.payload).ok()?.open().ok()?;
        PendingEntry::of_request(&event)
    }
}

#[cfg(test)]
// Fixtures, not stamps.
#[allow(clippy::disallowed_methods)]
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
            serde_json::to_value(read_model::ConcertPending {
                status: read_model::PendingStatus::Pending,
                concert_id,
            })
            .unwrap(),
            "/x".into(),
        );
        assert_eq!(record.topic, "t1.concert.catalog.v1");
        assert_eq!(record.key, concert_id.to_string());
        let envelope = Envelope::from_bytes(&record.payload).unwrap();
        assert_eq!(envelope.event_id, record.command_id);
        assert_eq!(envelope.correlation_id, origin.correlation_id);
        assert_eq!(envelope.causation_id, None);
        assert_eq!(record.command_id.get_version_num(), 7);
        assert_eq!(
            record.pending_entry(),
            None,
            "nothing to poll for a concert"
        );
    }

    #[test]
    fn a_charge_reads_pending_under_its_own_id_which_is_the_command_id() {
        let (charge_id, user_id) = (Uuid::now_v7(), Uuid::now_v7());
        let at = Utc::now();
        let record = CommandRecord::with_id(
            charge_id,
            CommandType::Charge,
            v1::BalanceChargeRequested {
                charge_id,
                user_id,
                amount: 5_000,
                requested_at: at,
                max_single_charge: 1_000_000,
                max_balance: 10_000_000,
            }
            .into(),
            Origin {
                at,
                correlation_id: Uuid::now_v7(),
            },
            &Topics::new("t1."),
            serde_json::to_value(read_model::ChargePending {
                status: read_model::PendingStatus::Pending,
                charge_id,
            })
            .unwrap(),
            "/x".into(),
        );
        assert_eq!(record.command_id, charge_id);
        let pending = record.pending_entry().expect("a charge is polled");
        assert_eq!(
            pending.source,
            read_model::Source::Charge(user_id, charge_id)
        );
        let body: read_model::ChargeView = serde_json::from_slice(pending.body()).unwrap();
        assert_eq!(body.status, read_model::ChargeStatus::Pending);
        assert_eq!(body.charge_id, charge_id);
    }
}

//! Whose command a record was, when the record itself cannot be decoded:
//! read leniently from whatever JSON there is, so the caller waiting on
//! that command id gets a final refusal instead of reading `PENDING` until
//! its entry lapses. Only requests are answered (a saga follow-up has no
//! caller), and only when the command id and its type can be read.

use chrono::{DateTime, Utc};
use infra::decision::CommandType;
use schemas::{v1, v2, Payload};
use serde_json::Value;
use uuid::Uuid;

use super::decisions::Asked;
use crate::record::Record;

/// The request in an undecodable record, if enough of it can be read.
pub fn asked_of(record: &Record) -> Option<Asked> {
    let value: Value = serde_json::from_slice(record.payload.as_deref()?).ok()?;
    let command_id: Uuid = value.get("event_id")?.as_str()?.parse().ok()?;
    let command_type = request_type(value.get("event_type")?.as_str()?)?;
    let user_id = value
        .get("data")
        .and_then(|data| data.get("user_id"))
        .and_then(Value::as_str)
        .and_then(|id| id.parse().ok());
    Some(Asked {
        command_id,
        command_type,
        user_id,
        at: stamped_at(&value, record),
    })
}

/// The request's own time, else the broker's: never the clock, so a
/// replay stamps the refusal exactly as the live fold did.
fn stamped_at(value: &Value, record: &Record) -> DateTime<Utc> {
    value
        .get("occurred_at")
        .and_then(Value::as_str)
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        .map(|at| at.with_timezone(&Utc))
        .or_else(|| {
            record
                .timestamp_ms
                .and_then(DateTime::from_timestamp_millis)
        })
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// The command type of a request's event type; `None` for follow-ups.
fn request_type(event_type: &str) -> Option<CommandType> {
    [
        (
            v1::ConcertRegistered::EVENT_TYPE,
            CommandType::RegisterConcert,
        ),
        (v1::ScheduleAdded::EVENT_TYPE, CommandType::AddSchedule),
        (v2::SeatHoldRequested::EVENT_TYPE, CommandType::Hold),
        (v1::SeatReleaseRequested::EVENT_TYPE, CommandType::Release),
        (v1::PaymentRequested::EVENT_TYPE, CommandType::Payment),
        (v1::BalanceChargeRequested::EVENT_TYPE, CommandType::Charge),
    ]
    .into_iter()
    .find_map(|(name, command_type)| (name == event_type).then_some(command_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(payload: &[u8]) -> Record {
        Record {
            topic: "concert.wallets.v1".into(),
            partition: 0,
            offset: 0,
            timestamp_ms: Some(1_000),
            key: None,
            payload: Some(payload.to_vec()),
            trace: Default::default(),
        }
    }

    #[test]
    fn a_charge_with_a_wrongly_typed_amount_names_its_caller() {
        let (command, user) = (Uuid::now_v7(), Uuid::new_v4());
        let payload = serde_json::json!({
            "event_id": command, "event_type": "BalanceChargeRequested",
            "data": {"user_id": user, "amount": "lots"},
        });
        let asked = asked_of(&record(payload.to_string().as_bytes())).unwrap();
        assert_eq!(asked.command_id, command);
        assert_eq!(asked.command_type, CommandType::Charge);
        assert_eq!(asked.user_id, Some(user));
        assert_eq!(asked.at.timestamp_millis(), 1_000);
    }

    #[test]
    fn garbage_and_follow_ups_name_nobody() {
        assert!(asked_of(&record(b"\xff not json")).is_none());
        let follow_up = serde_json::json!({
            "event_id": Uuid::now_v7(), "event_type": "PaymentDebitRequested", "data": {},
        });
        assert!(asked_of(&record(follow_up.to_string().as_bytes())).is_none());
    }
}

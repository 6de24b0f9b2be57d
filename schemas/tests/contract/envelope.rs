use chrono::{DateTime, Utc};
use schemas::upcast::{upcast, UPCASTERS};
use schemas::{topic, v1, Envelope, EventMeta, LogEvent, SchemaError};
use serde_json::json;
use uuid::Uuid;

use crate::samples::*;

fn meta() -> EventMeta {
    EventMeta {
        event_id: Uuid::from_u128(1),
        occurred_at: at("2026-12-01T11:00:00Z"),
        correlation_id: Uuid::from_u128(2),
        causation_id: None,
    }
}

fn hold_envelope() -> Envelope {
    Envelope::wrap(&seat_hold_requested(), meta())
}

#[test]
fn wrapping_then_opening_gives_the_event_back() {
    for event in one_of_each() {
        let envelope = Envelope::wrap(&event, meta());
        assert_eq!(envelope.event_type, event.event_type());
        assert_eq!(envelope.schema_version, event.schema_version());
        assert_eq!(envelope.key, event.key());
        assert_eq!(envelope.open().unwrap(), event);
        assert_eq!(
            Envelope::from_bytes(&envelope.to_bytes()).unwrap(),
            envelope
        );
    }
}

#[test]
fn the_envelope_has_exactly_the_contract_fields() {
    let value: serde_json::Value = serde_json::from_slice(&hold_envelope().to_bytes()).unwrap();
    let mut fields: Vec<_> = value.as_object().unwrap().keys().cloned().collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "causation_id",
            "correlation_id",
            "data",
            "event_id",
            "event_type",
            "key",
            "occurred_at",
            "schema_version"
        ]
    );
    assert_eq!(value["causation_id"], serde_json::Value::Null);
}

#[test]
fn events_know_their_topic_and_key() {
    assert_eq!(concert_registered().topic().name(), topic::CATALOG);
    assert_eq!(concert_registered().key(), CONCERT);
    assert_eq!(seat_hold_requested().topic().name(), topic::RESERVATIONS);
    assert_eq!(seat_hold_requested().key(), SCHEDULE);
    assert_eq!(balance_charge_requested().topic().name(), topic::WALLETS);
    assert_eq!(balance_charge_requested().key(), USER);
    for event in one_of_each() {
        let info = schemas::current(event.event_type()).unwrap();
        assert_eq!(
            (info.topic, info.version),
            (event.topic(), event.schema_version())
        );
    }
}

#[test]
fn a_v1_hold_request_upcasts_to_the_default_hold_limit() {
    let old = v1::SeatHoldRequested {
        reservation_id: id(RESERVATION),
        schedule_id: id(SCHEDULE),
        user_id: id(USER),
        seat_number: 2,
        requested_at: at("2026-12-01T11:00:03.412Z"),
        expires_at: at("2026-12-01T11:05:03.412Z"),
    };
    let old_data = serde_json::to_value(&old).unwrap();
    let upcast_data = upcast("SeatHoldRequested", 1, &old_data).unwrap();
    assert_eq!(upcast_data["max_holds_per_user"], json!(4));
    let envelope = Envelope {
        schema_version: 1,
        data: serde_json::to_value(&old).unwrap(),
        ..hold_envelope()
    };
    assert_eq!(envelope.open().unwrap(), seat_hold_requested());
}

#[test]
fn every_superseded_version_has_a_path_to_the_current_one() {
    for info in schemas::PUBLISHED {
        let current = schemas::current(info.event_type).unwrap();
        assert!(info.version < current.version);
        for from in info.version..current.version {
            assert!(
                UPCASTERS
                    .iter()
                    .any(|u| u.event_type == info.event_type && u.from_version == from),
                "{} has no upcaster from v{from}",
                info.event_type
            );
        }
    }
}

#[test]
fn a_current_record_is_not_touched_by_upcasting() {
    let data = hold_envelope().data;
    assert_eq!(*upcast("SeatHoldRequested", 2, &data).unwrap(), data);
}

#[test]
fn an_unknown_event_type_is_a_typed_error() {
    let envelope = Envelope {
        event_type: "SeatTeleported".into(),
        ..hold_envelope()
    };
    assert!(
        matches!(envelope.open(), Err(SchemaError::UnknownEventType(t)) if t == "SeatTeleported")
    );
}

#[test]
fn a_version_newer_than_this_build_is_a_typed_error() {
    let envelope = Envelope {
        schema_version: 3,
        ..hold_envelope()
    };
    assert!(matches!(
        envelope.open(),
        Err(SchemaError::VersionTooNew {
            version: 3,
            current: 2,
            ..
        })
    ));
}

#[test]
fn version_zero_does_not_exist() {
    let envelope = Envelope {
        schema_version: 0,
        ..hold_envelope()
    };
    assert!(matches!(
        envelope.open(),
        Err(SchemaError::UnknownVersion { version: 0, .. })
    ));
}

#[test]
fn a_payload_with_an_unknown_field_is_a_typed_error() {
    let mut envelope = hold_envelope();
    envelope.data["seat_colour"] = json!("red");
    assert!(matches!(
        envelope.open(),
        Err(SchemaError::InvalidPayload { version: 2, .. })
    ));
}

#[test]
fn a_payload_missing_a_field_is_a_typed_error() {
    let mut envelope = hold_envelope();
    envelope
        .data
        .as_object_mut()
        .unwrap()
        .remove("max_holds_per_user");
    assert!(matches!(
        envelope.open(),
        Err(SchemaError::InvalidPayload { .. })
    ));
}

#[test]
fn a_v1_payload_that_does_not_match_v1_is_a_typed_error() {
    let envelope = Envelope {
        schema_version: 1,
        ..hold_envelope()
    };
    assert!(
        matches!(
            envelope.open(),
            Err(SchemaError::InvalidPayload { version: 1, .. })
        ),
        "v2 data labelled v1"
    );
}

#[test]
fn a_key_that_is_not_the_payloads_is_a_typed_error() {
    let envelope = Envelope {
        key: USER.into(),
        ..hold_envelope()
    };
    assert!(matches!(
        envelope.open(),
        Err(SchemaError::KeyMismatch { .. })
    ));
}

#[test]
fn bytes_that_are_not_an_envelope_are_a_typed_error() {
    assert!(matches!(
        Envelope::from_bytes(b"{\"event_id\": 1}"),
        Err(SchemaError::MalformedEnvelope(_))
    ));
    assert!(matches!(
        Envelope::from_bytes(b"\xff"),
        Err(SchemaError::MalformedEnvelope(_))
    ));
    let mut value: serde_json::Value = serde_json::from_slice(&hold_envelope().to_bytes()).unwrap();
    value["extra"] = json!(1);
    assert!(matches!(
        Envelope::from_bytes(value.to_string().as_bytes()),
        Err(SchemaError::MalformedEnvelope(_))
    ));
}

#[test]
fn follow_up_meta_is_derived_from_the_cause() {
    let cause = Envelope {
        causation_id: None,
        ..hold_envelope()
    };
    let first = EventMeta::follow_up(&cause, "payment.debit");
    assert_eq!(
        first,
        EventMeta::follow_up(&cause, "payment.debit"),
        "a re-run derives the same record"
    );
    assert_eq!(first.causation_id, Some(cause.event_id));
    assert_eq!(first.correlation_id, cause.correlation_id);
    assert_eq!(first.occurred_at, cause.occurred_at);
    assert_ne!(
        first.event_id,
        EventMeta::follow_up(&cause, "payment.settle").event_id
    );
    let other_cause = Envelope {
        event_id: Uuid::from_u128(9),
        ..cause
    };
    assert_ne!(
        first.event_id,
        EventMeta::follow_up(&other_cause, "payment.debit").event_id
    );
    let _: DateTime<Utc> = first.occurred_at;
    assert_eq!(first.event_id.get_version_num(), 5);
}

#[test]
fn log_events_from_payloads() {
    let event: LogEvent = schedule_added().into();
    assert_eq!(event.event_type(), "ScheduleAdded");
}

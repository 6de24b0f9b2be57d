//! Building and reading withdrawals (see `v1::withdrawals` for what they
//! mean to the fold).

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::envelope::{Envelope, EventMeta};
use crate::follow_up::follow_up_event_id;
use crate::topic::Topic;
use crate::{v1, LogEvent, SchemaError};

/// The step a withdrawal's id is derived with: withdrawing the same
/// request twice gives the same record, which readers drop as seen.
pub const WITHDRAWAL_STEP: &str = "withdrawn";

/// The record that withdraws `request`, stamped `at`, for the request's
/// own topic and key.
pub fn withdrawal(request: &Envelope, at: DateTime<Utc>) -> Result<Envelope, SchemaError> {
    let event = request.open()?;
    let key = event.key_id();
    let (command_id, correlation_id) = (request.event_id, request.correlation_id);
    let request = serde_json::to_value(request).map_err(SchemaError::MalformedEnvelope)?;
    let withdrawn: LogEvent = match event.topic() {
        Topic::Catalog => v1::CatalogRequestWithdrawn {
            concert_id: key,
            command_id,
            request,
        }
        .into(),
        Topic::Reservations => v1::ReservationRequestWithdrawn {
            schedule_id: key,
            command_id,
            request,
        }
        .into(),
        Topic::Wallets => v1::WalletRequestWithdrawn {
            user_id: key,
            command_id,
            request,
        }
        .into(),
    };
    let meta = EventMeta {
        event_id: follow_up_event_id(command_id, WITHDRAWAL_STEP),
        occurred_at: at,
        correlation_id,
        causation_id: Some(command_id),
    };
    Ok(Envelope::wrap(&withdrawn, meta))
}

/// The request `event` withdraws, if it is a withdrawal: `Err` when the
/// request it carries is no envelope.
pub fn withdrawn_request(event: &LogEvent) -> Option<Result<Envelope, SchemaError>> {
    let request = match event {
        LogEvent::CatalogRequestWithdrawn(e) => &e.request,
        LogEvent::ReservationRequestWithdrawn(e) => &e.request,
        LogEvent::WalletRequestWithdrawn(e) => &e.request,
        LogEvent::ConcertRegistered(_)
        | LogEvent::ScheduleAdded(_)
        | LogEvent::SeatInventoryOpened(_)
        | LogEvent::SeatHoldRequested(_)
        | LogEvent::SeatReleaseRequested(_)
        | LogEvent::PaymentRequested(_)
        | LogEvent::PaymentDebitSettled(_)
        | LogEvent::BalanceChargeRequested(_)
        | LogEvent::PaymentDebitRequested(_)
        | LogEvent::PaymentDebitCommitted(_)
        | LogEvent::PaymentRefundRequested(_) => return None,
    };
    Some(Envelope::deserialize(request).map_err(SchemaError::MalformedEnvelope))
}

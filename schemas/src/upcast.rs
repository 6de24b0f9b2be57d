//! Older payload versions are read by upcasting them, one version at a
//! time, into the current one. Each step is a pure function on the JSON, so
//! a record written years ago still folds into today's types.

use std::borrow::Cow;

use serde_json::Value;

use crate::log_event::current;
use crate::payload::Payload;
use crate::{v1, v2, SchemaError};

/// Lifts `event_type` data from `from_version` to `from_version + 1`.
#[derive(Debug, Clone, Copy)]
pub struct Upcaster {
    pub event_type: &'static str,
    pub from_version: u32,
    pub upcast: fn(Value) -> Result<Value, SchemaError>,
}

pub const UPCASTERS: &[Upcaster] = &[Upcaster {
    event_type: v1::SeatHoldRequested::EVENT_TYPE,
    from_version: v1::SeatHoldRequested::VERSION,
    upcast: seat_hold_requested_v1_to_v2,
}];

/// Brings `data` from `version` up to the current version of `event_type`.
/// Data already at the current version comes back as it is, uncopied:
/// nearly every record on the log is.
pub fn upcast<'a>(
    event_type: &str,
    version: u32,
    data: &'a Value,
) -> Result<Cow<'a, Value>, SchemaError> {
    let info =
        current(event_type).ok_or_else(|| SchemaError::UnknownEventType(event_type.to_owned()))?;
    if version > info.version {
        return Err(SchemaError::VersionTooNew {
            event_type: event_type.to_owned(),
            version,
            current: info.version,
        });
    }
    if version == 0 {
        return Err(SchemaError::UnknownVersion {
            event_type: event_type.to_owned(),
            version,
        });
    }
    if version == info.version {
        return Ok(Cow::Borrowed(data));
    }
    let mut data = data.clone();
    for from in version..info.version {
        let step = UPCASTERS
            .iter()
            .find(|u| u.event_type == event_type && u.from_version == from)
            .ok_or_else(|| SchemaError::UnknownVersion {
                event_type: event_type.to_owned(),
                version,
            })?;
        data = (step.upcast)(data)?;
    }
    Ok(Cow::Owned(data))
}

fn read<T: Payload>(data: Value) -> Result<T, SchemaError> {
    serde_json::from_value(data).map_err(|source| SchemaError::InvalidPayload {
        event_type: T::EVENT_TYPE.to_owned(),
        version: T::VERSION,
        source,
    })
}

/// v1 holds were all decided under the contract's default limit of 4.
fn seat_hold_requested_v1_to_v2(data: Value) -> Result<Value, SchemaError> {
    let old: v1::SeatHoldRequested = read(data)?;
    let new = v2::SeatHoldRequested {
        reservation_id: old.reservation_id,
        schedule_id: old.schedule_id,
        user_id: old.user_id,
        seat_number: old.seat_number,
        requested_at: old.requested_at,
        expires_at: old.expires_at,
        max_holds_per_user: domain::HoldLimit::CONTRACT_DEFAULT.into(),
    };
    Ok(serde_json::to_value(new).expect("log payloads are plain data"))
}

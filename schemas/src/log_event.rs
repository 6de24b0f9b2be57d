use serde_json::Value;

use crate::payload::Payload;
use crate::topic::Topic;
use crate::{v1, v2, SchemaError};

/// An event type at its current version: its name, where it lives, and how
/// to read and describe its payload.
#[derive(Debug, Clone, Copy)]
pub struct EventTypeInfo {
    pub event_type: &'static str,
    pub version: u32,
    pub topic: Topic,
    pub key_field: &'static str,
    pub(crate) schema: fn() -> schemars::Schema,
}

pub(crate) fn schema_of<T: Payload>() -> schemars::Schema {
    schemars::schema_for!(T)
}

pub(crate) const fn info<T: Payload>() -> EventTypeInfo {
    EventTypeInfo {
        event_type: T::EVENT_TYPE,
        version: T::VERSION,
        topic: T::TOPIC,
        key_field: T::KEY_FIELD,
        schema: schema_of::<T>,
    }
}

macro_rules! log_events {
    ($($variant:ident($ty:ty)),+ $(,)?) => {
        /// Every record on the log, at its current version. Older versions
        /// are upcast into these by [`crate::Envelope::open`].
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum LogEvent {
            $($variant($ty),)+
        }

        impl LogEvent {
            /// The current version of every event type.
            pub const CURRENT: &'static [EventTypeInfo] = &[$(info::<$ty>(),)+];

            pub fn event_type(&self) -> &'static str {
                match self {
                    $(LogEvent::$variant(_) => <$ty as Payload>::EVENT_TYPE,)+
                }
            }

            pub fn schema_version(&self) -> u32 {
                match self {
                    $(LogEvent::$variant(_) => <$ty as Payload>::VERSION,)+
                }
            }

            pub fn topic(&self) -> Topic {
                match self {
                    $(LogEvent::$variant(_) => <$ty as Payload>::TOPIC,)+
                }
            }

            /// The record key: the partition the record belongs to.
            pub fn key(&self) -> String {
                self.key_id().to_string()
            }

            /// The record key as the id it is.
            pub fn key_id(&self) -> uuid::Uuid {
                match self {
                    $(LogEvent::$variant(p) => p.key(),)+
                }
            }

            pub(crate) fn data(&self) -> Value {
                // Plain structs of strings and numbers always serialize.
                match self {
                    $(LogEvent::$variant(p) => {
                        serde_json::to_value(p).expect("log payloads are plain data")
                    })+
                }
            }

            /// Reads `data` already at the current version of `event_type`.
            pub(crate) fn from_current(
                event_type: &str,
                data: &Value,
            ) -> Result<LogEvent, SchemaError> {
                $(
                    if event_type == <$ty as Payload>::EVENT_TYPE {
                        return <$ty as serde::Deserialize>::deserialize(data)
                            .map(LogEvent::$variant)
                            .map_err(|source| SchemaError::InvalidPayload {
                                event_type: event_type.to_owned(),
                                version: <$ty as Payload>::VERSION,
                                source,
                            });
                    }
                )+
                Err(SchemaError::UnknownEventType(event_type.to_owned()))
            }
        }

        $(
            impl From<$ty> for LogEvent {
                fn from(payload: $ty) -> LogEvent {
                    LogEvent::$variant(payload)
                }
            }
        )+
    };
}

log_events! {
    ConcertRegistered(v1::ConcertRegistered),
    ScheduleAdded(v1::ScheduleAdded),
    SeatInventoryOpened(v1::SeatInventoryOpened),
    SeatHoldRequested(v2::SeatHoldRequested),
    SeatReleaseRequested(v1::SeatReleaseRequested),
    PaymentRequested(v1::PaymentRequested),
    PaymentDebitSettled(v1::PaymentDebitSettled),
    BalanceChargeRequested(v1::BalanceChargeRequested),
    PaymentDebitRequested(v1::PaymentDebitRequested),
    PaymentDebitCommitted(v1::PaymentDebitCommitted),
    PaymentRefundRequested(v1::PaymentRefundRequested),
    CatalogRequestWithdrawn(v1::CatalogRequestWithdrawn),
    ReservationRequestWithdrawn(v1::ReservationRequestWithdrawn),
    WalletRequestWithdrawn(v1::WalletRequestWithdrawn),
}

/// Every version ever published, current or not: each has a schema file.
pub const PUBLISHED: &[EventTypeInfo] = &[info::<v1::SeatHoldRequested>()];

/// The current version of `event_type`, if this build knows it.
pub fn current(event_type: &str) -> Option<&'static EventTypeInfo> {
    LogEvent::CURRENT
        .iter()
        .find(|i| i.event_type == event_type)
}

/// Current and superseded versions together.
pub fn all_published() -> impl Iterator<Item = &'static EventTypeInfo> {
    LogEvent::CURRENT.iter().chain(PUBLISHED.iter())
}

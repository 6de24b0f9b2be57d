//! Identifier newtypes. Each wraps a UUID so a `UserId` can never be passed
//! where a `ReservationId` is meant. The nil UUID is refused because it is
//! what a forgotten default looks like on the wire.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::InvalidValue;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "Uuid", into = "Uuid")]
        pub struct $name(Uuid);

        impl $name {
            pub const KIND: &'static str = $kind;

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl TryFrom<Uuid> for $name {
            type Error = InvalidValue;

            fn try_from(value: Uuid) -> Result<Self, Self::Error> {
                if value.is_nil() {
                    return Err(InvalidValue::NilId { kind: $kind });
                }
                Ok(Self(value))
            }
        }

        impl FromStr for $name {
            type Err = InvalidValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let uuid = Uuid::parse_str(s).map_err(|_| InvalidValue::MalformedId {
                    kind: $kind,
                    input: s.chars().take(64).collect(),
                })?;
                Self::try_from(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

uuid_id!(
    /// The caller, as named by the gateway's `X-User-Id`.
    UserId,
    "user_id"
);
uuid_id!(ConcertId, "concert_id");
uuid_id!(ScheduleId, "schedule_id");
uuid_id!(
    /// Names one hold request; created by the system (v7) when the request
    /// is accepted for the log, before its outcome is known.
    ReservationId,
    "reservation_id"
);
uuid_id!(PaymentId, "payment_id");
uuid_id!(ChargeId, "charge_id");

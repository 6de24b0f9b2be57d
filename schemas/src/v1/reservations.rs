use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::PricedSeat;
use crate::payload::payload;
use crate::topic::Topic;

/// A schedule copied from the catalog into its own reservations partition,
/// appended by the projector once the schedule was accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatInventoryOpened {
    pub schedule_id: Uuid,
    pub concert_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub booking_opens_at: DateTime<Utc>,
    pub seats: Vec<PricedSeat>,
}
payload!(
    SeatInventoryOpened,
    "SeatInventoryOpened",
    version = 1,
    Topic::Reservations,
    key = schedule_id
);

/// A user asked to hold a seat (v1: recorded before the hold limit travelled
/// with the request; read as the contract default of 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatHoldRequested {
    pub reservation_id: Uuid,
    pub schedule_id: Uuid,
    pub user_id: Uuid,
    #[schemars(range(min = 1, max = 100_000))]
    pub seat_number: i64,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}
payload!(
    SeatHoldRequested,
    "SeatHoldRequested",
    version = 1,
    Topic::Reservations,
    key = schedule_id
);

/// A user asked to release their hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatReleaseRequested {
    pub reservation_id: Uuid,
    pub schedule_id: Uuid,
    pub user_id: Uuid,
    pub requested_at: DateTime<Utc>,
}
payload!(
    SeatReleaseRequested,
    "SeatReleaseRequested",
    version = 1,
    Topic::Reservations,
    key = schedule_id
);

/// A user asked to pay for their hold. If accepted, the seat is locked and
/// the projector asks the user's wallet for the seat's price
/// (`PaymentDebitRequested`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequested {
    pub payment_id: Uuid,
    pub reservation_id: Uuid,
    pub schedule_id: Uuid,
    pub user_id: Uuid,
    pub requested_at: DateTime<Utc>,
}
payload!(
    PaymentRequested,
    "PaymentRequested",
    version = 1,
    Topic::Reservations,
    key = schedule_id
);

/// Why a wallet would not debit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DebitRejection {
    InsufficientBalance,
}

/// The wallet's answer: `{"debited": {...}}` or `{"rejected": {...}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DebitOutcome {
    /// The seat's price was taken; `balance_after` is what the payer is told.
    Debited { amount: i64, balance_after: i64 },
    /// Nothing was taken.
    Rejected { reason: DebitRejection },
}

/// The wallet's answer to a `PaymentDebitRequested`, brought back to the
/// seat by the projector. Debited: the seat is sold (or, if the records
/// disagree, the payment fails and the debit is refunded). Rejected: the
/// payment fails and the hold is back as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentDebitSettled {
    pub payment_id: Uuid,
    pub reservation_id: Uuid,
    pub schedule_id: Uuid,
    pub user_id: Uuid,
    pub outcome: DebitOutcome,
}
payload!(
    PaymentDebitSettled,
    "PaymentDebitSettled",
    version = 1,
    Topic::Reservations,
    key = schedule_id
);

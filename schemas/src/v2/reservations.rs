use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::payload::payload;
use crate::topic::Topic;

/// A user asked to hold a seat. `expires_at` and `max_holds_per_user` are
/// the hold lifetime and limit configured when the request was accepted.
///
/// v2 adds `max_holds_per_user`; v1 records are read as 4, the contract's
/// default, which is the limit every v1-era deployment enforced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatHoldRequested {
    pub reservation_id: Uuid,
    pub schedule_id: Uuid,
    pub user_id: Uuid,
    #[schemars(range(min = 1, max = 100_000))]
    pub seat_number: i64,
    pub requested_at: DateTime<Utc>,
    /// After `requested_at`.
    pub expires_at: DateTime<Utc>,
    #[schemars(range(min = 1, max = 10_000))]
    pub max_holds_per_user: i64,
}
payload!(
    SeatHoldRequested,
    "SeatHoldRequested",
    version = 2,
    Topic::Reservations,
    key = schedule_id
);

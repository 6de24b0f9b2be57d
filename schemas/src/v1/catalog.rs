use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::payload::payload;
use crate::topic::Topic;

/// An admin asked to register a concert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConcertRegistered {
    pub concert_id: Uuid,
    /// Trimmed, 1 to 200 characters.
    pub title: String,
    /// Trimmed, 1 to 200 characters.
    pub venue: String,
}
payload!(
    ConcertRegistered,
    "ConcertRegistered",
    version = 1,
    Topic::Catalog,
    key = concert_id
);

/// One seat of a schedule and its price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PricedSeat {
    #[schemars(range(min = 1, max = 100_000))]
    pub number: i64,
    /// KRW, an integer.
    #[schemars(range(min = 0))]
    pub price: i64,
}

/// An admin asked to add a schedule (a performance) to a concert. Refused,
/// adding nothing, if the concert is not registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleAdded {
    pub concert_id: Uuid,
    pub schedule_id: Uuid,
    pub starts_at: DateTime<Utc>,
    /// No later than `starts_at`. Holds are refused before it.
    pub booking_opens_at: DateTime<Utc>,
    /// At least one seat; each number once.
    pub seats: Vec<PricedSeat>,
}
payload!(
    ScheduleAdded,
    "ScheduleAdded",
    version = 1,
    Topic::Catalog,
    key = concert_id
);

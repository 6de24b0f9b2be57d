//! What the query API answers with: one type per read, serialized by the
//! loaders and documented in OpenAPI.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// `GET /v1/concerts` answers a list of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"concert_id": "0193a0d2-7c4e-7b31-9a52-3f1c2d4e5a01", "title": "The Foldbacks: Live", "venue": "Olympic Hall, Seoul"}))]
pub struct ConcertView {
    pub concert_id: Uuid,
    pub title: String,
    pub venue: String,
}

/// `GET /v1/concerts/{id}/schedules` answers a list of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"schedule_id": "0193a0d2-8e10-7c22-8b13-4a2b3c4d5e02", "starts_at": "2027-01-04T10:00:00Z", "booking_opens_at": "2026-12-05T10:00:00Z", "total_seats": 300, "available_seats": 212}))]
pub struct ScheduleView {
    pub schedule_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub booking_opens_at: DateTime<Utc>,
    pub total_seats: i64,
    /// Seats nobody holds or has bought; a lapsed hold counts as available.
    pub available_seats: i64,
}

/// `GET /v1/schedules/{id}/seats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"schedule_id": "0193a0d2-8e10-7c22-8b13-4a2b3c4d5e02", "seats": [{"number": 11, "price": 50000, "status": "AVAILABLE"}, {"number": 12, "price": 50000, "status": "HELD"}, {"number": 13, "price": 70000, "status": "SOLD"}]}))]
pub struct SeatMapView {
    pub schedule_id: Uuid,
    /// In seat-number order.
    pub seats: Vec<SeatView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatView {
    pub number: i64,
    /// KRW.
    pub price: i64,
    pub status: SeatStatus,
}

/// A seat whose hold has lapsed reads `AVAILABLE` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SeatStatus {
    Available,
    Held,
    Sold,
}

/// `GET /v1/balance`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"balance": 50000}))]
pub struct BalanceView {
    /// KRW; 0 for a user never seen.
    pub balance: i64,
}

/// `GET /v1/reservations/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reservation_id": "0193a0d3-1a2b-7d33-9c24-5b3c4d5e6f03", "schedule_id": "0193a0d2-8e10-7c22-8b13-4a2b3c4d5e02", "seat_number": 12, "status": "HELD", "price": 50000, "expires_at": "2026-12-05T10:05:00Z"}))]
pub struct ReservationView {
    pub reservation_id: Uuid,
    pub schedule_id: Uuid,
    pub seat_number: i64,
    pub status: ReservationStatus,
    /// KRW: the price the seat was held at; null while `PENDING` and when
    /// the hold was refused before a seat was found.
    #[schema(required = true)]
    pub price: Option<i64>,
    /// When the hold lapses (or lapsed) unless paid; while `PENDING`, when
    /// it will lapse if it is granted.
    pub expires_at: DateTime<Utc>,
}

/// `PENDING`: the hold is in the log (its request was answered `202`) but
/// not decided yet. `EXPIRED` is a `HELD` whose time ran out, read as such
/// at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReservationStatus {
    Pending,
    Held,
    Rejected,
    Expired,
    Released,
    Confirmed,
}

/// `GET /v1/payments/{id}`: where a payment stands (the `Location` of its 202).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"payment_id": "0193a0d3-2b3c-7e44-8d35-6c4d5e6f7a04", "reservation_id": "0193a0d3-1a2b-7d33-9c24-5b3c4d5e6f03", "status": "COMPLETED", "amount": 50000, "balance": 0, "code": null}))]
pub struct PaymentView {
    pub payment_id: Uuid,
    pub reservation_id: Uuid,
    pub status: PaymentStatus,
    /// KRW: the seat's price; null when refused before it was known, and
    /// while `PENDING` until the projector has taken the payment up.
    #[schema(required = true)]
    pub amount: Option<i64>,
    /// KRW, right after the debit; null unless `COMPLETED`.
    #[schema(required = true)]
    pub balance: Option<i64>,
    /// The contract code the payment failed with (e.g. `HOLD_EXPIRED`,
    /// `INSUFFICIENT_BALANCE`); null unless `FAILED`.
    #[schema(required = true)]
    pub code: Option<String>,
}

/// `PENDING` from the payment's `202` until its saga has finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    Pending,
    Completed,
    Failed,
}

/// `GET /v1/balance/charges/{id}`: what became of a charge (the `Location`
/// of its 202; the charge id is the command id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"charge_id": "0193a0d3-3c4d-7f55-9e46-7d5e6f7a8b05", "status": "COMPLETED", "amount": 50000, "balance": 50000, "code": null}))]
pub struct ChargeView {
    pub charge_id: Uuid,
    pub status: ChargeStatus,
    /// KRW charged; null unless `COMPLETED`.
    #[schema(required = true)]
    pub amount: Option<i64>,
    /// KRW, right after the charge; null unless `COMPLETED`.
    #[schema(required = true)]
    pub balance: Option<i64>,
    /// The contract code it was refused with (e.g. `BALANCE_LIMIT_EXCEEDED`);
    /// null unless `REJECTED`.
    #[schema(required = true)]
    pub code: Option<String>,
}

/// `PENDING` from the charge's `202` until it is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChargeStatus {
    Pending,
    Completed,
    Rejected,
}

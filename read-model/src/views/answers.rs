//! What command-api answers a command with: the success body of a decided
//! command (built by the projector, which decides it) and the `202` body
//! of one not decided within its wait budget (built by command-api).
//!
//! They sit beside the read views because some are the same shape: a
//! hold's `201` is its reservation as `GET /v1/reservations/{id}` reads it,
//! and a charge's `200` is the balance as `GET /v1/balance` reads it.

use infra::decision::CommandType;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::reads::{BalanceView, PaymentStatus, ReservationStatus, ReservationView};

/// `POST /v1/admin/concerts` 201.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"concert_id": "0193a0d2-7c4e-7b31-9a52-3f1c2d4e5a01"}))]
pub struct ConcertRegistered {
    pub concert_id: Uuid,
}

/// `POST /v1/admin/concerts/{id}/schedules` 201.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"schedule_id": "0193a0d2-8e10-7c22-8b13-4a2b3c4d5e02"}))]
pub struct ScheduleAdded {
    pub schedule_id: Uuid,
}

/// `POST /v1/reservations` 201: the seat is held for the caller until
/// `expires_at`. The reservation as its `Location` reads it, with `status`
/// `HELD` and `price` set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(example = json!({"reservation_id": "0193a0d3-1a2b-7d33-9c24-5b3c4d5e6f03", "schedule_id": "0193a0d2-8e10-7c22-8b13-4a2b3c4d5e02", "seat_number": 12, "status": "HELD", "price": 50000, "expires_at": "2026-12-05T10:05:00Z"}))]
pub struct HoldPlaced(pub ReservationView);

/// `DELETE /v1/reservations/{id}` 200: the seat is free again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reservation_id": "0193a0d3-1a2b-7d33-9c24-5b3c4d5e6f03", "status": "RELEASED"}))]
pub struct HoldReleased {
    pub reservation_id: Uuid,
    /// `RELEASED`.
    pub status: ReservationStatus,
}

/// `POST /v1/payments` 201: the seat is sold to the caller; their queue
/// token has expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"payment_id": "0193a0d3-2b3c-7e44-8d35-6c4d5e6f7a04", "reservation_id": "0193a0d3-1a2b-7d33-9c24-5b3c4d5e6f03", "amount": 50000, "status": "COMPLETED", "balance": 0}))]
pub struct PaymentCompleted {
    pub payment_id: Uuid,
    pub reservation_id: Uuid,
    /// KRW: exactly the seat's price.
    pub amount: i64,
    /// `COMPLETED`.
    pub status: PaymentStatus,
    /// KRW, after the debit.
    pub balance: i64,
}

/// The success body of a decided command, by what it answers. The
/// projector hands it to the waiting command (as JSON, through Postgres
/// and pub/sub); `from_value` reads it back as the command's own type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Accepted {
    ConcertRegistered(ConcertRegistered),
    ScheduleAdded(ScheduleAdded),
    /// `POST /v1/reservations`.
    Held(HoldPlaced),
    /// `DELETE /v1/reservations/{id}`.
    Released(HoldReleased),
    /// `POST /v1/balance/charges` 200: the balance after the charge.
    Charged(BalanceView),
    /// `POST /v1/payments`.
    Paid(PaymentCompleted),
}

impl Accepted {
    /// The command this body answers.
    pub fn command_type(&self) -> CommandType {
        match self {
            Accepted::ConcertRegistered(_) => CommandType::RegisterConcert,
            Accepted::ScheduleAdded(_) => CommandType::AddSchedule,
            Accepted::Held(_) => CommandType::Hold,
            Accepted::Released(_) => CommandType::Release,
            Accepted::Charged(_) => CommandType::Charge,
            Accepted::Paid(_) => CommandType::Payment,
        }
    }

    /// The body as the decision carries it.
    pub fn to_value(&self) -> Value {
        // Ids, integers, times and enums only: this cannot fail.
        serde_json::to_value(self).unwrap_or_default()
    }

    /// The success body of a `command_type` command, read strictly as
    /// that command's type.
    pub fn from_value(command_type: CommandType, body: Value) -> Result<Self, serde_json::Error> {
        Ok(match command_type {
            CommandType::RegisterConcert => {
                Accepted::ConcertRegistered(serde_json::from_value(body)?)
            }
            CommandType::AddSchedule => Accepted::ScheduleAdded(serde_json::from_value(body)?),
            CommandType::Hold => Accepted::Held(serde_json::from_value(body)?),
            CommandType::Release => Accepted::Released(serde_json::from_value(body)?),
            CommandType::Charge => Accepted::Charged(serde_json::from_value(body)?),
            CommandType::Payment => Accepted::Paid(serde_json::from_value(body)?),
        })
    }
}

/// The `status` of every `202`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PendingStatus {
    /// In the log, not decided yet.
    Pending,
}

/// `POST /v1/admin/concerts` 202: the registration is in the log but not
/// decided yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "PENDING", "concert_id": "0193a0d2-7c4e-7b31-9a52-3f1c2d4e5a01"}))]
pub struct ConcertPending {
    pub status: PendingStatus,
    pub concert_id: Uuid,
}

/// `POST /v1/admin/concerts/{id}/schedules` 202: the schedule is in the
/// log but not decided yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "PENDING", "concert_id": "0193a0d2-7c4e-7b31-9a52-3f1c2d4e5a01", "schedule_id": "0193a0d2-8e10-7c22-8b13-4a2b3c4d5e02"}))]
pub struct SchedulePending {
    pub status: PendingStatus,
    pub concert_id: Uuid,
    pub schedule_id: Uuid,
}

/// `POST /v1/reservations` 202: the hold is in the log but not decided
/// yet; follow `Location`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "PENDING", "reservation_id": "0193a0d3-1a2b-7d33-9c24-5b3c4d5e6f03", "schedule_id": "0193a0d2-8e10-7c22-8b13-4a2b3c4d5e02", "seat_number": 12}))]
pub struct HoldPending {
    pub status: PendingStatus,
    pub reservation_id: Uuid,
    pub schedule_id: Uuid,
    pub seat_number: i64,
}

/// `DELETE /v1/reservations/{id}` 202: the release is in the log but not
/// decided yet; follow `Location`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "PENDING", "reservation_id": "0193a0d3-1a2b-7d33-9c24-5b3c4d5e6f03"}))]
pub struct ReleasePending {
    pub status: PendingStatus,
    pub reservation_id: Uuid,
}

/// `POST /v1/balance/charges` 202: the charge is in the log but not
/// decided yet; follow `Location`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "PENDING", "charge_id": "0193a0d3-3c4d-7f55-9e46-7d5e6f7a8b05"}))]
pub struct ChargePending {
    pub status: PendingStatus,
    /// Also the command's id, so its poll finds a refusal as well.
    pub charge_id: Uuid,
}

/// `POST /v1/payments` 202: the payment is in the log but not finished
/// yet; follow `Location`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "PENDING", "payment_id": "0193a0d3-2b3c-7e44-8d35-6c4d5e6f7a04", "reservation_id": "0193a0d3-1a2b-7d33-9c24-5b3c4d5e6f03"}))]
pub struct PaymentPending {
    pub status: PendingStatus,
    pub payment_id: Uuid,
    pub reservation_id: Uuid,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn a_hold_answers_its_reservation_as_the_contract_spells_it() {
        let held = Accepted::Held(HoldPlaced(ReservationView {
            reservation_id: id(1),
            schedule_id: id(2),
            seat_number: 7,
            status: ReservationStatus::Held,
            price: Some(12_000),
            expires_at: Utc.with_ymd_and_hms(2030, 4, 1, 10, 5, 0).unwrap(),
        }));
        let body = held.to_value();
        assert_eq!(
            body,
            serde_json::json!({
                "reservation_id": id(1),
                "schedule_id": id(2),
                "seat_number": 7,
                "status": "HELD",
                "price": 12_000,
                "expires_at": "2030-04-01T10:05:00Z",
            })
        );
        assert_eq!(Accepted::from_value(CommandType::Hold, body).unwrap(), held);
    }

    #[test]
    fn a_body_reads_back_only_as_its_own_commands_type() {
        let paid = Accepted::Paid(PaymentCompleted {
            payment_id: id(1),
            reservation_id: id(2),
            amount: 12_000,
            status: PaymentStatus::Completed,
            balance: 3_000,
        });
        assert_eq!(paid.command_type(), CommandType::Payment);
        let body = paid.to_value();
        assert_eq!(
            Accepted::from_value(CommandType::Payment, body.clone()).unwrap(),
            paid
        );
        assert!(Accepted::from_value(CommandType::Charge, body.clone()).is_err());
        let mut extra = body;
        extra["code"] = Value::Null;
        assert!(Accepted::from_value(CommandType::Payment, extra).is_err());

        let charged = Accepted::Charged(BalanceView { balance: 5 });
        assert_eq!(charged.to_value(), serde_json::json!({"balance": 5}));
        assert_eq!(
            Accepted::Released(HoldReleased {
                reservation_id: id(3),
                status: ReservationStatus::Released,
            })
            .to_value(),
            serde_json::json!({"reservation_id": id(3), "status": "RELEASED"})
        );
    }

    #[test]
    fn every_202_says_pending() {
        let body = serde_json::to_value(ChargePending {
            status: PendingStatus::Pending,
            charge_id: id(4),
        })
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({"status": "PENDING", "charge_id": id(4)})
        );
    }
}

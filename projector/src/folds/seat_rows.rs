//! Seat-side events into row images of `schedule_seats`, `reservations` and
//! `payments`. Images are read from the inventory after the event is folded
//! in, so they always say what the decider now believes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::inventory::{InventoryEvent, InventoryPaymentState, ReservationPhase, SeatInventory};
use domain::{PaymentId, ReservationId, ScheduleId, SeatNumber};
use uuid::Uuid;

use super::catalog::{plan_rows, seat_number};
use super::state::PaymentRequest;
use crate::changes::{Changes, PaymentRow, ReservationRow, SeatRow};

/// What the rows of one schedule look like after `event`.
pub(super) struct SeatRows<'a> {
    pub changes: &'a mut Changes,
    pub inventory: &'a SeatInventory,
    pub requests: &'a HashMap<PaymentId, PaymentRequest>,
    pub schedule_id: ScheduleId,
    pub at: DateTime<Utc>,
}

impl SeatRows<'_> {
    pub fn record(&mut self, event: &InventoryEvent) {
        match *event {
            InventoryEvent::InventoryOpened { ref seats, .. } => {
                self.changes
                    .seat_plans
                    .insert(self.schedule_id.as_uuid(), plan_rows(seats));
            }
            InventoryEvent::SeatHeld {
                reservation_id,
                seat,
                expires_at,
                ..
            } => {
                self.seat(seat, "HELD", Some(reservation_id), Some(expires_at));
                self.reservation(reservation_id);
            }
            InventoryEvent::HoldReleased {
                reservation_id,
                seat,
                ..
            } => {
                self.seat(seat, "AVAILABLE", None, None);
                self.reservation(reservation_id);
            }
            // Locked while the debit is in flight: no expiry.
            InventoryEvent::PaymentStarted {
                payment_id,
                reservation_id,
                seat,
                ..
            } => {
                self.seat(seat, "HELD", Some(reservation_id), None);
                self.reservation(reservation_id);
                self.payment(payment_id);
            }
            InventoryEvent::SeatConfirmed {
                payment_id,
                reservation_id,
                seat,
                ..
            } => {
                self.seat(seat, "SOLD", Some(reservation_id), None);
                self.reservation(reservation_id);
                self.payment(payment_id);
            }
            // The hold is back with its own expiry, which may have passed.
            InventoryEvent::PaymentFailed {
                payment_id,
                reservation_id,
                seat,
                ..
            } => {
                let expires_at = self
                    .inventory
                    .reservation(reservation_id)
                    .map(|r| r.expires_at);
                self.seat(seat, "HELD", Some(reservation_id), expires_at);
                self.reservation(reservation_id);
                self.payment(payment_id);
            }
        }
    }

    fn seat(
        &mut self,
        seat: SeatNumber,
        status: &'static str,
        holder: Option<ReservationId>,
        hold_expires_at: Option<DateTime<Utc>>,
    ) {
        self.changes.seats.insert(
            (self.schedule_id.as_uuid(), seat_number(seat)),
            SeatRow {
                status,
                reservation_id: holder.map(|r| r.as_uuid()),
                hold_expires_at,
            },
        );
    }

    fn reservation(&mut self, id: ReservationId) {
        let Some(r) = self.inventory.reservation(id) else {
            return;
        };
        // A lapsed hold keeps its HELD row: its past expiry reads EXPIRED.
        let (status, payment_pending) = match r.phase {
            ReservationPhase::Held | ReservationPhase::Lapsed => ("HELD", false),
            ReservationPhase::PaymentPending { .. } => ("HELD", true),
            ReservationPhase::Confirmed { .. } => ("CONFIRMED", false),
            ReservationPhase::Released { .. } => ("RELEASED", false),
        };
        self.changes.reservations.insert(
            id.as_uuid(),
            ReservationRow {
                schedule_id: self.schedule_id.as_uuid(),
                user_id: r.user_id.as_uuid(),
                seat_number: seat_number(r.seat),
                price: Some(r.price.krw()),
                status,
                rejection_code: None,
                payment_pending,
                requested_at: r.held_at,
                expires_at: r.expires_at,
                updated_at: self.at,
            },
        );
    }

    fn payment(&mut self, id: PaymentId) {
        let (Some(p), Some(request)) = (self.inventory.payment(id), self.requests.get(&id)) else {
            return;
        };
        let (status, failure_code, balance_after) = match p.state {
            InventoryPaymentState::Pending => ("REQUESTED", None, None),
            InventoryPaymentState::Completed { balance_after } => {
                ("COMPLETED", None, Some(balance_after.krw()))
            }
            InventoryPaymentState::Failed(reason) => ("FAILED", Some(reason.code()), None),
        };
        self.changes.payments.insert(
            id.as_uuid(),
            PaymentRow {
                command_id: request.command_id,
                reservation_id: p.reservation_id.as_uuid(),
                schedule_id: self.schedule_id.as_uuid(),
                user_id: p.user_id.as_uuid(),
                amount: Some(p.amount.krw()),
                status,
                failure_code,
                balance_after,
                requested_at: request.requested_at,
                updated_at: self.at,
            },
        );
    }
}

/// A hold refused: the row its poll reads, with the refusal's code.
pub(super) fn rejected_hold(
    schedule_id: ScheduleId,
    user_id: Uuid,
    seat: SeatNumber,
    requested_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    code: &'static str,
    at: DateTime<Utc>,
) -> ReservationRow {
    ReservationRow {
        schedule_id: schedule_id.as_uuid(),
        user_id,
        seat_number: seat_number(seat),
        price: None,
        status: "REJECTED",
        rejection_code: Some(code),
        payment_pending: false,
        requested_at,
        expires_at,
        updated_at: at,
    }
}

/// A payment refused before the seat side took it on.
pub(super) fn refused_payment(
    command_id: Uuid,
    reservation_id: ReservationId,
    schedule_id: ScheduleId,
    user_id: Uuid,
    code: &'static str,
    at: DateTime<Utc>,
) -> PaymentRow {
    PaymentRow {
        command_id,
        reservation_id: reservation_id.as_uuid(),
        schedule_id: schedule_id.as_uuid(),
        user_id,
        amount: None,
        status: "FAILED",
        failure_code: Some(code),
        balance_after: None,
        requested_at: at,
        updated_at: at,
    }
}

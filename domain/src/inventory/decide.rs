//! A command reusing a reservation or payment id is a redelivery when it
//! says the same thing as the original (answered with no events, so the
//! caller reads the original outcome from state, never a second hold), and a
//! bug otherwise (`IdReused`). Ids are minted by the system, so no user can
//! reach the second case.

use chrono::{DateTime, Utc};

use super::state::OpenInventory;
use super::{
    InventoryCommand, InventoryEvent, InventoryPaymentState, ReservationPhase, SeatInventory,
};
use crate::debit_outcome::DebitOutcome;
use crate::payment_failure::PaymentFailure;
use crate::{
    BookingWindow, ConcertId, Decider, DomainError, Entity, HoldLimit, PaymentId, ReservationId,
    ScheduleId, SeatNumber, SeatPlan, UserId,
};

impl Decider for SeatInventory {
    type Command = InventoryCommand;
    type Event = InventoryEvent;

    fn decide(
        command: InventoryCommand,
        state: &SeatInventory,
    ) -> Result<Vec<InventoryEvent>, DomainError> {
        match command {
            InventoryCommand::OpenInventory {
                schedule_id,
                concert_id,
                window,
                seats,
            } => open_inventory(state, schedule_id, concert_id, window, seats),
            InventoryCommand::PlaceHold {
                reservation_id,
                user_id,
                seat,
                at,
                expires_at,
                max_holds_per_user,
            } => {
                let open = state
                    .open()
                    .ok_or(DomainError::NotFound(Entity::Schedule))?;
                place_hold(
                    open,
                    reservation_id,
                    user_id,
                    seat,
                    at,
                    expires_at,
                    max_holds_per_user,
                )
            }
            InventoryCommand::ReleaseHold {
                reservation_id,
                user_id,
                at,
            } => {
                let open = state
                    .open()
                    .ok_or(DomainError::NotFound(Entity::Reservation))?;
                release_hold(open, reservation_id, user_id, at)
            }
            InventoryCommand::RequestPayment {
                payment_id,
                reservation_id,
                user_id,
                at,
            } => {
                let open = state
                    .open()
                    .ok_or(DomainError::NotFound(Entity::Reservation))?;
                request_payment(open, payment_id, reservation_id, user_id, at)
            }
            InventoryCommand::SettlePayment {
                payment_id,
                reservation_id,
                outcome,
            } => {
                let open = state.open().ok_or(DomainError::NotFound(Entity::Payment))?;
                settle_payment(open, payment_id, reservation_id, outcome)
            }
        }
    }

    fn evolve(self, event: &InventoryEvent) -> Self {
        self.evolved(event)
    }
}

fn open_inventory(
    state: &SeatInventory,
    schedule_id: ScheduleId,
    concert_id: ConcertId,
    window: BookingWindow,
    seats: SeatPlan,
) -> Result<Vec<InventoryEvent>, DomainError> {
    if let Some(open) = state.open() {
        let plan_matches = open.seats.len() == seats.len()
            && seats.seats().iter().all(|s| {
                open.seats
                    .get(&s.number)
                    .is_some_and(|slot| slot.price == s.price)
            });
        let same = open.schedule_id == schedule_id
            && open.concert_id == concert_id
            && open.window == window
            && plan_matches;
        return if same {
            Ok(vec![])
        } else {
            Err(DomainError::IdReused(Entity::Schedule))
        };
    }
    Ok(vec![InventoryEvent::InventoryOpened {
        schedule_id,
        concert_id,
        window,
        seats,
    }])
}

/// Checked in the contract's order: 404, `BOOKING_NOT_OPEN`,
/// `SEAT_UNAVAILABLE`, `HOLD_LIMIT_REACHED`.
fn place_hold(
    open: &OpenInventory,
    reservation_id: ReservationId,
    user_id: UserId,
    seat: SeatNumber,
    at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    limit: HoldLimit,
) -> Result<Vec<InventoryEvent>, DomainError> {
    if expires_at <= at {
        return Err(DomainError::InvalidHoldPeriod);
    }
    if let Some(existing) = open.reservations.get(&reservation_id) {
        let same = existing.user_id == user_id && existing.seat == seat;
        return if same {
            Ok(vec![])
        } else {
            Err(DomainError::IdReused(Entity::Reservation))
        };
    }
    let slot = open
        .seats
        .get(&seat)
        .ok_or(DomainError::NotFound(Entity::Seat))?;
    if !open.window.is_open_at(at) {
        return Err(DomainError::BookingNotOpen);
    }
    if open.holder(slot).is_some_and(|r| r.occupies_seat_at(at)) {
        return Err(DomainError::SeatUnavailable);
    }
    if open.live_holds(user_id, at) >= limit.get() as usize {
        return Err(DomainError::HoldLimitReached);
    }
    Ok(vec![InventoryEvent::SeatHeld {
        reservation_id,
        user_id,
        seat,
        price: slot.price,
        held_at: at,
        expires_at,
    }])
}

fn release_hold(
    open: &OpenInventory,
    reservation_id: ReservationId,
    user_id: UserId,
    at: DateTime<Utc>,
) -> Result<Vec<InventoryEvent>, DomainError> {
    let r = open
        .reservations
        .get(&reservation_id)
        .ok_or(DomainError::NotFound(Entity::Reservation))?;
    if r.user_id != user_id {
        return Err(DomainError::Forbidden);
    }
    match r.phase {
        ReservationPhase::Confirmed { .. } => Err(DomainError::AlreadyConfirmed),
        ReservationPhase::Lapsed => Err(DomainError::HoldExpired),
        ReservationPhase::Held if at >= r.expires_at => Err(DomainError::HoldExpired),
        // The contract answers a second release with 200 again.
        ReservationPhase::Released { .. } => Ok(vec![]),
        // The debit may already have taken the money; letting the seat go
        // now could sell it twice. The settle step frees the hold first.
        ReservationPhase::PaymentPending { .. } => Err(DomainError::PaymentInProgress),
        ReservationPhase::Held => Ok(vec![InventoryEvent::HoldReleased {
            reservation_id,
            user_id,
            seat: r.seat,
            released_at: at,
        }]),
    }
}

fn request_payment(
    open: &OpenInventory,
    payment_id: PaymentId,
    reservation_id: ReservationId,
    user_id: UserId,
    at: DateTime<Utc>,
) -> Result<Vec<InventoryEvent>, DomainError> {
    if let Some(existing) = open.payments.get(&payment_id) {
        let same = existing.reservation_id == reservation_id && existing.user_id == user_id;
        return if same {
            Ok(vec![])
        } else {
            Err(DomainError::IdReused(Entity::Payment))
        };
    }
    let r = open
        .reservations
        .get(&reservation_id)
        .ok_or(DomainError::NotFound(Entity::Reservation))?;
    if r.user_id != user_id {
        return Err(DomainError::Forbidden);
    }
    match r.phase {
        ReservationPhase::Confirmed { .. } => Err(DomainError::AlreadyConfirmed),
        ReservationPhase::Released { .. } | ReservationPhase::Lapsed => {
            Err(DomainError::HoldExpired)
        }
        ReservationPhase::Held if at >= r.expires_at => Err(DomainError::HoldExpired),
        ReservationPhase::PaymentPending { .. } => Err(DomainError::PaymentInProgress),
        ReservationPhase::Held => Ok(vec![InventoryEvent::PaymentStarted {
            payment_id,
            reservation_id,
            user_id,
            seat: r.seat,
            amount: r.price,
            started_at: at,
        }]),
    }
}

/// A debited payment that cannot complete (refused here, or failed for a
/// mismatched debit) means the money must go back: the payment process
/// turns it into a refund.
fn settle_payment(
    open: &OpenInventory,
    payment_id: PaymentId,
    reservation_id: ReservationId,
    outcome: DebitOutcome,
) -> Result<Vec<InventoryEvent>, DomainError> {
    let payment = open
        .payments
        .get(&payment_id)
        .ok_or(DomainError::NotFound(Entity::Payment))?;
    if payment.reservation_id != reservation_id {
        return Err(DomainError::SettlementMismatch);
    }
    let seat = open
        .reservations
        .get(&reservation_id)
        .ok_or(DomainError::NotFound(Entity::Reservation))?
        .seat;
    let user_id = payment.user_id;
    match (payment.state, outcome) {
        (
            InventoryPaymentState::Pending,
            DebitOutcome::Debited {
                amount,
                balance_after,
            },
        ) => {
            if amount != payment.amount {
                let reason = PaymentFailure::DebitMismatch;
                return Ok(vec![InventoryEvent::PaymentFailed {
                    payment_id,
                    reservation_id,
                    user_id,
                    seat,
                    reason,
                }]);
            }
            Ok(vec![InventoryEvent::SeatConfirmed {
                payment_id,
                reservation_id,
                user_id,
                seat,
                amount,
                balance_after,
            }])
        }
        (InventoryPaymentState::Pending, DebitOutcome::Refused(reason)) => {
            let reason = reason.into();
            Ok(vec![InventoryEvent::PaymentFailed {
                payment_id,
                reservation_id,
                user_id,
                seat,
                reason,
            }])
        }
        (InventoryPaymentState::Completed { .. }, DebitOutcome::Debited { .. }) => Ok(vec![]),
        (InventoryPaymentState::Failed(_), DebitOutcome::Refused(_)) => Ok(vec![]),
        // The same mismatched debit delivered again: it already failed the
        // payment, so the repeat is a redelivery, not a contradiction.
        (
            InventoryPaymentState::Failed(PaymentFailure::DebitMismatch),
            DebitOutcome::Debited { amount, .. },
        ) if amount != payment.amount => Ok(vec![]),
        (InventoryPaymentState::Failed(_), DebitOutcome::Debited { .. }) => {
            Err(DomainError::PaymentNotPending)
        }
        (InventoryPaymentState::Completed { .. }, DebitOutcome::Refused(_)) => {
            Err(DomainError::SettlementMismatch)
        }
    }
}

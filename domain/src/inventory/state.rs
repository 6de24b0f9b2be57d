use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use serde::{Deserialize, Serialize};

use super::{InventoryEvent, Reservation, ReservationPhase, SeatStatus, SeatView};
use crate::payment_failure::PaymentFailure;
use crate::{
    BookingWindow, ConcertId, Money, PaymentId, ReservationId, ScheduleId, SeatNumber, UserId,
};

/// One schedule's partition. Empty until the schedule is copied in from the
/// catalog; every command on an empty inventory is `NotFound`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatInventory {
    open: Option<OpenInventory>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct OpenInventory {
    pub(super) schedule_id: ScheduleId,
    pub(super) concert_id: ConcertId,
    pub(super) window: BookingWindow,
    pub(super) seats: BTreeMap<SeatNumber, SeatSlot>,
    pub(super) reservations: BTreeMap<ReservationId, Reservation>,
    /// Per user, the holds that are `Held` or paying. Lets the hold limit be
    /// judged without scanning every reservation of a 100k-seat schedule.
    pub(super) open_holds: BTreeMap<UserId, BTreeSet<ReservationId>>,
    pub(super) payments: BTreeMap<PaymentId, InventoryPayment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct SeatSlot {
    pub(super) price: Money,
    /// The last reservation to take this seat, unless it was released. Its
    /// phase and `expires_at` say whether it still keeps the seat.
    pub(super) claim: Option<ReservationId>,
}

/// A payment as the seat side knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryPayment {
    pub reservation_id: ReservationId,
    pub user_id: UserId,
    pub amount: Money,
    pub state: InventoryPaymentState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InventoryPaymentState {
    Pending,
    Completed { balance_after: Money },
    Failed(PaymentFailure),
}

impl SeatInventory {
    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    pub fn schedule_id(&self) -> Option<ScheduleId> {
        self.open.as_ref().map(|o| o.schedule_id)
    }

    pub fn concert_id(&self) -> Option<ConcertId> {
        self.open.as_ref().map(|o| o.concert_id)
    }

    pub fn window(&self) -> Option<BookingWindow> {
        self.open.as_ref().map(|o| o.window)
    }

    /// `None` for a seat (or schedule) that does not exist. A lapsed hold
    /// reads `Available` at once.
    pub fn seat_status(&self, seat: SeatNumber, at: DateTime<Utc>) -> Option<SeatStatus> {
        let open = self.open.as_ref()?;
        let slot = open.seats.get(&seat)?;
        Some(open.status_of(slot, at))
    }

    /// Every seat in number order, as it reads at `at`.
    pub fn seats(&self, at: DateTime<Utc>) -> Vec<SeatView> {
        let Some(open) = self.open.as_ref() else {
            return Vec::new();
        };
        open.seats
            .iter()
            .map(|(number, slot)| SeatView {
                number: *number,
                price: slot.price,
                status: open.status_of(slot, at),
            })
            .collect()
    }

    pub fn total_seats(&self) -> usize {
        self.open.as_ref().map_or(0, |o| o.seats.len())
    }

    pub fn available_seats(&self, at: DateTime<Utc>) -> usize {
        self.open.as_ref().map_or(0, |o| {
            o.seats
                .values()
                .filter(|slot| o.status_of(slot, at) == SeatStatus::Available)
                .count()
        })
    }

    pub fn reservation(&self, id: ReservationId) -> Option<&Reservation> {
        self.open.as_ref()?.reservations.get(&id)
    }

    pub fn reservations(&self) -> impl Iterator<Item = &Reservation> {
        self.open.iter().flat_map(|o| o.reservations.values())
    }

    pub fn payment(&self, id: PaymentId) -> Option<&InventoryPayment> {
        self.open.as_ref()?.payments.get(&id)
    }

    /// Every payment the schedule took up, in id order.
    pub fn payment_ids(&self) -> impl Iterator<Item = PaymentId> + '_ {
        self.open.iter().flat_map(|o| o.payments.keys().copied())
    }

    /// Holds of `user` that count toward the hold limit at `at`.
    pub fn live_holds(&self, user: UserId, at: DateTime<Utc>) -> usize {
        self.open.as_ref().map_or(0, |o| o.live_holds(user, at))
    }

    pub(super) fn open(&self) -> Option<&OpenInventory> {
        self.open.as_ref()
    }

    pub(super) fn evolved(mut self, event: &InventoryEvent) -> Self {
        if let InventoryEvent::InventoryOpened {
            schedule_id,
            concert_id,
            window,
            seats,
        } = event
        {
            self.open = Some(OpenInventory {
                schedule_id: *schedule_id,
                concert_id: *concert_id,
                window: *window,
                seats: seats
                    .seats()
                    .iter()
                    .map(|s| {
                        (
                            s.number,
                            SeatSlot {
                                price: s.price,
                                claim: None,
                            },
                        )
                    })
                    .collect(),
                reservations: BTreeMap::new(),
                open_holds: BTreeMap::new(),
                payments: BTreeMap::new(),
            });
            return self;
        }
        if let Some(open) = self.open.as_mut() {
            open.apply(event);
        }
        self
    }
}

impl OpenInventory {
    pub(super) fn holder(&self, slot: &SeatSlot) -> Option<&Reservation> {
        slot.claim.and_then(|id| self.reservations.get(&id))
    }

    fn status_of(&self, slot: &SeatSlot, at: DateTime<Utc>) -> SeatStatus {
        match self.holder(slot) {
            Some(r) if matches!(r.phase, ReservationPhase::Confirmed { .. }) => SeatStatus::Sold,
            Some(r) if r.is_live_at(at) => SeatStatus::Held,
            _ => SeatStatus::Available,
        }
    }

    pub(super) fn live_holds(&self, user: UserId, at: DateTime<Utc>) -> usize {
        self.open_holds.get(&user).map_or(0, |ids| {
            ids.iter()
                .filter_map(|id| self.reservations.get(id))
                .filter(|r| r.is_live_at(at))
                .count()
        })
    }

    fn close_hold(&mut self, user: UserId, id: ReservationId) {
        if let Some(ids) = self.open_holds.get_mut(&user) {
            ids.remove(&id);
            if ids.is_empty() {
                self.open_holds.remove(&user);
            }
        }
    }

    fn set_phase(&mut self, id: ReservationId, phase: ReservationPhase) {
        if let Some(r) = self.reservations.get_mut(&id) {
            r.phase = phase;
        }
    }

    fn apply(&mut self, event: &InventoryEvent) {
        match event {
            InventoryEvent::InventoryOpened { .. } => {}
            InventoryEvent::SeatHeld {
                reservation_id,
                user_id,
                seat,
                price,
                held_at,
                expires_at,
            } => {
                let previous = self.seats.get(seat).and_then(|slot| slot.claim);
                if let Some(prev_id) = previous.filter(|p| p != reservation_id) {
                    if let Some(prev) = self.reservations.get_mut(&prev_id) {
                        // decide only lets a seat be taken over from a lapsed hold
                        prev.phase = ReservationPhase::Lapsed;
                        let prev_user = prev.user_id;
                        self.close_hold(prev_user, prev_id);
                    }
                }
                if let Some(slot) = self.seats.get_mut(seat) {
                    slot.claim = Some(*reservation_id);
                }
                self.reservations.insert(
                    *reservation_id,
                    Reservation {
                        id: *reservation_id,
                        user_id: *user_id,
                        seat: *seat,
                        price: *price,
                        held_at: *held_at,
                        expires_at: *expires_at,
                        phase: ReservationPhase::Held,
                    },
                );
                self.open_holds
                    .entry(*user_id)
                    .or_default()
                    .insert(*reservation_id);
            }
            InventoryEvent::HoldReleased {
                reservation_id,
                user_id,
                seat,
                released_at,
            } => {
                self.set_phase(
                    *reservation_id,
                    ReservationPhase::Released { at: *released_at },
                );
                if let Some(slot) = self.seats.get_mut(seat) {
                    if slot.claim == Some(*reservation_id) {
                        slot.claim = None;
                    }
                }
                self.close_hold(*user_id, *reservation_id);
            }
            InventoryEvent::PaymentStarted {
                payment_id,
                reservation_id,
                user_id,
                amount,
                ..
            } => {
                self.set_phase(
                    *reservation_id,
                    ReservationPhase::PaymentPending {
                        payment_id: *payment_id,
                    },
                );
                self.payments.insert(
                    *payment_id,
                    InventoryPayment {
                        reservation_id: *reservation_id,
                        user_id: *user_id,
                        amount: *amount,
                        state: InventoryPaymentState::Pending,
                    },
                );
            }
            InventoryEvent::SeatConfirmed {
                payment_id,
                reservation_id,
                user_id,
                balance_after,
                ..
            } => {
                self.set_phase(
                    *reservation_id,
                    ReservationPhase::Confirmed {
                        payment_id: *payment_id,
                    },
                );
                self.close_hold(*user_id, *reservation_id);
                if let Some(p) = self.payments.get_mut(payment_id) {
                    p.state = InventoryPaymentState::Completed {
                        balance_after: *balance_after,
                    };
                }
            }
            InventoryEvent::PaymentFailed {
                payment_id,
                reservation_id,
                reason,
                ..
            } => {
                self.set_phase(*reservation_id, ReservationPhase::Held);
                if let Some(p) = self.payments.get_mut(payment_id) {
                    p.state = InventoryPaymentState::Failed(*reason);
                }
            }
        }
    }
}

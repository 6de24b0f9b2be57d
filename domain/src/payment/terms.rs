//! What a payment is about: the process holds it, and every step it owes
//! carries it.

use crate::{Money, PaymentId, ReservationId, ScheduleId, UserId};

/// What a payment is about, fixed when the seat side accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentTerms {
    pub payment_id: PaymentId,
    pub reservation_id: ReservationId,
    pub schedule_id: ScheduleId,
    pub user_id: UserId,
    /// The seat's price: paying debits exactly this.
    pub amount: Money,
}

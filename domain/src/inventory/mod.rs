//! The seats of one schedule: who holds, who is paying, who bought.
//! Partition key: `schedule_id`, so every seat conflict is settled by the
//! order of records in one partition.
//!
//! Expiry is judged from event time: a hold is live on `[held_at,
//! expires_at)` and counts as free for any decision made at or after
//! `expires_at`, with no expiry event. While its payment is in flight a hold
//! is locked: it can neither lapse nor be released until the debit settles.

mod command;
mod decide;
mod event;
mod reservation;
mod seat_status;
mod state;

pub use command::InventoryCommand;
pub use event::InventoryEvent;
pub use reservation::{Reservation, ReservationPhase, ReservationStatus};
pub use seat_status::{SeatStatus, SeatView};
pub use state::{InventoryPayment, InventoryPaymentState, SeatInventory};

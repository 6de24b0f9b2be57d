//! Postgres: how each kind of entry is built from the read tables, for a
//! miss, a refresh, a write-through and a warm-up alike, so every path
//! stores the same bytes. One statement per load.

mod catalog;
mod owed;
mod payments;
mod reservations;
mod seats;
mod wallet;
mod window;
mod wire;

pub use catalog::{concerts, schedules};
pub use owed::{owed_charge, owed_payment, owed_reservation};
pub use payments::{payment, pending_payment};
pub use reservations::{pending_reservation, reservation};
pub use seats::seat_map;
pub use wallet::{balance, charge, pending_charge};
pub use window::{Window, BOOKING_RUSH};

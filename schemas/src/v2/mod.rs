//! Version 2 payloads: only the event types that changed since v1.

mod reservations;

pub use reservations::SeatHoldRequested;

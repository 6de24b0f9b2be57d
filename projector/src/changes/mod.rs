//! What folding a batch changes in the read tables, gathered in memory and
//! written with one statement per table when the batch commits (the
//! booking tables' together in one round trip, see `RoundTrip`).
//!
//! Rows are kept as whole images keyed by primary key, so the last event of
//! a batch to touch a row decides what is written, and a table ends up the
//! same however the log was cut into batches (which is what lets a replay
//! reproduce the live tables exactly).

mod copy;
mod copy_rows;
mod flush;
mod gathered;
mod readable;
mod round_trip;
mod rows;

pub use flush::{flush, flush_new, flush_with, Inserts};
pub use gathered::{Changes, Written};
pub use readable::readable;
pub use round_trip::RoundTrip;
pub use rows::{
    ConcertRow, DeadLetter, EntryKind, EntryRow, PaymentRow, ReservationRow, ScheduleRow, SeatRow,
    WalletRow,
};

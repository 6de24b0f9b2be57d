//! Snapshots of each partition's decision state, so taking a partition
//! (start-up, restart, hand-over, a failed batch) costs the records since
//! its last snapshot rather than its whole history.
//!
//! A snapshot stands for exactly the records before its offset. It is
//! taken once the batch that reached that offset has committed, and
//! written off the fold's path (`writer`); a take-over only restores one
//! at or before the partition's stored offset. It is only
//! an optimisation: the state is a pure function of the log, a replay from
//! offset 0 uses none, and one that cannot be read is passed over (with a
//! warning and `ticketfold_projector_snapshots_unreadable_total`) for an older one or
//! for a fold from offset 0.

mod codec;
mod restore;
mod schedule;
mod store;
mod writer;

pub use codec::{decode, encode, Encoded, Unreadable, FORMAT_VERSION};
pub use restore::{restore, Restored};
pub use schedule::SnapshotSchedule;
pub use store::{oldest_kept, save, StoredSnapshot, KEPT};
pub use writer::SnapshotWrites;

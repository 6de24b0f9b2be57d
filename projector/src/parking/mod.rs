//! Aggregates leave memory when they rest and come back when touched, so a
//! projector's memory follows what is live (the fans mid-purchase, the
//! schedules on sale) rather than every wallet and schedule the log ever
//! named (issue 14 point 2).
//!
//! An aggregate untouched for `PROJECTOR_PARK_AFTER_SECONDS` is written
//! whole, its seen event ids with it, as a row standing at the partition's
//! position (`projector_parked`), in the batch transaction that stores that
//! position, and dropped from memory. Before records are folded, the
//! aggregates their keys name that are not in memory are read back from
//! their newest row at or before the state's position. A row always holds
//! the aggregate as the log's records before its offset make it, so it
//! does not matter which projector wrote it or when: a take-over that
//! folds on from an older snapshot finds the version its position needs,
//! never a later one. Which aggregates happen to be in memory changes no
//! decision.

mod policy;
mod store;

pub use policy::Parking;
pub use store::{bring_back, bring_back_keys, let_go, prune, MOST_PER_BATCH};

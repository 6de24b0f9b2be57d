//! The read model: what the query API serves, kept in Redis as
//! ready-to-serve JSON, with the Postgres read tables behind it.
//!
//! It is projected, not a passive cache: the projector writes every change
//! through right after its Postgres commit ([`ReadModel::write_changes`])
//! and loads each schedule ahead of its booking window
//! ([`ReadModel::warm_due`]), so during a booking rush hot keys are updated,
//! never expired. Entries still expire (TTL with jitter), so cold data
//! leaves memory; a read that misses cannot stampede (`protected`).
//! `CACHE_STRATEGY=naive` swaps all of that for the original cache-aside
//! design (`naive`), for side-by-side runs; `strategy` is the one seam
//! between the two.
//!
//! Between a command's `202` and its decision, command-api writes a
//! pending entry where the decision will go (`pending`); readers check
//! Postgres behind it on every read, so it never hides the decision.
//!
//! Key layout: see `keys`. Value encoding: see `entry`. Lifetimes: see
//! `policy`. A seat-map read is one `GET`; lapsed holds are flipped to
//! `AVAILABLE` from the expiries stored beside the body. A guard (the
//! seat map's queue-token check) can ride in that round trip: see `look`.

mod body;
mod clock;
mod concert_of;
mod copies;
mod entry;
mod error;
mod keys;
mod kind;
mod load;
mod look;
mod metrics;
mod model;
mod naive;
mod pending;
mod policy;
mod protected;
mod shared;
mod source;
mod store;
mod strategy;
mod views;
mod warm_metrics;
mod warmer;
mod writer;

pub use entry::{Entry, Served};
pub use error::{ReadError, WriteError};
pub use keys::{EntryKey, ReadKeys};
pub use kind::Kind;
pub use load::BOOKING_RUSH;
pub use look::Look;
pub use metrics::CacheMetrics;
pub use model::ReadModel;
pub use pending::{PendingEntries, PendingEntry, PENDING_TTL};
pub use source::Source;
pub use store::Escort;
pub use views::*;
pub use warm_metrics::WarmMetrics;
pub use warmer::{WarmFailure, WarmRound, Warmed};
pub use writer::Changed;

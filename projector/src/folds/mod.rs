//! Deciding each record with the domain deciders, in partition order.
//!
//! A record is a request (or a saga follow-up); folding it turns it into
//! its domain command, decides it against the partition's state, evolves
//! the state with what was decided, and gathers the consequences: read-table
//! rows and the command's answer ([`Changes`](crate::changes::Changes)), follow-up records for other
//! partitions, and payers whose queue place ends. Nothing here touches a
//! socket, so the live pipeline, the state rebuild and `projector replay`
//! all decide with this same code and reach the same answers.

mod catalog;
mod context;
mod decisions;
mod decode;
mod engine;
mod inventory;
mod payments;
mod poison;
mod produced;
mod reservations;
mod saga;
mod seat_rows;
mod state;
mod wallets;
mod withdrawal;

pub use decisions::Asked;
pub use decode::{decode, Decoded, MAX_RECORD_BYTES};
pub use engine::{record_key, Engine, Fate, Folded};
pub use produced::{FollowUp, Payer, Produced};
pub use state::{Parked, PartitionState, PaymentRequest};

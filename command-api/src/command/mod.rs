//! The write path shared by every command endpoint: a route takes a
//! `Submission` of its principal and body and hands `submit` its draft.

pub mod admin_key;
pub mod answer;
pub mod board;
pub mod body;
pub mod budget;
pub mod caller;
pub mod deadlines;
pub mod draft;
pub mod idempotency;
pub mod intake;
pub mod lapse;
pub mod principal;
pub mod queue_gate;
pub mod record;
pub mod submission;
pub mod withdrawals;
pub mod write_path;

pub use admin_key::AdminKey;
pub use answer::Answer;
pub use board::{BoardHandle, DecisionBoard};
pub use body::{JsonBody, NoBody};
pub use caller::Caller;
pub use draft::{Context, Draft};
pub use intake::Intake;
pub use queue_gate::GuardedCaller;
pub use record::{CommandRecord, Origin};
pub use submission::Submission;
pub use write_path::Commands;

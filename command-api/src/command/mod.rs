//! The write path shared by every command endpoint.

pub mod answer;
pub mod board;
pub mod budget;
pub mod idempotency;
pub mod intake;
pub mod queue_gate;
pub mod record;
pub mod write_path;

pub use answer::Answer;
pub use board::{BoardHandle, DecisionBoard};
pub use intake::Intake;
pub use record::{CommandRecord, Origin};
pub use write_path::Commands;

//! The event contract: what goes on the three topics, for producers,
//! the projector and analysts.
//!
//! Records are requests (appended by the command API) and saga follow-ups
//! (appended by the projector); their outcomes are decided by folding each
//! partition in order through the `domain` deciders. Every record value is
//! an [`Envelope`] whose `data` is one versioned payload; [`LogEvent`] is the
//! typed view at current versions, and [`Envelope::open`] upcasts older
//! ones into it.

pub mod command;
mod envelope;
mod error;
mod follow_up;
mod from_domain;
pub mod json_schema;
mod log_event;
mod payload;
pub mod topic;
pub mod upcast;
pub mod v1;
pub mod v2;
mod withdrawal;

pub use command::Command;
pub use envelope::{Envelope, EventMeta};
pub use error::SchemaError;
pub use follow_up::{follow_up_event_id, OPEN_INVENTORY_STEP};
pub use log_event::{all_published, current, EventTypeInfo, LogEvent, PUBLISHED};
pub use payload::Payload;
pub use withdrawal::{withdrawal, withdrawn_request, WITHDRAWAL_STEP};

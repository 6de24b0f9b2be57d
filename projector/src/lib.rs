//! projector: decides every request on the event log with the domain
//! deciders, folding each partition in order into Postgres read tables and
//! committing each batch's effects together with the offsets it consumed.
//! It drives the payment saga by appending follow-up records, announces
//! each decision on Redis, and replays the log for analysts.

pub mod changes;
pub mod checksum;
pub mod cli;
pub mod configuration;
pub mod error;
pub mod export;
pub mod folds;
pub mod metrics;
pub mod parking;
pub mod pipeline;
pub mod reader;
pub mod record;
pub mod replay;
pub mod routes;
pub mod setup;
pub mod snapshots;
pub mod startup;

//! projector: folds the event log into Postgres read tables (and keeps the
//! Redis read model warm), committing each batch's effects together with
//! the offsets it consumed.

pub mod configuration;
pub mod error;
pub mod folds;
pub mod metrics;
pub mod pipeline;
pub mod routes;
pub mod setup;
pub mod startup;

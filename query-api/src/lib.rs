//! query-api: answers reads from the Redis read model the projector keeps
//! warm, falling back to Postgres read tables.

pub mod configuration;
pub mod error;
pub mod routes;
pub mod startup;

//! One module per route group. The projector serves only the operational
//! endpoints.

pub mod health;

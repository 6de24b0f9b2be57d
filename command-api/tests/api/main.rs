// The tests are the callers: their clock is the real one (command-api/clippy.toml).
#![allow(clippy::disallowed_methods)]

mod bearer;
mod blips;
mod bounded_waits;
mod challenge;
mod clocks;
mod decisions;
mod health;
mod helpers;
mod idempotency;
mod keep_alive;
mod operations;
mod pending;
mod queue;
mod records;
mod rejections;
mod rooms;
mod secure;
mod shapes;
mod shedding;
mod traces;
mod unavailable;
mod withdrawals;

//! command-api: validates commands, appends their request records to Kafka
//! and answers with the projector's decision.
//!
//! Every command endpoint runs the contract's checks in order (body size,
//! `X-User-Id` or `X-Admin-Key`, queue token, body), appending nothing when
//! one fails: each takes a [`command::Submission`] of its principal and
//! body, and only drafts its own record. An accepted command's record (its `event_id` is the command
//! id) goes to its topic under its partition key; the request then waits for
//! the decision within its budget (`Prefer: wait=<0..10>`, default 3 s):
//! the decision board hears the projector's announcement, and
//! `command_outcomes` is read when it may have been missed. Undecided in
//! time: `202 {"status":"PENDING", ...ids}` with a `Location` to follow:
//!
//! | command | `Location` (also on its 201) |
//! |---|---|
//! | hold, release | `/v1/reservations/{reservation_id}` (query-api) |
//! | payment | `/v1/payments/{payment_id}` |
//! | charge | `/v1/balance/charges/{charge_id}` |
//! | concert, schedule | `/v1/concerts/{concert_id}/schedules` (query-api) |
//!
//! Responses carry `X-Correlation-Id` (the caller's, or a new one; it is the
//! records' `correlation_id`), `Preference-Applied` when `Prefer: wait` was
//! honoured, and `Idempotent-Replayed: true` on a stored answer replayed
//! for an `Idempotency-Key` (see [`command::idempotency`]).

pub mod booking_windows;
pub mod command;
pub mod configuration;
pub mod error;
pub mod metrics;
pub mod policy;
pub mod read_model;
pub mod routes;
pub mod startup;

//! query-api: answers reads from the Redis read model the projector keeps
//! current (`read_model`), with the Postgres read tables behind it
//! for what Redis does not have.
//!
//! | route | needs | entry |
//! |---|---|---|
//! | `GET /v1/concerts` | - | `concerts` |
//! | `GET /v1/concerts/{id}/schedules` | - | `concert:<id>:schedules` |
//! | `GET /v1/schedules/{id}/seats` | ACTIVE queue token | `schedule:<id>:seats` |
//! | `GET /v1/queue/tokens/current` | any genuine token | (the queue) |
//! | `GET /v1/balance` | `X-User-Id` | `balance:<user>` |
//! | `GET /v1/balance/charges/{id}` | owner | `charge:<user>:<id>` |
//! | `GET /v1/reservations/{id}` | owner | `reservation:<id>` |
//! | `GET /v1/payments/{id}` | owner | `payment:<id>` |
//!
//! Bodies are served as stored (ready-made JSON): a read is one Redis
//! round trip, and a hold that has lapsed since is flipped on the way out.
//! `CACHE_STRATEGY=naive` swaps the protected reader for the original
//! cache-aside one, to measure the difference.

pub mod configuration;
pub mod error;
pub mod routes;
pub mod startup;

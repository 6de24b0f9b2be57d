//! The whole ticketing business as pure deciders.
//!
//! Every aggregate is a [`Decider`]: `decide(command, &state)` answers with
//! events or a [`DomainError`], and `evolve(state, &event)` folds one event
//! into the state. Nothing here reads a clock, a config or a socket: the time
//! and every policy value (hold lifetime, hold limit, wallet limits) arrive
//! inside the command, so replaying the recorded commands reproduces every
//! decision whatever the configuration is today.

mod booking_window;
pub mod catalog;
mod code;
// The vocabulary that wallet, inventory and payment share; public through
// `payment`.
mod debit_outcome;
mod decider;
mod error;
mod hold_limit;
mod ids;
mod invalid_value;
pub mod inventory;
mod money;
pub mod payment;
mod payment_failure;
mod seat_number;
mod seat_plan;
pub mod testing;
mod text;
pub mod wallet;

pub use booking_window::BookingWindow;
pub use code::ErrorCode;
pub use decider::Decider;
pub use error::{DomainError, Entity};
pub use hold_limit::HoldLimit;
pub use ids::{ChargeId, ConcertId, PaymentId, ReservationId, ScheduleId, UserId};
pub use invalid_value::InvalidValue;
pub use money::{Amount, Money};
pub use seat_number::SeatNumber;
pub use seat_plan::{PricedSeat, SeatPlan};
pub use text::{Title, Venue};

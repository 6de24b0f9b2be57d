//! Version 1 payloads. A type here is frozen once published: a change that
//! old records cannot satisfy becomes a new version plus an upcaster.

mod catalog;
mod reservations;
mod wallets;
mod withdrawals;

pub use catalog::{ConcertRegistered, PricedSeat, ScheduleAdded};
pub use reservations::{
    DebitOutcome, DebitRejection, PaymentDebitSettled, PaymentRequested, SeatHoldRequested,
    SeatInventoryOpened, SeatReleaseRequested,
};
pub use wallets::{
    BalanceChargeRequested, PaymentDebitCommitted, PaymentDebitRequested, PaymentRefundRequested,
};
pub use withdrawals::{
    CatalogRequestWithdrawn, ReservationRequestWithdrawn, WalletRequestWithdrawn,
};

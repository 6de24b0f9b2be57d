//! One user's balance. Partition key: `user_id`.
//!
//! A debit is provisional until the seat side confirms the payment
//! (`CommitDebit`) or gives it back (`Refund`). Until then its amount still
//! counts against the maximum balance, so a refund can always be taken back
//! in without pushing the balance over the maximum: the invariant is
//! `balance + in_flight <= max_balance` (for the limit in force at each
//! charge), which implies `balance <= max_balance`. The cost is that a user
//! at the ceiling cannot top up during the milliseconds a payment is in
//! flight; the alternative (refusing or clamping a refund) would destroy
//! money.

mod command;
mod decide;
mod event;
mod state;

pub use command::WalletCommand;
pub use event::WalletEvent;
pub use state::{Wallet, WalletDebit, WalletDebitState};

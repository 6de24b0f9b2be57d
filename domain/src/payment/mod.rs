//! Paying for a hold crosses two partitions: the seat lives in the
//! schedule's partition, the money in the user's. The payment process is the
//! state machine that walks one payment across them:
//!
//! ```text
//! Requested --debit--> Debited --settle--> Completed --commit--> (done)
//!     |                   \--settle failed or refused--> RefundOwed --refund--> Refunded
//!     \--debit refused--> DebitRefused --settle--> Failed (balance untouched)
//! ```
//!
//! Money is never created or lost: the only debit is the seat's price, the
//! wallet answers each payment id once (debited or refused, recorded), and a
//! debit is either committed alongside a sold seat or refunded. The seat is
//! locked while the debit is in flight, so the refund branch is a safety net
//! for records that disagree (a debit of another amount, a debit for a
//! payment that already failed), never the result of a race with the hold's
//! expiry.

mod decide;
mod event;
mod process;
mod step;
mod terms;

pub use crate::debit_outcome::{DebitOutcome, DebitRefusal};
pub use crate::payment_failure::PaymentFailure;
pub use event::PaymentEvent;
pub use process::{PaymentProcess, PaymentStatus};
pub use step::{PaymentStep, StepCommand};
pub use terms::PaymentTerms;

use super::{DebitOutcome, DebitRefusal, PaymentStep, PaymentTerms};
use crate::Money;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PaymentProcess {
    #[default]
    NotStarted,
    /// The seat is locked; the wallet owes an answer.
    Requested(PaymentTerms),
    Debited {
        terms: PaymentTerms,
        balance_after: Money,
    },
    DebitRefused {
        terms: PaymentTerms,
        reason: DebitRefusal,
    },
    /// The seat is sold. The debit stays provisional until committed.
    Completed {
        terms: PaymentTerms,
        balance_after: Money,
        debit_committed: bool,
    },
    Failed {
        terms: PaymentTerms,
        reason: DebitRefusal,
    },
    /// Money was taken but the seat side refused the payment.
    RefundOwed(PaymentTerms),
    Refunded(PaymentTerms),
}

/// How a payment reads to its payer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    Pending,
    Completed {
        balance_after: Money,
    },
    Failed(DebitRefusal),
    /// Taken and given back; the seat was not sold.
    Reversed,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "PENDING",
            PaymentStatus::Completed { .. } => "COMPLETED",
            PaymentStatus::Failed(_) => "FAILED",
            PaymentStatus::Reversed => "REVERSED",
        }
    }
}

impl PaymentProcess {
    pub fn terms(&self) -> Option<&PaymentTerms> {
        match self {
            PaymentProcess::NotStarted => None,
            PaymentProcess::Requested(terms)
            | PaymentProcess::RefundOwed(terms)
            | PaymentProcess::Refunded(terms)
            | PaymentProcess::Debited { terms, .. }
            | PaymentProcess::DebitRefused { terms, .. }
            | PaymentProcess::Completed { terms, .. }
            | PaymentProcess::Failed { terms, .. } => Some(terms),
        }
    }

    /// The one command the orchestrator owes this payment, if any. A pure
    /// function of the state, so re-running the orchestrator over the same
    /// events asks for the same steps (and deterministic event ids make the
    /// repeated requests collapse).
    pub fn next_step(&self) -> Option<PaymentStep> {
        match *self {
            PaymentProcess::Requested(terms) => Some(PaymentStep::Debit(terms)),
            PaymentProcess::Debited {
                terms,
                balance_after,
            } => Some(PaymentStep::Settle {
                terms,
                outcome: DebitOutcome::Debited {
                    amount: terms.amount,
                    balance_after,
                },
            }),
            PaymentProcess::DebitRefused { terms, reason } => Some(PaymentStep::Settle {
                terms,
                outcome: DebitOutcome::Refused(reason),
            }),
            PaymentProcess::Completed {
                terms,
                debit_committed: false,
                ..
            } => Some(PaymentStep::CommitDebit(terms)),
            PaymentProcess::RefundOwed(terms) => Some(PaymentStep::Refund(terms)),
            PaymentProcess::NotStarted
            | PaymentProcess::Completed {
                debit_committed: true,
                ..
            }
            | PaymentProcess::Failed { .. }
            | PaymentProcess::Refunded(_) => None,
        }
    }

    pub fn status(&self) -> PaymentStatus {
        match *self {
            PaymentProcess::Completed { balance_after, .. } => {
                PaymentStatus::Completed { balance_after }
            }
            PaymentProcess::Failed { reason, .. } => PaymentStatus::Failed(reason),
            PaymentProcess::RefundOwed(_) | PaymentProcess::Refunded(_) => PaymentStatus::Reversed,
            PaymentProcess::NotStarted
            | PaymentProcess::Requested(_)
            | PaymentProcess::Debited { .. }
            | PaymentProcess::DebitRefused { .. } => PaymentStatus::Pending,
        }
    }

    pub fn is_finished(&self) -> bool {
        self.terms().is_some() && self.next_step().is_none()
    }
}

use super::{DebitOutcome, PaymentTerms};
use crate::inventory::InventoryCommand;
use crate::wallet::WalletCommand;
use crate::{ScheduleId, UserId};

/// A command the payment process owes one of the two partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStep {
    Debit(PaymentTerms),
    Settle {
        terms: PaymentTerms,
        outcome: DebitOutcome,
    },
    CommitDebit(PaymentTerms),
    Refund(PaymentTerms),
}

/// A step addressed to the partition that must decide it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepCommand {
    Wallet {
        user_id: UserId,
        command: WalletCommand,
    },
    Inventory {
        schedule_id: ScheduleId,
        command: InventoryCommand,
    },
}

impl PaymentStep {
    /// Stable per step kind: with the cause's event id it derives the
    /// follow-up's event id, so a re-run appends nothing new.
    pub fn name(&self) -> &'static str {
        match self {
            PaymentStep::Debit(_) => "payment.debit",
            PaymentStep::Settle { .. } => "payment.settle",
            PaymentStep::CommitDebit(_) => "payment.commit-debit",
            PaymentStep::Refund(_) => "payment.refund",
        }
    }

    /// Whether the payer's answer waits on this step. It does not on
    /// `CommitDebit`: by then the seat is sold, the balance debited and the
    /// payer answered; the commit only ends the debit's in-flight reserve,
    /// which no read shows and which the wallet's later commands, behind it
    /// in the wallet's partition, see in any case. A refund moves the
    /// balance the payer reads next, so the answer waits on it.
    pub fn answer_waits(&self) -> bool {
        match self {
            PaymentStep::Debit(_) | PaymentStep::Settle { .. } | PaymentStep::Refund(_) => true,
            PaymentStep::CommitDebit(_) => false,
        }
    }

    pub fn terms(&self) -> &PaymentTerms {
        match self {
            PaymentStep::Debit(terms)
            | PaymentStep::CommitDebit(terms)
            | PaymentStep::Refund(terms)
            | PaymentStep::Settle { terms, .. } => terms,
        }
    }

    pub fn command(&self) -> StepCommand {
        let t = *self.terms();
        match *self {
            PaymentStep::Debit(_) => StepCommand::Wallet {
                user_id: t.user_id,
                command: WalletCommand::Debit {
                    payment_id: t.payment_id,
                    amount: t.amount,
                },
            },
            PaymentStep::Settle { outcome, .. } => StepCommand::Inventory {
                schedule_id: t.schedule_id,
                command: InventoryCommand::SettlePayment {
                    payment_id: t.payment_id,
                    reservation_id: t.reservation_id,
                    outcome,
                },
            },
            PaymentStep::CommitDebit(_) => StepCommand::Wallet {
                user_id: t.user_id,
                command: WalletCommand::CommitDebit {
                    payment_id: t.payment_id,
                },
            },
            PaymentStep::Refund(_) => StepCommand::Wallet {
                user_id: t.user_id,
                command: WalletCommand::Refund {
                    payment_id: t.payment_id,
                },
            },
        }
    }
}

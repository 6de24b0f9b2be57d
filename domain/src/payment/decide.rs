//! The payment process's commands are observations: what a partition just
//! decided about this payment. `decide` accepts the ones that fit the
//! process, ignores ones it has already recorded (redeliveries), and refuses
//! the rest, so a confused orchestrator stops instead of moving money twice.

use super::{PaymentEvent, PaymentProcess};
use crate::{Decider, DomainError};

impl Decider for PaymentProcess {
    type Command = PaymentEvent;
    type Event = PaymentEvent;

    fn decide(
        observed: PaymentEvent,
        state: &PaymentProcess,
    ) -> Result<Vec<PaymentEvent>, DomainError> {
        use PaymentEvent as E;
        use PaymentProcess as P;
        let fits = matches!(
            (state, &observed),
            (P::NotStarted, E::Started(_))
                | (P::Requested(_), E::Debited { .. } | E::DebitRefused { .. })
                | (
                    P::Debited { .. },
                    E::Completed | E::Failed | E::SettlementRefused
                )
                | (P::DebitRefused { .. }, E::Failed)
                | (
                    P::Completed {
                        debit_committed: false,
                        ..
                    },
                    E::DebitCommitted
                )
                | (P::RefundOwed(_), E::Refunded)
        );
        if fits {
            return Ok(vec![observed]);
        }
        let already_recorded = match (state, &observed) {
            (_, E::Started(terms)) => state.terms() == Some(terms),
            (
                P::Debited { .. } | P::Completed { .. } | P::RefundOwed(_) | P::Refunded(_),
                E::Debited { .. },
            ) => true,
            (P::DebitRefused { .. } | P::Failed { .. }, E::DebitRefused { .. }) => true,
            (P::Completed { .. }, E::Completed) => true,
            (P::Failed { .. } | P::RefundOwed(_) | P::Refunded(_), E::Failed) => true,
            (P::RefundOwed(_) | P::Refunded(_), E::SettlementRefused) => true,
            (
                P::Completed {
                    debit_committed: true,
                    ..
                },
                E::DebitCommitted,
            ) => true,
            (P::Refunded(_), E::Refunded) => true,
            _ => false,
        };
        if already_recorded {
            Ok(vec![])
        } else {
            Err(DomainError::UnexpectedPaymentStep)
        }
    }

    fn evolve(self, event: &PaymentEvent) -> Self {
        use PaymentEvent as E;
        use PaymentProcess as P;
        match (self, *event) {
            (P::NotStarted, E::Started(terms)) => P::Requested(terms),
            (P::Requested(terms), E::Debited { balance_after }) => P::Debited {
                terms,
                balance_after,
            },
            (P::Requested(terms), E::DebitRefused { reason }) => P::DebitRefused { terms, reason },
            (
                P::Debited {
                    terms,
                    balance_after,
                },
                E::Completed,
            ) => P::Completed {
                terms,
                balance_after,
                debit_committed: false,
            },
            (P::Debited { terms, .. }, E::Failed | E::SettlementRefused) => P::RefundOwed(terms),
            (P::DebitRefused { terms, reason }, E::Failed) => P::Failed { terms, reason },
            (
                P::Completed {
                    terms,
                    balance_after,
                    ..
                },
                E::DebitCommitted,
            ) => P::Completed {
                terms,
                balance_after,
                debit_committed: true,
            },
            (P::RefundOwed(terms), E::Refunded) => P::Refunded(terms),
            // decide never emits anything else; keep evolve total.
            (state, _) => state,
        }
    }
}

//! The payment saga, driven by `domain::payment::PaymentProcess`: each
//! partition rebuilds the process from what the record in hand says (its
//! terms and the answers so far), and the process names the one step owed
//! next, which becomes a follow-up record.

use domain::payment::{PaymentEvent, PaymentProcess, PaymentTerms};
use domain::{Decider, DomainError};
use schemas::LogEvent;

use super::context::Context;

/// The process started with `terms`, after each observation in turn.
pub fn process(
    terms: PaymentTerms,
    observed: &[PaymentEvent],
) -> Result<PaymentProcess, DomainError> {
    let mut process = PaymentProcess::default();
    for observation in std::iter::once(PaymentEvent::Started(terms)).chain(observed.iter().copied())
    {
        for event in PaymentProcess::decide(observation, &process)? {
            process = process.evolve(&event);
        }
    }
    Ok(process)
}

/// Appends the step the process owes after `observed`, if any.
pub fn advance(ctx: &mut Context<'_>, terms: PaymentTerms, observed: &[PaymentEvent]) {
    match process(terms, observed) {
        Ok(process) => {
            if let Some(step) = process.next_step() {
                ctx.follow_up(LogEvent::from(&step), step.name(), step.answer_waits());
            }
        }
        Err(error) => tracing::error!(
            payment_id = %terms.payment_id,
            %error,
            ?observed,
            "the payment process cannot take this step; the saga stops here"
        ),
    }
}

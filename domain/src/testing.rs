//! Given/when/then for deciders, in the spirit of cqrs-es's TestFramework:
//!
//! ```
//! # use domain::{testing::given, wallet::*, *};
//! # let charge = ChargeId::try_from(uuid::Uuid::from_u128(1)).unwrap();
//! # let amount = Amount::try_from(1_000).unwrap();
//! # let max = Money::try_from(10_000).unwrap();
//! given::<Wallet>([])
//!     .when(WalletCommand::Charge {
//!         charge_id: charge,
//!         amount,
//!         max_single_charge: max,
//!         max_balance: max,
//!     })
//!     .then([WalletEvent::BalanceCharged {
//!         charge_id: charge,
//!         amount,
//!         balance_after: amount.money(),
//!     }]);
//! ```
//!
//! Public (not `cfg(test)`) so every crate's tests speak about the domain the
//! same way. It panics on mismatch, as test assertions do.

use std::fmt::Debug;

use crate::{Decider, DomainError};

/// The history a scenario starts from.
pub fn given<D: Decider>(events: impl IntoIterator<Item = D::Event>) -> Given<D> {
    let history: Vec<D::Event> = events.into_iter().collect();
    Given {
        state: D::fold(&history),
    }
}

pub struct Given<D> {
    state: D,
}

impl<D: Decider> Given<D> {
    pub fn when(self, command: D::Command) -> Then<D> {
        let outcome = D::decide(command, &self.state);
        Then {
            state: self.state,
            outcome,
        }
    }
}

#[must_use = "a scenario asserts nothing until a then_* is called"]
pub struct Then<D: Decider> {
    state: D,
    outcome: Result<Vec<D::Event>, DomainError>,
}

impl<D> Then<D>
where
    D: Decider + Debug,
    D::Event: PartialEq + Debug,
{
    /// Exactly these events, in this order. Returns the state after them so
    /// a scenario can go on asserting reads.
    #[track_caller]
    pub fn then(self, expected: impl IntoIterator<Item = D::Event>) -> D {
        let expected: Vec<D::Event> = expected.into_iter().collect();
        match self.outcome {
            Ok(events) => {
                assert_eq!(events, expected, "unexpected events");
                events.iter().fold(self.state, D::evolve)
            }
            Err(e) => panic!("expected events {expected:?}, got error {e:?}"),
        }
    }

    /// Accepted, and nothing new happened (an idempotent replay).
    #[track_caller]
    pub fn then_nothing(self) -> D {
        self.then([])
    }

    #[track_caller]
    pub fn then_error(self, expected: DomainError) {
        match self.outcome {
            Ok(events) => panic!("expected error {expected:?}, got events {events:?}"),
            Err(e) => assert_eq!(e, expected, "unexpected error"),
        }
    }
}

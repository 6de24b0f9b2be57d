use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::{InvalidValue, Money, SeatNumber};

/// One sellable seat and what it costs. A price of zero is allowed
/// (complimentary seats still go through hold and payment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PricedSeat {
    pub number: SeatNumber,
    pub price: Money,
}

/// The seats of one schedule: at least one, each number once, kept in
/// number order so two plans with the same seats compare equal.
/// Read back (from a snapshot, say) through the same checks as when built,
/// so a stored plan can never hold what a new one could not.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<PricedSeat>")]
pub struct SeatPlan(Vec<PricedSeat>);

impl SeatPlan {
    pub fn seats(&self) -> &[PricedSeat] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a plan has at least one seat. Present for clippy's
    /// `len_without_is_empty` and for readers who expect it.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<Vec<PricedSeat>> for SeatPlan {
    type Error = InvalidValue;

    fn try_from(mut seats: Vec<PricedSeat>) -> Result<Self, Self::Error> {
        if seats.is_empty() {
            return Err(InvalidValue::NoSeats);
        }
        let mut seen = BTreeSet::new();
        for seat in &seats {
            if !seen.insert(seat.number) {
                return Err(InvalidValue::DuplicateSeat(seat.number.get()));
            }
        }
        seats.sort_by_key(|s| s.number);
        Ok(SeatPlan(seats))
    }
}

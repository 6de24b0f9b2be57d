use std::fmt;

use serde::{Deserialize, Serialize};

use crate::InvalidValue;

/// A seat's number within its schedule. The contract carries it as a JSON
/// integer; the upper bound keeps one schedule's inventory a size a single
/// partition can fold comfortably.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct SeatNumber(u32);

impl SeatNumber {
    pub const MAX: u32 = 100_000;

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<i64> for SeatNumber {
    type Error = InvalidValue;

    fn try_from(n: i64) -> Result<Self, Self::Error> {
        if !(1..=i64::from(Self::MAX)).contains(&n) {
            return Err(InvalidValue::SeatNumberOutOfRange { got: n });
        }
        Ok(SeatNumber(n as u32))
    }
}

impl TryFrom<u32> for SeatNumber {
    type Error = InvalidValue;

    fn try_from(n: u32) -> Result<Self, Self::Error> {
        Self::try_from(i64::from(n))
    }
}

impl From<SeatNumber> for i64 {
    fn from(n: SeatNumber) -> i64 {
        i64::from(n.0)
    }
}

impl fmt::Display for SeatNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::InvalidValue;

/// An integer number of KRW, never negative.
///
/// Arithmetic is checked and answers `None` rather than wrapping or going
/// below zero, so a balance can only be built from sums that fit.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(try_from = "i64", into = "i64")]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn krw(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).filter(|v| *v >= 0).map(Money)
    }

    /// For `evolve`, which must be total: `decide` has already proved the
    /// arithmetic fits, so saturation is never reached on real event streams.
    pub(crate) fn saturating_add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }

    pub(crate) fn saturating_sub(self, other: Money) -> Money {
        Money(self.0.saturating_sub(other.0).max(0))
    }
}

impl TryFrom<i64> for Money {
    type Error = InvalidValue;

    fn try_from(krw: i64) -> Result<Self, Self::Error> {
        if krw < 0 {
            return Err(InvalidValue::NegativeMoney(krw));
        }
        Ok(Money(krw))
    }
}

impl From<Money> for i64 {
    fn from(m: Money) -> i64 {
        m.0
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} KRW", self.0)
    }
}

/// Money that must be more than zero: a charge of nothing is a mistake,
/// not a no-op.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Amount(Money);

impl Amount {
    pub fn money(self) -> Money {
        self.0
    }

    pub fn krw(self) -> i64 {
        self.0.krw()
    }
}

impl TryFrom<i64> for Amount {
    type Error = InvalidValue;

    fn try_from(krw: i64) -> Result<Self, Self::Error> {
        if krw <= 0 {
            return Err(InvalidValue::NonPositiveAmount(krw));
        }
        Ok(Amount(Money(krw)))
    }
}

impl From<Amount> for i64 {
    fn from(a: Amount) -> i64 {
        a.krw()
    }
}

impl From<Amount> for Money {
    fn from(a: Amount) -> Money {
        a.0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

use crate::InvalidValue;

/// How many live holds one user may have on one schedule (contract default
/// 4). It travels inside each hold command so a replay decides with the
/// limit that applied then, not with today's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HoldLimit(u32);

impl HoldLimit {
    pub const MAX: u32 = 10_000;
    /// The contract's default, also what a hold request recorded before the
    /// limit was carried on the log is understood to have used.
    pub const CONTRACT_DEFAULT: HoldLimit = HoldLimit(4);

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<i64> for HoldLimit {
    type Error = InvalidValue;

    fn try_from(n: i64) -> Result<Self, Self::Error> {
        if !(1..=i64::from(Self::MAX)).contains(&n) {
            return Err(InvalidValue::HoldLimitOutOfRange { got: n });
        }
        Ok(HoldLimit(n as u32))
    }
}

impl From<HoldLimit> for i64 {
    fn from(l: HoldLimit) -> i64 {
        i64::from(l.0)
    }
}

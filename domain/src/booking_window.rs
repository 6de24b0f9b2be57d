use chrono::{DateTime, Utc};

use crate::InvalidValue;

/// When a schedule starts taking holds, and when the show starts. Booking
/// may open at the very moment the show starts (a walk-up sale), never after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BookingWindow {
    opens_at: DateTime<Utc>,
    starts_at: DateTime<Utc>,
}

impl BookingWindow {
    pub fn new(opens_at: DateTime<Utc>, starts_at: DateTime<Utc>) -> Result<Self, InvalidValue> {
        if opens_at > starts_at {
            return Err(InvalidValue::BookingOpensAfterStart);
        }
        Ok(Self {
            opens_at,
            starts_at,
        })
    }

    pub fn opens_at(&self) -> DateTime<Utc> {
        self.opens_at
    }

    pub fn starts_at(&self) -> DateTime<Utc> {
        self.starts_at
    }

    /// Holds are accepted from `opens_at` on, inclusive.
    pub fn is_open_at(&self, at: DateTime<Utc>) -> bool {
        at >= self.opens_at
    }
}

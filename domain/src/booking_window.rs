use chrono::{DateTime, Utc};

use serde::{Deserialize, Serialize};

use crate::InvalidValue;

/// When a schedule starts taking holds, and when the show starts. Booking
/// may open at the very moment the show starts (a walk-up sale), never after.
/// Read back through [`BookingWindow::new`], so a stored window keeps the
/// same invariant as a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "WindowParts")]
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

/// A window as written, before its check.
#[derive(Deserialize)]
struct WindowParts {
    opens_at: DateTime<Utc>,
    starts_at: DateTime<Utc>,
}

impl TryFrom<WindowParts> for BookingWindow {
    type Error = InvalidValue;

    fn try_from(parts: WindowParts) -> Result<Self, Self::Error> {
        BookingWindow::new(parts.opens_at, parts.starts_at)
    }
}

//! When a schedule is hot: its booking window, from the warm lead before
//! booking opens until the rush is over.

use chrono::{DateTime, Duration, Utc};

/// How long after `booking_opens_at` a schedule is in its rush: the
/// minutes everyone books at once, when its entries must not expire.
pub const BOOKING_RUSH: Duration = Duration::hours(1);

/// When a schedule's entries are kept warm: from `lead` before booking
/// opens until the rush is over.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub lead: Duration,
    pub now: DateTime<Utc>,
}

impl Window {
    /// Until when an entry about a schedule opening at `opens` must stay,
    /// if the schedule is in (or about to enter) its window.
    pub fn hot_until(&self, opens: DateTime<Utc>) -> Option<i64> {
        let end = opens + BOOKING_RUSH;
        (self.now >= opens - self.lead && self.now < end).then(|| end.timestamp_millis())
    }
}

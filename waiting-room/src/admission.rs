//! What one admission step did: who moved from the head of the line into
//! the active set, and the queue's size right after.

use std::time::Duration;

use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    pub user_id: Uuid,
    /// From joining the line to admission.
    pub waited: Duration,
}

/// What one step did, and the queue's size right after it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Admission {
    /// False when the step was fenced off: another admitter holds the lease.
    pub led: bool,
    /// In line order.
    pub admitted: Vec<Admitted>,
    /// Active tokens that had lapsed and gave their slots back.
    pub lapsed: u64,
    /// Waiting users who stopped polling and lost their place.
    pub abandoned: u64,
    /// ACTIVE users who did nothing for the idle period and gave their
    /// slots back before their tokens lapsed.
    pub idle: u64,
    /// Across every room.
    pub active: u64,
    /// In line across every room (pre-queued fans not counted).
    pub waiting: u64,
    /// Joined a room before its opening, not yet placed.
    pub prequeued: u64,
    /// Pre-queued fans placed in a random order this step.
    pub placed: u64,
}

impl Admission {
    /// Adds one room's step to the totals.
    pub fn absorb(&mut self, room: Admission) {
        self.led |= room.led;
        self.admitted.extend(room.admitted);
        self.lapsed += room.lapsed;
        self.abandoned += room.abandoned;
        self.idle += room.idle;
        self.active += room.active;
        self.waiting += room.waiting;
        self.prequeued += room.prequeued;
        self.placed += room.placed;
    }
}

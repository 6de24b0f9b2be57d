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
    pub active: u64,
    pub waiting: u64,
}

//! Records the projector appends because of another record (the saga's
//! next steps) get ids derived from their cause, so re-running the
//! projector over the same input appends byte-identical records that
//! readers recognise as duplicates.

use uuid::Uuid;

/// Fixed so ids stay stable across builds; random so they cannot collide
/// with anyone else's v5 ids.
const FOLLOW_UP_NAMESPACE: Uuid = Uuid::from_u128(0x6f1d_2c3b_8a4e_4f57_9b0c_1d2e_3f4a_5b6c);

/// Step name for copying an accepted schedule into its reservations
/// partition (`SeatInventoryOpened`).
pub const OPEN_INVENTORY_STEP: &str = "catalog.open-inventory";

/// The id of the follow-up `step` caused by the record `causation_id`.
pub fn follow_up_event_id(causation_id: Uuid, step: &str) -> Uuid {
    let mut name = Vec::with_capacity(16 + 1 + step.len());
    name.extend_from_slice(causation_id.as_bytes());
    name.push(b'/');
    name.extend_from_slice(step.as_bytes());
    Uuid::new_v5(&FOLLOW_UP_NAMESPACE, &name)
}

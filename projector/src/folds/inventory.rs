//! Deciding an inventory command against a schedule's seats, and folding
//! what was decided into the partition state and the seat rows. Holds,
//! releases (`reservations`) and the seat side of payments (`payments`)
//! all go through here.

use domain::inventory::{InventoryCommand, InventoryEvent, SeatInventory};
use domain::{Decider, DomainError, ScheduleId};

use super::context::Context;
use super::seat_rows::SeatRows;
use super::state::PartitionState;

/// Folds decided events into the inventory and the read rows.
pub(super) fn apply(
    ctx: &mut Context<'_>,
    state: &mut PartitionState,
    schedule_id: ScheduleId,
    events: &[InventoryEvent],
) {
    let at = ctx.at();
    let inventory = state.inventories.entry(schedule_id).or_default();
    for event in events {
        *inventory = std::mem::take(inventory).evolve(event);
        SeatRows {
            changes: ctx.changes(),
            inventory,
            requests: &state.payments,
            schedule_id,
            at,
        }
        .record(event);
    }
}

pub(super) fn decide(
    state: &mut PartitionState,
    schedule_id: ScheduleId,
    command: InventoryCommand,
) -> Result<Vec<InventoryEvent>, DomainError> {
    SeatInventory::decide(command, state.inventories.entry(schedule_id).or_default())
}

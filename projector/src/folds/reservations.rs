//! `concert.reservations.v1`, decided by `domain::inventory` per schedule:
//! opening a schedule's inventory, holds and releases (the seat side of
//! payments is in `payments`). Seat conflicts are settled here, by the order
//! of records in the schedule's partition.

use domain::inventory::InventoryCommand;
use domain::{DomainError, ScheduleId};
use infra::decision::CommandType;
use read_model::{Accepted, HoldPlaced, HoldReleased, ReservationStatus, ReservationView};

use super::context::Context;
use super::inventory::{apply, decide};
use super::payments;
use super::seat_rows::rejected_hold;
use super::state::PartitionState;

pub(super) fn fold(
    ctx: &mut Context<'_>,
    state: &mut PartitionState,
    schedule_id: ScheduleId,
    command: InventoryCommand,
) {
    match command {
        InventoryCommand::OpenInventory { .. } => open(ctx, state, schedule_id, command),
        InventoryCommand::PlaceHold { .. } => hold(ctx, state, schedule_id, command),
        InventoryCommand::ReleaseHold { .. } => release(ctx, state, schedule_id, command),
        InventoryCommand::RequestPayment { .. } => {
            payments::request(ctx, state, schedule_id, command)
        }
        InventoryCommand::SettlePayment { .. } => {
            payments::settle(ctx, state, schedule_id, command)
        }
    }
}

fn open(
    ctx: &mut Context<'_>,
    state: &mut PartitionState,
    schedule_id: ScheduleId,
    command: InventoryCommand,
) {
    match decide(state, schedule_id, command) {
        Ok(events) => apply(ctx, state, schedule_id, &events),
        Err(error) => {
            tracing::error!(%schedule_id, %error, "the schedule's inventory cannot be opened")
        }
    }
}

fn hold(
    ctx: &mut Context<'_>,
    state: &mut PartitionState,
    schedule_id: ScheduleId,
    command: InventoryCommand,
) {
    let InventoryCommand::PlaceHold {
        reservation_id,
        user_id,
        seat,
        at,
        expires_at,
        ..
    } = command
    else {
        return;
    };
    let asked = ctx.asked(CommandType::Hold, Some(user_id.as_uuid()));
    match decide(state, schedule_id, command) {
        Ok(events) => {
            apply(ctx, state, schedule_id, &events);
            let held = state
                .inventories
                .get(&schedule_id)
                .and_then(|inventory| inventory.reservation(reservation_id));
            let Some(r) = held else { return };
            ctx.answer(asked.accepted(Accepted::Held(HoldPlaced(ReservationView {
                reservation_id: reservation_id.as_uuid(),
                schedule_id: schedule_id.as_uuid(),
                seat_number: i64::from(r.seat.get()),
                status: ReservationStatus::Held,
                price: Some(r.price.krw()),
                expires_at: r.expires_at,
            }))));
        }
        Err(error) => {
            // An id reused for another hold is a bug; the original row stays.
            if !matches!(error, DomainError::IdReused(_)) {
                let row = rejected_hold(
                    schedule_id,
                    user_id.as_uuid(),
                    seat,
                    at,
                    expires_at,
                    error.code().as_str(),
                    ctx.at(),
                );
                ctx.changes()
                    .reservations
                    .insert(reservation_id.as_uuid(), row);
            }
            ctx.answer(asked.refused(&error));
        }
    }
}

fn release(
    ctx: &mut Context<'_>,
    state: &mut PartitionState,
    schedule_id: ScheduleId,
    command: InventoryCommand,
) {
    let InventoryCommand::ReleaseHold {
        reservation_id,
        user_id,
        ..
    } = command
    else {
        return;
    };
    let asked = ctx.asked(CommandType::Release, Some(user_id.as_uuid()));
    match decide(state, schedule_id, command) {
        Ok(events) => {
            apply(ctx, state, schedule_id, &events);
            ctx.answer(asked.accepted(Accepted::Released(HoldReleased {
                reservation_id: reservation_id.as_uuid(),
                status: ReservationStatus::Released,
            })));
        }
        Err(error) => ctx.answer(asked.refused(&error)),
    }
}

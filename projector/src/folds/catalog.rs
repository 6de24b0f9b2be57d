//! `concert.catalog.v1`, decided by `domain::catalog`: concerts and their
//! schedules. An accepted schedule is copied into its own reservations
//! partition (`SeatInventoryOpened`), where its seats are sold.

use domain::catalog::{Catalog, CatalogCommand, CatalogEvent};
use domain::{ConcertId, Decider, SeatPlan};
use infra::decision::CommandType;
use read_model::{Accepted, ConcertRegistered, ScheduleAdded};
use schemas::{v1, LogEvent, OPEN_INVENTORY_STEP};

use super::context::Context;
use super::state::PartitionState;
use crate::changes::{ConcertRow, ScheduleRow};

pub(super) fn fold(
    ctx: &mut Context<'_>,
    state: &mut PartitionState,
    concert_id: ConcertId,
    command: CatalogCommand,
) {
    let (command_type, body) = match &command {
        CatalogCommand::RegisterConcert { concert_id, .. } => (
            CommandType::RegisterConcert,
            Accepted::ConcertRegistered(ConcertRegistered {
                concert_id: concert_id.as_uuid(),
            }),
        ),
        CatalogCommand::AddSchedule { schedule_id, .. } => (
            CommandType::AddSchedule,
            Accepted::ScheduleAdded(ScheduleAdded {
                schedule_id: schedule_id.as_uuid(),
            }),
        ),
    };
    let asked = ctx.asked(command_type, None);
    let catalog = state.catalogs.entry(concert_id).or_default();
    match Catalog::decide(command, catalog) {
        Ok(events) => {
            for event in &events {
                record(ctx, event);
                *catalog = std::mem::take(catalog).evolve(event);
            }
            ctx.answer(asked.accepted(body));
        }
        Err(error) => ctx.answer(asked.refused(&error)),
    }
}

fn record(ctx: &mut Context<'_>, event: &CatalogEvent) {
    let at = ctx.at();
    match event {
        CatalogEvent::ConcertRegistered {
            concert_id,
            title,
            venue,
        } => {
            ctx.changes().concerts.insert(
                concert_id.as_uuid(),
                ConcertRow {
                    title: title.as_str().to_owned(),
                    venue: venue.as_str().to_owned(),
                    registered_at: at,
                },
            );
        }
        CatalogEvent::ScheduleAdded {
            concert_id,
            schedule_id,
            window,
            seats,
        } => {
            let changes = ctx.changes();
            changes.schedules.insert(
                schedule_id.as_uuid(),
                ScheduleRow {
                    concert_id: concert_id.as_uuid(),
                    starts_at: window.starts_at(),
                    booking_opens_at: window.opens_at(),
                    total_seats: i32::try_from(seats.len()).unwrap_or(i32::MAX),
                },
            );
            changes
                .seat_plans
                .insert(schedule_id.as_uuid(), plan_rows(seats));
            let event = ctx.event;
            if let LogEvent::ScheduleAdded(added) = event {
                ctx.follow_up(
                    v1::SeatInventoryOpened::from(added).into(),
                    OPEN_INVENTORY_STEP,
                    true,
                );
            }
        }
    }
}

/// `(seat_number, price)` for every seat of a plan.
pub(super) fn plan_rows(seats: &SeatPlan) -> Vec<(i32, i64)> {
    seats
        .seats()
        .iter()
        .map(|s| (seat_number(s.number), s.price.krw()))
        .collect()
}

pub(super) fn seat_number(number: domain::SeatNumber) -> i32 {
    // At most SeatNumber::MAX (100,000).
    i32::try_from(number.get()).unwrap_or(i32::MAX)
}

/// Postgres text cannot hold NUL; such a record could never be written, so
/// it is refused like any other invalid value instead of stalling the fold.
pub(super) fn storable(event: &LogEvent) -> Result<(), String> {
    let texts: &[(&str, &str)] = match event {
        LogEvent::ConcertRegistered(e) => &[("title", &e.title), ("venue", &e.venue)],
        _ => &[],
    };
    match texts.iter().find(|(_, text)| text.contains('\0')) {
        Some((field, _)) => Err(format!(
            "{}.{field} contains a NUL character",
            event.event_type()
        )),
        None => Ok(()),
    }
}

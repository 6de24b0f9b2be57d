use domain::catalog::{Catalog, CatalogCommand, CatalogEvent};
use domain::testing::given;
use domain::*;

use crate::fixtures::*;

fn title() -> Title {
    Title::try_from("Aurora Live in Seoul").unwrap()
}
fn venue() -> Venue {
    Venue::try_from("KSPO Dome").unwrap()
}
fn registered() -> CatalogEvent {
    CatalogEvent::ConcertRegistered {
        concert_id: concert(1),
        title: title(),
        venue: venue(),
    }
}
fn register() -> CatalogCommand {
    CatalogCommand::RegisterConcert {
        concert_id: concert(1),
        title: title(),
        venue: venue(),
    }
}
fn add_schedule(n: u128) -> CatalogCommand {
    CatalogCommand::AddSchedule {
        concert_id: concert(1),
        schedule_id: schedule(n),
        window: window(),
        seats: plan(&[(1, 10_000)]),
    }
}
fn schedule_added(n: u128) -> CatalogEvent {
    CatalogEvent::ScheduleAdded {
        concert_id: concert(1),
        schedule_id: schedule(n),
        window: window(),
        seats: plan(&[(1, 10_000)]),
    }
}

#[test]
fn registering_a_concert() {
    let state = given::<Catalog>([]).when(register()).then([registered()]);
    assert_eq!(state.concert().unwrap().title, title());
}

#[test]
fn registering_the_same_concert_again_changes_nothing() {
    given::<Catalog>([registered()])
        .when(register())
        .then_nothing();
}

#[test]
fn reusing_a_concert_id_for_another_concert_is_refused() {
    given::<Catalog>([registered()])
        .when(CatalogCommand::RegisterConcert {
            concert_id: concert(1),
            title: title(),
            venue: Venue::try_from("Elsewhere").unwrap(),
        })
        .then_error(DomainError::IdReused(Entity::Concert));
}

#[test]
fn adding_a_schedule_to_an_unknown_concert_is_not_found() {
    given::<Catalog>([])
        .when(add_schedule(1))
        .then_error(DomainError::NotFound(Entity::Concert));
}

#[test]
fn adding_a_schedule() {
    let state = given::<Catalog>([registered()])
        .when(add_schedule(1))
        .then([schedule_added(1)]);
    assert!(state
        .concert()
        .unwrap()
        .schedules
        .contains_key(&schedule(1)));
}

#[test]
fn adding_the_same_schedule_again_changes_nothing() {
    given::<Catalog>([registered(), schedule_added(1)])
        .when(add_schedule(1))
        .then_nothing();
}

#[test]
fn reusing_a_schedule_id_for_other_seats_is_refused() {
    given::<Catalog>([registered(), schedule_added(1)])
        .when(CatalogCommand::AddSchedule {
            concert_id: concert(1),
            schedule_id: schedule(1),
            window: window(),
            seats: plan(&[(1, 1)]),
        })
        .then_error(DomainError::IdReused(Entity::Schedule));
}

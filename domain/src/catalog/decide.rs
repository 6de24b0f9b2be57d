//! Ids are minted by the system, so a command whose id is already taken is
//! either a redelivery of the same request (answered with no new events, so
//! the caller reads the original outcome) or a bug (refused as `IdReused`
//! rather than silently merged).

use super::{Catalog, CatalogCommand, CatalogEvent};
use crate::{Decider, DomainError, Entity};

impl Decider for Catalog {
    type Command = CatalogCommand;
    type Event = CatalogEvent;

    fn decide(command: CatalogCommand, state: &Catalog) -> Result<Vec<CatalogEvent>, DomainError> {
        match command {
            CatalogCommand::RegisterConcert {
                concert_id,
                title,
                venue,
            } => {
                if let Some(existing) = state.concert() {
                    let same = existing.id == concert_id
                        && existing.title == title
                        && existing.venue == venue;
                    return if same {
                        Ok(vec![])
                    } else {
                        Err(DomainError::IdReused(Entity::Concert))
                    };
                }
                Ok(vec![CatalogEvent::ConcertRegistered {
                    concert_id,
                    title,
                    venue,
                }])
            }
            CatalogCommand::AddSchedule {
                concert_id,
                schedule_id,
                window,
                seats,
            } => {
                let concert = state
                    .concert()
                    .filter(|c| c.id == concert_id)
                    .ok_or(DomainError::NotFound(Entity::Concert))?;
                if let Some(existing) = concert.schedules.get(&schedule_id) {
                    let same = existing.window == window && existing.seats == seats;
                    return if same {
                        Ok(vec![])
                    } else {
                        Err(DomainError::IdReused(Entity::Schedule))
                    };
                }
                Ok(vec![CatalogEvent::ScheduleAdded {
                    concert_id,
                    schedule_id,
                    window,
                    seats,
                }])
            }
        }
    }

    fn evolve(self, event: &CatalogEvent) -> Self {
        self.evolved(event)
    }
}

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::CatalogEvent;
use crate::{BookingWindow, ConcertId, ScheduleId, SeatPlan, Title, Venue};

/// One concert partition. Empty until the concert is registered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    concert: Option<Concert>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concert {
    pub id: ConcertId,
    pub title: Title,
    pub venue: Venue,
    pub schedules: BTreeMap<ScheduleId, Schedule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub id: ScheduleId,
    pub window: BookingWindow,
    pub seats: SeatPlan,
}

impl Catalog {
    pub fn concert(&self) -> Option<&Concert> {
        self.concert.as_ref()
    }

    pub(super) fn evolved(mut self, event: &CatalogEvent) -> Self {
        match event {
            CatalogEvent::ConcertRegistered {
                concert_id,
                title,
                venue,
            } => {
                self.concert = Some(Concert {
                    id: *concert_id,
                    title: title.clone(),
                    venue: venue.clone(),
                    schedules: BTreeMap::new(),
                });
            }
            CatalogEvent::ScheduleAdded {
                schedule_id,
                window,
                seats,
                ..
            } => {
                if let Some(concert) = self.concert.as_mut() {
                    concert.schedules.insert(
                        *schedule_id,
                        Schedule {
                            id: *schedule_id,
                            window: *window,
                            seats: seats.clone(),
                        },
                    );
                }
            }
        }
        self
    }
}

use crate::{BookingWindow, ConcertId, ScheduleId, SeatPlan, Title, Venue};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogCommand {
    RegisterConcert {
        concert_id: ConcertId,
        title: Title,
        venue: Venue,
    },
    AddSchedule {
        concert_id: ConcertId,
        schedule_id: ScheduleId,
        window: BookingWindow,
        seats: SeatPlan,
    },
}

//! Rooms: the global waiting room (every schedule), or one per schedule's
//! booking window, so a fan of a small concert never waits behind a
//! stadium's fans. A token names its room; a room token admits to that
//! schedule's seat map, holds and payments only.

use std::fmt;

use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Room {
    /// `POST /v1/queue/tokens` without a body: today's room, valid for
    /// every schedule.
    Global,
    /// `POST /v1/queue/tokens {"schedule_id"}`.
    Schedule(Uuid),
}

impl Room {
    /// The nil UUID stands for the global room in tokens and registries.
    pub fn from_uuid(id: Uuid) -> Self {
        if id.is_nil() {
            Self::Global
        } else {
            Self::Schedule(id)
        }
    }

    pub fn as_uuid(self) -> Uuid {
        match self {
            Self::Global => Uuid::nil(),
            Self::Schedule(id) => id,
        }
    }

    /// Whether a token of this room may act on `schedule_id`.
    pub fn admits_to(self, schedule_id: Uuid) -> bool {
        match self {
            Self::Global => true,
            Self::Schedule(id) => id == schedule_id,
        }
    }

    /// `global` or the schedule id: how operators name a room.
    pub fn parse(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("global") {
            return Some(Self::Global);
        }
        Uuid::parse_str(name).ok().map(Self::from_uuid)
    }
}

impl fmt::Display for Room {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Global => f.write_str("global"),
            Self::Schedule(id) => write!(f, "{id}"),
        }
    }
}

/// A join: the room, and when its booking opens (schedule rooms; fans who
/// join before then are placed in a random order at the opening).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub room: Room,
    pub opens_at: Option<DateTime<Utc>>,
}

impl Entry {
    pub fn global() -> Self {
        Self {
            room: Room::Global,
            opens_at: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_token_admits_to_its_schedule_only_and_the_global_one_to_all() {
        let (mine, other) = (Uuid::new_v4(), Uuid::new_v4());
        assert!(Room::Schedule(mine).admits_to(mine));
        assert!(!Room::Schedule(mine).admits_to(other));
        assert!(Room::Global.admits_to(other));
    }

    #[test]
    fn rooms_round_trip_through_their_names_and_uuids() {
        let id = Uuid::new_v4();
        assert_eq!(Room::parse("global"), Some(Room::Global));
        assert_eq!(Room::parse(&id.to_string()), Some(Room::Schedule(id)));
        assert_eq!(Room::parse("nonsense"), None);
        assert_eq!(Room::from_uuid(Uuid::nil()), Room::Global);
        assert_eq!(Room::from_uuid(id).as_uuid(), id);
        assert_eq!(Room::Schedule(id).to_string(), id.to_string());
    }
}

//! Where the queue lives in Redis. Everything sits under `<prefix>queue:`.
//! Each room has the keys below under its base: the global room's base is
//! `<prefix>queue:` itself (so a stack that ran before rooms keeps its
//! line), a schedule's room `<prefix>queue:room:<schedule_id>:`.
//!
//! | key (under a room's base) | type | holds |
//! |---|---|---|
//! | `seq` | string | arrival counter; a join's number is its place in line |
//! | `line` | zset | waiting users: member user id, score arrival number |
//! | `seen` | zset | waiting users (placed or pre-queued): member user id, score last poll (ms), moved ahead for a fan told to poll later than a third of the grace (`stretch`) |
//! | `prequeue` | set | users who joined before booking opened, not yet placed |
//! | `meta` | hash | `opens_at` (ms), and once placed `opened_at`, `seed`, `shuffled` |
//! | `limits` | hash | operator settings: `paused`, `rate`, `active_max`, `challenge_bits` |
//! | `active` | zset | admitted users: member user id, score lapse time (ms) |
//! | `active_seen` | zset | admitted users: member user id, score last guarded request (ms), or a live hold's expiry |
//! | `user:<user_id>` | string | the user's current token id in this room |
//! | `token:<token_id>` | hash | `user` (owner), `iat`, `seq`, and once decided `admitted`, `lapse` |
//! | `admissions` | zset | member arrival number, score admission time (ms): the measured rate |
//! | `bucket` | hash | the room's admission token bucket: `tokens`, `ts` |
//!
//! | key (under `<prefix>queue:`) | type | holds |
//! |---|---|---|
//! | `lease` | string | owner id of the admitter allowed to admit, with a PX expiry |
//! | `rooms` | zset | schedule rooms: member schedule id, score last join (ms) |
//! | `ceiling` | hash | the global token bucket every room's admissions come out of |
//! | `signal:<second>` | hash | the booking signal filed in that second (Redis clock): `reports`, `in_flight`, latency counts `b0`..`bN` |
//! | `control` | hash | the admission controller's last step: `rate`, `p95_ms`, `in_flight`, `samples`, `verdict` |
//! | `controls` | list | operator actions, newest first (JSON: action, room, by, at) |
//!
//! Per-user and per-token keys are derived inside most scripts from `base`;
//! the ACTIVE check is given them as keys, as Redis prefers.
//! On Redis Cluster put a hash tag in the prefix (e.g. `{tf}:`) so every key
//! of the queue lands in one slot, as the scripts need.

use infra::redis::KeySpace;
use uuid::Uuid;

use super::room::Room;

#[derive(Debug, Clone)]
pub(crate) struct QueueKeys {
    /// `<prefix>queue:`
    pub root: String,
    pub lease: String,
    pub rooms: String,
    pub ceiling: String,
    pub controls: String,
}

/// One room's keys.
#[derive(Debug, Clone)]
pub(crate) struct RoomKeys {
    pub base: String,
    pub seq: String,
    pub line: String,
    pub seen: String,
    pub prequeue: String,
    pub meta: String,
    pub limits: String,
    pub active: String,
    pub active_seen: String,
    pub admissions: String,
    pub bucket: String,
}

impl QueueKeys {
    pub fn new(space: &KeySpace) -> Self {
        let root = space.key(&["queue", ""]);
        let key = |name: &str| format!("{root}{name}");
        Self {
            lease: key("lease"),
            rooms: key("rooms"),
            ceiling: key("ceiling"),
            controls: key("controls"),
            root,
        }
    }

    /// Any other key under the root, e.g. `control`.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.root)
    }

    pub fn room(&self, room: Room) -> RoomKeys {
        let base = match room {
            Room::Global => self.root.clone(),
            Room::Schedule(id) => format!("{}room:{id}:", self.root),
        };
        let key = |name: &str| format!("{base}{name}");
        RoomKeys {
            seq: key("seq"),
            line: key("line"),
            seen: key("seen"),
            prequeue: key("prequeue"),
            meta: key("meta"),
            limits: key("limits"),
            active: key("active"),
            active_seen: key("active_seen"),
            admissions: key("admissions"),
            bucket: key("bucket"),
            base,
        }
    }
}

impl RoomKeys {
    /// `user:<user_id>`, for the scripts that are given it rather than `base`.
    pub fn user(&self, user_id: Uuid) -> String {
        format!("{}user:{user_id}", self.base)
    }

    /// `token:<token_id>`, likewise.
    pub fn token(&self, token_id: Uuid) -> String {
        format!("{}token:{token_id}", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_sits_under_the_prefix_and_rooms_apart() {
        let keys = QueueKeys::new(&KeySpace::new("t42:"));
        assert_eq!(keys.root, "t42:queue:");
        let global = keys.room(Room::Global);
        assert_eq!(
            global.line, "t42:queue:line",
            "the global room keeps the old keys"
        );
        let id = Uuid::nil();
        assert_eq!(global.user(id), format!("t42:queue:user:{id}"));
        assert_eq!(global.token(id), format!("t42:queue:token:{id}"));
        let schedule = Uuid::new_v4();
        let room = keys.room(Room::Schedule(schedule));
        for key in [
            &room.seq,
            &room.line,
            &room.seen,
            &room.prequeue,
            &room.meta,
            &room.limits,
            &room.active,
            &room.active_seen,
            &room.admissions,
            &room.bucket,
        ] {
            assert!(
                key.starts_with(&format!("t42:queue:room:{schedule}:")),
                "{key}"
            );
        }
        for key in [&keys.lease, &keys.rooms, &keys.ceiling, &keys.controls] {
            assert!(key.starts_with("t42:queue:"), "{key}");
        }
    }
}

//! Where the read model lives in Redis. Everything sits under `<prefix>rm:`:
//!
//! | key | holds |
//! |---|---|
//! | `concerts` | `GET /v1/concerts` |
//! | `concert:<concert_id>:schedules` | `GET /v1/concerts/{id}/schedules` (or "no such concert") |
//! | `schedule:<schedule_id>:seats` | `GET /v1/schedules/{id}/seats` (or "no such schedule") |
//! | `balance:<user_id>` | `GET /v1/balance` |
//! | `reservation:<reservation_id>` | `GET /v1/reservations/{id}`, with its owner |
//! | `payment:<payment_id>` | `GET /v1/payments/{id}`, with its owner |
//! | `charge:<user_id>:<charge_id>` | `GET /v1/balance/charges/{id}` |
//! | `lease:<key>` | the one loader allowed to fill `<key>` from Postgres (PX) |
//! | `warm:<schedule_id>` | set once the warmer has loaded a schedule for its booking window |
//!
//! Every value is an [`Entry`](super::entry::Entry): the ready-to-serve JSON
//! body plus what the reader needs to finish it without another round
//! trip (lapsed holds, freshness, owner). Under `reservation:`, `payment:`
//! and `charge:` it may be a pending entry command-api wrote for a command
//! answered `202` (see `pending`) until the projector's entry replaces it.

use uuid::Uuid;

use super::kind::Kind;
use infra::redis::KeySpace;

/// The key of one read-model entry, with its kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntryKey {
    pub kind: Kind,
    pub key: String,
}

#[derive(Debug, Clone)]
pub struct ReadKeys {
    base: String,
}

impl ReadKeys {
    pub fn new(keys: &KeySpace) -> Self {
        Self {
            base: keys.key(&["rm", ""]),
        }
    }

    fn entry(&self, kind: Kind, rest: &str) -> EntryKey {
        EntryKey {
            kind,
            key: format!("{}{rest}", self.base),
        }
    }

    pub fn concerts(&self) -> EntryKey {
        self.entry(Kind::Concerts, "concerts")
    }

    pub fn schedules(&self, concert_id: Uuid) -> EntryKey {
        self.entry(Kind::Schedules, &format!("concert:{concert_id}:schedules"))
    }

    pub fn seats(&self, schedule_id: Uuid) -> EntryKey {
        self.entry(Kind::Seats, &format!("schedule:{schedule_id}:seats"))
    }

    pub fn balance(&self, user_id: Uuid) -> EntryKey {
        self.entry(Kind::Balance, &format!("balance:{user_id}"))
    }

    pub fn reservation(&self, reservation_id: Uuid) -> EntryKey {
        self.entry(Kind::Reservation, &format!("reservation:{reservation_id}"))
    }

    pub fn payment(&self, payment_id: Uuid) -> EntryKey {
        self.entry(Kind::Payment, &format!("payment:{payment_id}"))
    }

    /// Keyed by owner too: the wallet's rows are found by user first.
    pub fn charge(&self, user_id: Uuid, charge_id: Uuid) -> EntryKey {
        self.entry(Kind::Charge, &format!("charge:{user_id}:{charge_id}"))
    }

    /// The fill lease of `entry`.
    pub fn lease(&self, entry: &EntryKey) -> String {
        let rest = entry.key.strip_prefix(&self.base).unwrap_or(&entry.key);
        format!("{}lease:{rest}", self.base)
    }

    pub fn warm(&self, schedule_id: Uuid) -> String {
        format!("{}warm:{schedule_id}", self.base)
    }

    /// A SCAN pattern matching every read-model key, and nothing else.
    pub fn pattern(&self) -> String {
        let mut pattern = String::with_capacity(self.base.len() + 1);
        for c in self.base.chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('*');
        pattern
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sit_under_the_prefix() {
        let keys = ReadKeys::new(&KeySpace::new("t1:"));
        let id = Uuid::nil();
        assert_eq!(keys.concerts().key, "t1:rm:concerts");
        assert_eq!(keys.seats(id).key, format!("t1:rm:schedule:{id}:seats"));
        assert_eq!(
            keys.lease(&keys.seats(id)),
            format!("t1:rm:lease:schedule:{id}:seats")
        );
        assert_eq!(keys.charge(id, id).kind, Kind::Charge);
        assert_eq!(keys.pattern(), "t1:rm:*");
        assert_eq!(
            ReadKeys::new(&KeySpace::new("{t*}:")).pattern(),
            "{t\\*}:rm:*"
        );
    }
}

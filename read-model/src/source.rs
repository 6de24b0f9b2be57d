//! Each entry the query API reads: its kind, its key and how to load it.

use sqlx::PgPool;
use uuid::Uuid;

use super::entry::View;
use super::keys::{EntryKey, ReadKeys};
use super::kind::Kind;
use super::load::{self, Window};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Concerts,
    /// A concert's schedules.
    Schedules(Uuid),
    /// A schedule's seat map.
    Seats(Uuid),
    /// A user's balance.
    Balance(Uuid),
    Reservation(Uuid),
    Payment(Uuid),
    /// `(user, charge)`.
    Charge(Uuid, Uuid),
}

impl Source {
    pub fn kind(self) -> Kind {
        match self {
            Source::Concerts => Kind::Concerts,
            Source::Schedules(_) => Kind::Schedules,
            Source::Seats(_) => Kind::Seats,
            Source::Balance(_) => Kind::Balance,
            Source::Reservation(_) => Kind::Reservation,
            Source::Payment(_) => Kind::Payment,
            Source::Charge(..) => Kind::Charge,
        }
    }

    pub fn key(self, keys: &ReadKeys) -> EntryKey {
        match self {
            Source::Concerts => keys.concerts(),
            Source::Schedules(id) => keys.schedules(id),
            Source::Seats(id) => keys.seats(id),
            Source::Balance(id) => keys.balance(id),
            Source::Reservation(id) => keys.reservation(id),
            Source::Payment(id) => keys.payment(id),
            Source::Charge(user, id) => keys.charge(user, id),
        }
    }

    pub async fn load(self, pool: &PgPool, window: &Window) -> Result<View, sqlx::Error> {
        match self {
            Source::Concerts => load::concerts(pool, window).await,
            Source::Schedules(id) => load::schedules(pool, id, window).await,
            Source::Seats(id) => load::seat_map(pool, id, window).await,
            Source::Balance(id) => load::balance(pool, id).await,
            Source::Reservation(id) => load::reservation(pool, id).await,
            Source::Payment(id) => load::payment(pool, id).await,
            Source::Charge(user, id) => load::charge(pool, user, id).await,
        }
    }

    /// Whether a committed batch still owes Redis this entry: asked of the
    /// kinds a caller polls after a `202`, false for the rest.
    pub async fn owed(self, pool: &PgPool) -> Result<bool, sqlx::Error> {
        match self {
            Source::Reservation(id) => load::owed_reservation(pool, id).await,
            Source::Payment(id) => load::owed_payment(pool, id).await,
            Source::Charge(user, id) => load::owed_charge(pool, user, id).await,
            Source::Concerts | Source::Schedules(_) | Source::Seats(_) | Source::Balance(_) => {
                Ok(false)
            }
        }
    }
}

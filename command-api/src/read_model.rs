//! What the command side reads from the projector's read tables before
//! appending: whose a reservation is and on which schedule (its partition).

use std::collections::HashMap;
use std::sync::Mutex;

use domain::{ReservationId, ScheduleId, UserId};
use sqlx::PgPool;
use uuid::Uuid;

use crate::error::ApiError;

/// Holds remembered at most; past this the memory starts again empty (the
/// next payments ask Postgres), so it stays bounded however many fans an
/// instance serves. A hold lasts minutes: the newest ones are the ones paid.
const REMEMBERED: usize = 100_000;

/// A reservation as the `reservations` read table knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownReservation {
    pub schedule_id: ScheduleId,
    pub user_id: UserId,
}

impl KnownReservation {
    /// The reservation of `reservation_id`: 404 when no hold of that id was
    /// ever decided, 403 when it is someone else's.
    pub async fn owned_by(
        pool: &PgPool,
        reservation_id: ReservationId,
        user: UserId,
    ) -> Result<KnownReservation, ApiError> {
        let row: Option<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT schedule_id, user_id FROM reservations WHERE reservation_id = $1",
        )
        .bind(reservation_id.as_uuid())
        .fetch_optional(pool)
        .await
        .map_err(ApiError::database)?;
        let (schedule_id, user_id) = row.ok_or(ApiError::NotFound("reservation"))?;
        let known = KnownReservation {
            schedule_id: ScheduleId::try_from(schedule_id)
                .map_err(|e| ApiError::Internal(e.into()))?,
            user_id: UserId::try_from(user_id).map_err(|e| ApiError::Internal(e.into()))?,
        };
        known.owned_by_caller(user)
    }

    fn owned_by_caller(self, user: UserId) -> Result<KnownReservation, ApiError> {
        if self.user_id != user {
            return Err(ApiError::Forbidden);
        }
        Ok(self)
    }
}

/// The holds this instance answered `201` (HELD), so that their payment
/// (or release) need not ask Postgres whose they are: a hold's schedule and
/// fan are fixed by its command and never change, and a `201` is sent only
/// once its row is committed, so the answer remembered is the one the table
/// would give. That takes a round trip to Postgres off a payment's path
/// before its append. A hold answered by another instance, or forgotten,
/// is asked of the table as before.
#[derive(Default)]
pub struct HeldReservations {
    known: Mutex<HashMap<ReservationId, KnownReservation>>,
}

impl HeldReservations {
    /// Remembers a hold answered `201`.
    pub fn held(&self, reservation_id: ReservationId, known: KnownReservation) {
        let mut remembered = self.known.lock().unwrap_or_else(|e| e.into_inner());
        if remembered.len() >= REMEMBERED {
            remembered.clear();
        }
        remembered.insert(reservation_id, known);
    }

    #[cfg(test)]
    pub fn remembers(&self, reservation_id: ReservationId) -> bool {
        self.known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&reservation_id)
    }

    /// As `KnownReservation::owned_by`, from memory when this instance
    /// answered the hold.
    pub async fn owned_by(
        &self,
        pool: &PgPool,
        reservation_id: ReservationId,
        user: UserId,
    ) -> Result<KnownReservation, ApiError> {
        let remembered = self
            .known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&reservation_id)
            .copied();
        match remembered {
            Some(known) => known.owned_by_caller(user),
            None => KnownReservation::owned_by(pool, reservation_id, user).await,
        }
    }
}

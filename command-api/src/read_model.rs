//! What the command side reads from the projector's read tables before
//! appending: whose a reservation is and on which schedule (its partition).

use domain::{ReservationId, ScheduleId, UserId};
use sqlx::PgPool;
use uuid::Uuid;

use crate::error::ApiError;

/// A reservation as the `reservations` read table knows it.
#[derive(Debug, Clone, Copy)]
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
        if known.user_id != user {
            return Err(ApiError::Forbidden);
        }
        Ok(known)
    }
}

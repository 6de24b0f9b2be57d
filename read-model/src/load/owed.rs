//! Whether a committed batch still owes Redis an entry.
//!
//! The projector announces a decision only once what it promises is
//! readable (`projector_owed_entries`, paid after the commit). A reader that
//! goes to Postgres for a caller's own reservation, payment or charge behind
//! its pending entry could otherwise find the decision committed before its
//! debt is paid and tell the caller "held" or "charged" while the seat map
//! or the balance still reads the old figure. Such a decision reads as not
//! decided yet, as its announcement does. Only the kinds a caller polls
//! after a `202` are asked (`Source::owed`).

use sqlx::PgPool;
use uuid::Uuid;

/// True when an unpaid batch names the reservation.
pub async fn owed_reservation(pool: &PgPool, id: Uuid) -> Result<bool, sqlx::Error> {
    named(pool, "reservations", id).await
}

/// True when an unpaid batch names the payment.
pub async fn owed_payment(pool: &PgPool, id: Uuid) -> Result<bool, sqlx::Error> {
    named(pool, "payments", id).await
}

/// True when an unpaid batch names the user's charge (`Changed` writes a
/// charge as `[user, charge]`).
pub async fn owed_charge(pool: &PgPool, user: Uuid, charge: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM projector_owed_entries \
         WHERE changed -> 'charges' @> jsonb_build_array(jsonb_build_array($1, $2)))",
    )
    .bind(user.to_string())
    .bind(charge.to_string())
    .fetch_one(pool)
    .await
}

/// Whether an unpaid batch names `id` in its `Changed` list `list`.
async fn named(pool: &PgPool, list: &str, id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM projector_owed_entries WHERE changed -> $1 ? $2)",
    )
    .bind(list)
    .bind(id.to_string())
    .fetch_one(pool)
    .await
}

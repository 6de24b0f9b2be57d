//! Whether a committed batch still owes Redis an entry.
//!
//! The projector announces a decision only once what it promises is
//! readable (`projector_owed_entries`, paid after the commit). A reader that
//! goes to Postgres for a caller's own reservation, payment or charge (a
//! miss, or a pending entry) could otherwise find the decision committed
//! before its debt is paid and tell the caller "held" or "charged" while the
//! seat map or the balance still reads the old figure. Such a decision
//! reads as not decided yet, as its announcement does.

use sqlx::PgPool;

use crate::source::Source;

/// True when an unpaid batch names `source`'s entry. Only the kinds a
/// caller polls after a `202` are asked; the rest answer false without a
/// query.
pub async fn owed(pool: &PgPool, source: Source) -> Result<bool, sqlx::Error> {
    let (statement, first, second) = match source {
        Source::Reservation(id) => (
            "SELECT EXISTS (SELECT 1 FROM projector_owed_entries \
             WHERE changed -> 'reservations' ? $1)",
            id,
            None,
        ),
        Source::Payment(id) => (
            "SELECT EXISTS (SELECT 1 FROM projector_owed_entries \
             WHERE changed -> 'payments' ? $1)",
            id,
            None,
        ),
        // `Changed` writes a charge as `[user, charge]`.
        Source::Charge(user, charge) => (
            "SELECT EXISTS (SELECT 1 FROM projector_owed_entries \
             WHERE changed -> 'charges' @> jsonb_build_array(jsonb_build_array($1, $2)))",
            user,
            Some(charge),
        ),
        Source::Concerts | Source::Schedules(_) | Source::Seats(_) | Source::Balance(_) => {
            return Ok(false)
        }
    };
    let mut query = sqlx::query_scalar(statement).bind(first.to_string());
    if let Some(second) = second {
        query = query.bind(second.to_string());
    }
    query.fetch_one(pool).await
}

//! Each table a replay copies, as `COPY` rows: the same columns and values
//! as the table's statement in `flush.rs` binds.

use super::copy::BinaryRows;
use super::Changes;

pub fn reservations(changes: &Changes) -> BinaryRows {
    let mut rows = BinaryRows::new(
        "reservations (reservation_id, schedule_id, user_id, seat_number, price, status,
                       rejection_code, payment_pending, requested_at, expires_at, updated_at)",
    );
    for (id, row) in &changes.reservations {
        rows.row(11)
            .uuid(*id)
            .uuid(row.schedule_id)
            .uuid(row.user_id)
            .int(row.seat_number)
            .optional_bigint(row.price)
            .text(row.status)
            .optional_text(row.rejection_code)
            .boolean(row.payment_pending)
            .timestamptz(row.requested_at)
            .timestamptz(row.expires_at)
            .timestamptz(row.updated_at);
    }
    rows
}

pub fn payments(changes: &Changes) -> BinaryRows {
    let mut rows = BinaryRows::new(
        "payments (payment_id, command_id, reservation_id, schedule_id, user_id, amount,
                   status, failure_code, balance_after, requested_at, updated_at)",
    );
    for (id, row) in &changes.payments {
        rows.row(11)
            .uuid(*id)
            .uuid(row.command_id)
            .uuid(row.reservation_id)
            .uuid(row.schedule_id)
            .uuid(row.user_id)
            .optional_bigint(row.amount)
            .text(row.status)
            .optional_text(row.failure_code)
            .optional_bigint(row.balance_after)
            .timestamptz(row.requested_at)
            .timestamptz(row.updated_at);
    }
    rows
}

pub fn wallets(changes: &Changes) -> BinaryRows {
    let mut rows = BinaryRows::new("wallets (user_id, balance, in_flight, updated_at)");
    for (user, row) in &changes.wallets {
        rows.row(4)
            .uuid(*user)
            .bigint(row.balance)
            .bigint(row.in_flight)
            .timestamptz(row.updated_at);
    }
    rows
}

pub fn wallet_entries(changes: &Changes) -> BinaryRows {
    let mut rows = BinaryRows::new(
        "wallet_entries (user_id, kind, reference_id, amount, balance_after, event_id, occurred_at)",
    );
    for ((user, kind, reference), row) in &changes.wallet_entries {
        rows.row(7)
            .uuid(*user)
            .text(kind.as_str())
            .uuid(*reference)
            .bigint(row.amount)
            .bigint(row.balance_after)
            .uuid(row.event_id)
            .timestamptz(row.occurred_at);
    }
    rows
}

pub fn outcomes(changes: &Changes) -> BinaryRows {
    let mut rows = BinaryRows::new(
        "command_outcomes (command_id, command_type, user_id, outcome, body, decided_at)",
    );
    for (id, decision) in &changes.outcomes {
        rows.row(6)
            .uuid(*id)
            .text(decision.command_type.as_str())
            .optional_uuid(decision.user_id)
            .text(decision.verdict.as_str())
            .jsonb(&decision.body)
            .timestamptz(decision.decided_at);
    }
    rows
}

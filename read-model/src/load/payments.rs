use sqlx::PgPool;
use uuid::Uuid;

use crate::body::Body;
use crate::entry::View;

type PaymentRow = (Uuid, Uuid, Option<i64>, String, Option<String>, Option<i64>);

/// `{payment_id,reservation_id,status,amount,balance,code}`, for its payer
/// only. A payment still in its saga (REQUESTED) reads PENDING.
pub async fn payment(pool: &PgPool, payment_id: Uuid) -> Result<View, sqlx::Error> {
    let row: Option<PaymentRow> = sqlx::query_as(
        "SELECT user_id, reservation_id, amount, status, failure_code, balance_after
         FROM payments WHERE payment_id = $1",
    )
    .bind(payment_id)
    .fetch_optional(pool)
    .await?;
    let Some((payer, reservation_id, amount, status, code, balance)) = row else {
        return Ok(View::not_found());
    };
    let status = match status.as_str() {
        "REQUESTED" => "PENDING",
        other => other,
    };
    let mut body = Body::with_capacity(200);
    body.raw("{").name("payment_id").uuid(payment_id);
    body.raw(",").name("reservation_id").uuid(reservation_id);
    body.raw(",").name("status").string(status);
    body.raw(",").name("amount").opt_int(amount);
    body.raw(",").name("balance").opt_int(balance);
    body.raw(",")
        .name("code")
        .opt_string(code.as_deref())
        .raw("}");
    Ok(View::found(body.bytes).owned_by(payer))
}

/// A payment in the log that the projector has not taken up yet: `PENDING`
/// as while its saga runs, nothing known beyond its ids.
pub fn pending_payment(payment_id: Uuid, reservation_id: Uuid, payer: Uuid) -> View {
    let mut body = Body::with_capacity(200);
    body.raw("{").name("payment_id").uuid(payment_id);
    body.raw(",").name("reservation_id").uuid(reservation_id);
    body.raw(",").name("status").string("PENDING");
    body.raw(",").name("amount").raw("null");
    body.raw(",").name("balance").raw("null");
    body.raw(",").name("code").raw("null").raw("}");
    View::found(body.bytes).owned_by(payer)
}

use sqlx::PgPool;
use uuid::Uuid;

use super::wire::wire;
use crate::body;
use crate::entry::View;
use crate::views::{PaymentStatus, PaymentView};

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
        "REQUESTED" => PaymentStatus::Pending,
        other => wire("payments.status", other)?,
    };
    let payment = PaymentView {
        payment_id,
        reservation_id,
        status,
        amount,
        balance,
        code,
    };
    Ok(View::found(body::serialize(&payment)).owned_by(payer))
}

/// A payment in the log that the projector has not taken up yet: `PENDING`
/// as while its saga runs, nothing known beyond its ids.
pub fn pending_payment(payment_id: Uuid, reservation_id: Uuid, payer: Uuid) -> View {
    let payment = PaymentView {
        payment_id,
        reservation_id,
        status: PaymentStatus::Pending,
        amount: None,
        balance: None,
        code: None,
    };
    View::found(body::serialize(&payment)).owned_by(payer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_payment_knows_only_its_ids() {
        let view = pending_payment(Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        assert_eq!(
            view.body.unwrap(),
            b"{\"payment_id\":\"00000000-0000-0000-0000-000000000001\",\
              \"reservation_id\":\"00000000-0000-0000-0000-000000000002\",\
              \"status\":\"PENDING\",\"amount\":null,\"balance\":null,\"code\":null}"
        );
        assert_eq!(view.owner, Some(Uuid::from_u128(3)));
    }
}

use sqlx::PgPool;
use uuid::Uuid;

use crate::body::Body;
use crate::entry::View;

/// `{balance}`: 0 for a user never seen.
pub async fn balance(pool: &PgPool, user_id: Uuid) -> Result<View, sqlx::Error> {
    let balance: Option<i64> = sqlx::query_scalar("SELECT balance FROM wallets WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(pool)
        .await?;
    let mut body = Body::with_capacity(24);
    body.raw("{")
        .name("balance")
        .int(balance.unwrap_or(0))
        .raw("}");
    Ok(View::found(body.bytes).owned_by(user_id))
}

/// `{charge_id,status,amount,balance,code}`. An accepted charge is a wallet
/// entry under its charge id. A refused one is only in `command_outcomes`,
/// under its command id, which command-api makes the charge id too.
pub async fn charge(pool: &PgPool, user_id: Uuid, charge_id: Uuid) -> Result<View, sqlx::Error> {
    let row: Option<(Option<i64>, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT amount, balance_after, NULL::text FROM wallet_entries
         WHERE user_id = $1 AND kind = 'CHARGE' AND reference_id = $2
         UNION ALL
         SELECT NULL::bigint, NULL::bigint, outcome
         FROM command_outcomes
         WHERE command_id = $2 AND command_type = 'CHARGE' AND user_id = $1
               AND outcome <> 'ACCEPTED'
         LIMIT 1",
    )
    .bind(user_id)
    .bind(charge_id)
    .fetch_optional(pool)
    .await?;
    let Some((amount, balance, code)) = row else {
        return Ok(View::not_found());
    };
    let mut body = Body::with_capacity(160);
    body.raw("{").name("charge_id").uuid(charge_id);
    body.raw(",").name("status").string(if code.is_some() {
        "REJECTED"
    } else {
        "COMPLETED"
    });
    body.raw(",").name("amount").opt_int(amount);
    body.raw(",").name("balance").opt_int(balance);
    body.raw(",")
        .name("code")
        .opt_string(code.as_deref())
        .raw("}");
    Ok(View::found(body.bytes).owned_by(user_id))
}

/// A charge in the log but not decided yet: `PENDING`, nothing known.
pub fn pending_charge(user_id: Uuid, charge_id: Uuid) -> View {
    let mut body = Body::with_capacity(160);
    body.raw("{").name("charge_id").uuid(charge_id);
    body.raw(",").name("status").string("PENDING");
    body.raw(",").name("amount").raw("null");
    body.raw(",").name("balance").raw("null");
    body.raw(",").name("code").raw("null").raw("}");
    View::found(body.bytes).owned_by(user_id)
}

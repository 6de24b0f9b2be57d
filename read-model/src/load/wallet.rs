use sqlx::PgPool;
use uuid::Uuid;

use crate::body;
use crate::entry::View;
use crate::views::{BalanceView, ChargeStatus, ChargeView};

/// `{balance}`: 0 for a user never seen.
pub async fn balance(pool: &PgPool, user_id: Uuid) -> Result<View, sqlx::Error> {
    let balance: Option<i64> = sqlx::query_scalar("SELECT balance FROM wallets WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(pool)
        .await?;
    let balance = BalanceView {
        balance: balance.unwrap_or(0),
    };
    Ok(View::found(body::serialize(&balance)).owned_by(user_id))
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
    let charge = ChargeView {
        charge_id,
        status: if code.is_some() {
            ChargeStatus::Rejected
        } else {
            ChargeStatus::Completed
        },
        amount,
        balance,
        code,
    };
    Ok(View::found(body::serialize(&charge)).owned_by(user_id))
}

/// A charge in the log but not decided yet: `PENDING`, nothing known.
pub fn pending_charge(user_id: Uuid, charge_id: Uuid) -> View {
    let charge = ChargeView {
        charge_id,
        status: ChargeStatus::Pending,
        amount: None,
        balance: None,
        code: None,
    };
    View::found(body::serialize(&charge)).owned_by(user_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_charge_knows_only_its_id() {
        let view = pending_charge(Uuid::from_u128(3), Uuid::from_u128(1));
        assert_eq!(
            view.body.unwrap(),
            b"{\"charge_id\":\"00000000-0000-0000-0000-000000000001\",\
              \"status\":\"PENDING\",\"amount\":null,\"balance\":null,\"code\":null}"
        );
        assert_eq!(view.owner, Some(Uuid::from_u128(3)));
    }
}

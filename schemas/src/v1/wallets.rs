use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::payload::payload;
use crate::topic::Topic;

/// A user asked to top up their balance. The limits in force when the
/// request was accepted travel with it, so a replay decides the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BalanceChargeRequested {
    pub charge_id: Uuid,
    pub user_id: Uuid,
    /// KRW, more than zero.
    #[schemars(range(min = 1))]
    pub amount: i64,
    pub requested_at: DateTime<Utc>,
    #[schemars(range(min = 0))]
    pub max_single_charge: i64,
    /// Debits not yet committed still count toward it.
    #[schemars(range(min = 0))]
    pub max_balance: i64,
}
payload!(
    BalanceChargeRequested,
    "BalanceChargeRequested",
    version = 1,
    Topic::Wallets,
    key = user_id
);

/// The projector asks the payer's wallet for a seat's price. The wallet
/// answers once per `payment_id`: debited or rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentDebitRequested {
    pub payment_id: Uuid,
    pub reservation_id: Uuid,
    pub schedule_id: Uuid,
    pub user_id: Uuid,
    #[schemars(range(min = 0))]
    pub amount: i64,
}
payload!(
    PaymentDebitRequested,
    "PaymentDebitRequested",
    version = 1,
    Topic::Wallets,
    key = user_id
);

/// The seat was sold: the debit is final and stops counting toward the
/// maximum balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentDebitCommitted {
    pub payment_id: Uuid,
    pub reservation_id: Uuid,
    pub schedule_id: Uuid,
    pub user_id: Uuid,
    #[schemars(range(min = 0))]
    pub amount: i64,
}
payload!(
    PaymentDebitCommitted,
    "PaymentDebitCommitted",
    version = 1,
    Topic::Wallets,
    key = user_id
);

/// A debited payment could not complete: give the debit back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRefundRequested {
    pub payment_id: Uuid,
    pub reservation_id: Uuid,
    pub schedule_id: Uuid,
    pub user_id: Uuid,
    /// What was debited; the wallet refunds its own record of the debit.
    #[schemars(range(min = 0))]
    pub amount: i64,
}
payload!(
    PaymentRefundRequested,
    "PaymentRefundRequested",
    version = 1,
    Topic::Wallets,
    key = user_id
);

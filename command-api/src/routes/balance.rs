//! `POST /v1/balance/charges`: top up the caller's wallet. The wallet
//! (keyed by user) decides against the limits carried in the request.

use actix_web::{web, HttpResponse};
use domain::Amount;
use infra::decision::CommandType;
use infra::problem::ProblemBody;
use read_model::{BalanceView, ChargePending, PendingStatus};
use schemas::v1;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::command::{Caller, Draft, JsonBody, Submission};
use crate::error::ApiError;
use crate::policy::Policy;

/// `POST /v1/balance/charges`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount": 50000}))]
pub struct ChargeRequest {
    /// KRW, a JSON integer above 0 and at most `MAX_SINGLE_CHARGE`.
    #[schema(value_type = i64, minimum = 1)]
    pub amount: Amount,
}

/// Charge (top up) the caller's balance.
#[utoipa::path(
    post,
    path = "/v1/balance/charges",
    tag = "balance",
    params(
        ("X-User-Id" = Uuid, Header, description = "The caller, set by the upstream gateway that authenticated them (the trust boundary)."),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, description = "1 to 255 characters: the same key and body within 24 h answers the first final answer again and appends nothing."),
        ("Prefer" = Option<String>, Header, description = "`wait=<seconds>` (0..10, default 3)."),
    ),
    request_body = ChargeRequest,
    responses(
        (status = 200, description = "Charged: the balance after the charge.", body = BalanceView),
        (status = 202, description = "Not decided within the wait budget, or its append not confirmed in it: certain to be decided either way, and its `Location` reaches the final outcome (`UNAVAILABLE` if it was withdrawn before it was decided).", body = ChargePending, headers(("Location" = String, description = "`/v1/balance/charges/{charge_id}` (query-api) to poll: `PENDING`, then `COMPLETED` or `REJECTED` with the code a wait would have answered"))),
        (status = 400, description = "`VALIDATION_FAILED` (amount <= 0, not an integer, ...) or `CHARGE_LIMIT_EXCEEDED` (over `MAX_SINGLE_CHARGE`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`X-User-Id` missing or not a UUID (`UNAUTHENTICATED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`BALANCE_LIMIT_EXCEEDED` or `IDEMPOTENCY_KEY_REUSED`.", body = ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "Body over 16 KiB (`PAYLOAD_TOO_LARGE`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "A dependency is unavailable (`UNAVAILABLE`), with `Retry-After`. The command never takes effect, whatever happens later: retrying it is safe.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn charge(
    charge: Submission<Caller, JsonBody>,
    policy: web::Data<Policy>,
) -> Result<HttpResponse, ApiError> {
    charge
        .submit(CommandType::Charge, async |caller, body, context| {
            let ChargeRequest { amount } = body.read()?;
            if amount.money() > policy.max_single_charge {
                return Err(ApiError::ChargeLimitExceeded {
                    amount: amount.krw(),
                    limit: policy.max_single_charge.krw(),
                });
            }
            // The charge is its command: a refusal is recorded only under the
            // command id, and the poll finds it under the charge id.
            let charge_id = Uuid::now_v7();
            let event = v1::BalanceChargeRequested {
                charge_id,
                user_id: caller.user().as_uuid(),
                amount: amount.krw(),
                requested_at: context.at,
                max_single_charge: policy.max_single_charge.krw(),
                max_balance: policy.max_balance.krw(),
            };
            let pending = ChargePending {
                status: PendingStatus::Pending,
                charge_id,
            };
            let location = format!("/v1/balance/charges/{charge_id}");
            Ok(Draft::new(event, pending, location).with_id(charge_id))
        })
        .await
}

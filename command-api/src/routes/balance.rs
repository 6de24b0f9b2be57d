//! `POST /v1/balance/charges`: top up the caller's wallet. The wallet
//! (keyed by user) decides against the limits carried in the request.

use actix_web::{web, HttpRequest, HttpResponse};
use domain::Amount;
use infra::decision::CommandType;
use infra::problem::ProblemBody;
use schemas::v1;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::command::idempotency::Scope;
use crate::command::{intake, Answer, CommandRecord, Commands, Intake};
use crate::error::ApiError;
use crate::policy::Policy;

/// `POST /v1/balance/charges`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChargeRequest {
    /// KRW, a JSON integer above 0 and at most `MAX_SINGLE_CHARGE`.
    #[schema(value_type = i64, minimum = 1)]
    pub amount: Amount,
}

/// The balance after the charge.
#[derive(Debug, Serialize, ToSchema)]
pub struct Balance {
    /// KRW.
    pub balance: i64,
}

/// The charge is in the log but not decided yet; follow `Location`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChargePending {
    /// `PENDING`.
    pub status: &'static str,
    /// Also the command's id, so its poll finds a refusal as well.
    pub charge_id: Uuid,
}

/// Charge (top up) the caller's balance.
#[utoipa::path(
    post,
    path = "/v1/balance/charges",
    tag = "balance",
    params(
        ("X-User-Id" = Uuid, Header, description = "The caller, set by the upstream gateway that authenticated them (the trust boundary)."),
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 characters: the same key and body within 24 h answers the first final answer again and appends nothing."),
        ("Prefer" = Option<String>, Header, description = "`wait=<seconds>` (0..10, default 3)."),
    ),
    request_body = ChargeRequest,
    responses(
        (status = 200, description = "Charged.", body = Balance),
        (status = 202, description = "Not decided within the wait budget.", body = ChargePending, headers(("Location" = String, description = "`/v1/balance/charges/{charge_id}` (query-api) to poll: `PENDING`, then `COMPLETED` or `REJECTED` with the code a wait would have answered"))),
        (status = 400, description = "`VALIDATION_FAILED` (amount <= 0, not an integer, ...) or `CHARGE_LIMIT_EXCEEDED` (over `MAX_SINGLE_CHARGE`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`X-User-Id` missing or not a UUID (`UNAUTHENTICATED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`BALANCE_LIMIT_EXCEEDED` or `IDEMPOTENCY_KEY_REUSED`.", body = ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "Body over 16 KiB (`PAYLOAD_TOO_LARGE`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "A dependency is unavailable (`UNAVAILABLE`), with `Retry-After`.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn charge(
    request: HttpRequest,
    body: web::Bytes,
    commands: web::Data<Commands>,
    policy: web::Data<Policy>,
) -> Result<HttpResponse, ApiError> {
    let intake = Intake::new(&request);
    let result = top_up(&request, &body, &commands, &policy, &intake).await;
    commands.respond(CommandType::Charge, &intake, result)
}

async fn top_up(
    request: &HttpRequest,
    body: &[u8],
    commands: &Commands,
    policy: &Policy,
    intake: &Intake,
) -> Result<Answer, ApiError> {
    let user = intake::user(request)?;
    intake.idempotency_key()?;
    let ChargeRequest { amount } = intake::json_body(request, body)?;
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
        user_id: user.as_uuid(),
        amount: amount.krw(),
        requested_at: intake.origin.at,
        max_single_charge: policy.max_single_charge.krw(),
        max_balance: policy.max_balance.krw(),
    };
    let pending = ChargePending {
        status: "PENDING",
        charge_id,
    };
    let record = CommandRecord::with_id(
        charge_id,
        CommandType::Charge,
        event.into(),
        intake.origin,
        commands.topics(),
        serde_json::to_value(pending).unwrap_or_default(),
        format!("/v1/balance/charges/{charge_id}"),
    );
    let claim = intake.claim(&Scope::User(user), body)?;
    commands.submit(intake, claim, record).await
}

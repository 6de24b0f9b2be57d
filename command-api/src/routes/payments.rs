//! `POST /v1/payments`: pay for the caller's hold. The request lands on the
//! hold's schedule partition; the projector carries it through the payer's
//! wallet and back (the payment saga) and answers when it has finished.

use actix_web::{web, HttpResponse};
use domain::ReservationId;
use infra::decision::CommandType;
use infra::problem::ProblemBody;
use read_model::{PaymentCompleted, PaymentPending, PendingStatus};
use schemas::v1;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::command::{Draft, GuardedCaller, JsonBody, Submission};
use crate::error::ApiError;
use crate::read_model::HeldReservations;

/// `POST /v1/payments`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reservation_id": "0193a0d3-1a2b-7d33-9c24-5b3c4d5e6f03"}))]
pub struct PaymentRequest {
    #[schema(value_type = Uuid)]
    pub reservation_id: ReservationId,
}

/// Pay for the caller's hold with their balance.
///
/// A completed payment debits exactly the seat's price, confirms the seat
/// and expires the caller's queue token before answering 201. A payment
/// that fails changes no balance. A retry with the same `Idempotency-Key`
/// gets its 201 again although the token has expired since.
#[utoipa::path(
    post,
    path = "/v1/payments",
    tag = "payments",
    params(
        ("X-User-Id" = Uuid, Header, description = "The caller, set by the upstream gateway that authenticated them (the trust boundary)."),
        ("X-Queue-Token" = String, Header, description = "An ACTIVE token from `POST /v1/queue/tokens` (for a replay, any genuine token of the caller)."),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, description = "1 to 255 characters: the same key and body within 24 h answers the first final answer again and appends nothing."),
        ("Prefer" = Option<String>, Header, description = "`wait=<seconds>` (0..10, default 3)."),
    ),
    request_body = PaymentRequest,
    responses(
        (status = 201, description = "Paid.", body = PaymentCompleted, headers(("Location" = String, description = "`/v1/payments/{payment_id}`"))),
        (status = 202, description = "Not finished within the wait budget, or its append not confirmed in it: certain to be decided either way, and its `Location` reaches the final outcome (`UNAVAILABLE` if it was withdrawn before it was decided).", body = PaymentPending, headers(("Location" = String, description = "`/v1/payments/{payment_id}` (query-api) to poll: `PENDING` (to the payer only) until the saga has finished, then `COMPLETED` or `FAILED`"))),
        (status = 400, description = "Malformed body (`VALIDATION_FAILED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`UNAUTHENTICATED` or `QUEUE_TOKEN_INVALID`.", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "Not the caller's hold, or another user's token, or a token of another schedule's room (`FORBIDDEN`); `QUEUE_TOKEN_NOT_ACTIVE`.", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such reservation (`NOT_FOUND`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`HOLD_EXPIRED`, `INSUFFICIENT_BALANCE`, `ALREADY_CONFIRMED`, `PAYMENT_IN_PROGRESS` or `IDEMPOTENCY_KEY_REUSED`.", body = ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "Body over 16 KiB (`PAYLOAD_TOO_LARGE`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "A dependency is unavailable (`UNAVAILABLE`), with `Retry-After`. The command never takes effect, whatever happens later: retrying it is safe.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn pay(
    payment: Submission<GuardedCaller, JsonBody>,
    held: web::Data<HeldReservations>,
) -> Result<HttpResponse, ApiError> {
    payment
        .submit(CommandType::Payment, async |fan, body, context| {
            let PaymentRequest { reservation_id } = body.read()?;
            let user = fan.caller.user();
            let known = held.owned_by(context.pool, reservation_id, user).await?;
            fan.admits_to(known.schedule_id.as_uuid())?;
            let payment_id = Uuid::now_v7();
            let event = v1::PaymentRequested {
                payment_id,
                reservation_id: reservation_id.as_uuid(),
                schedule_id: known.schedule_id.as_uuid(),
                user_id: user.as_uuid(),
                requested_at: context.at,
            };
            let pending = PaymentPending {
                status: PendingStatus::Pending,
                payment_id,
                reservation_id: reservation_id.as_uuid(),
            };
            let location = format!("/v1/payments/{payment_id}");
            Ok(Draft::new(event, pending, location))
        })
        .await
}

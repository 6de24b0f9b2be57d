//! `GET /v1/payments/{id}`: where one of the caller's payments stands (the
//! `Location` of its 202).

use actix_web::{web, HttpRequest, HttpResponse};
use infra::problem::ProblemBody;
use read_model::{PaymentView, ReadModel, Source};
use uuid::Uuid;
use waiting_room::caller_id;

use super::answer;
use crate::error::ApiError;

/// One of the caller's payments.
///
/// `PENDING` from the payment's `202` while the payment saga runs, then
/// `COMPLETED` (with the balance after the debit) or `FAILED` (with the
/// code the payer was answered with). Another user's payment answers 404.
#[utoipa::path(
    get,
    path = "/v1/payments/{payment_id}",
    tag = "payments",
    params(
        ("payment_id" = Uuid, Path, description = "From the payment's answer. Not a UUID: 404."),
        ("X-User-Id" = Uuid, Header, description = "The caller, set by the upstream gateway that authenticated them (the trust boundary)."),
    ),
    responses(
        (status = 200, description = "The payment.", body = PaymentView),
        (status = 401, description = "`X-User-Id` missing or not a UUID (`UNAUTHENTICATED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such payment, or another user's (`NOT_FOUND`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "Postgres is unavailable and the answer is not in Redis (`UNAVAILABLE`), with `Retry-After`.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn payment(
    path: web::Path<Uuid>,
    request: HttpRequest,
    model: web::Data<ReadModel>,
) -> Result<HttpResponse, ApiError> {
    let user = caller_id(&request)?;
    let payment_id = path.into_inner();
    answer::private(
        model.serve(Source::Payment(payment_id), Some(user)).await?,
        "payment",
    )
}

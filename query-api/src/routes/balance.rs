//! `GET /v1/balance` and `GET /v1/balance/charges/{id}` (where a charge's
//! 202 points): the caller's own wallet.

use actix_web::{web, HttpRequest, HttpResponse};
use infra::problem::ProblemBody;
use read_model::{BalanceView, ChargeView, ReadModel, Source};
use uuid::Uuid;
use waiting_room::caller_id;

use super::answer;
use crate::error::ApiError;

/// The caller's balance.
#[utoipa::path(
    get,
    path = "/v1/balance",
    tag = "balance",
    params(("X-User-Id" = Uuid, Header, description = "The caller, set by the upstream gateway that authenticated them (the trust boundary).")),
    responses(
        (status = 200, description = "The balance; 0 for a user never seen.", body = BalanceView),
        (status = 401, description = "`X-User-Id` missing or not a UUID (`UNAUTHENTICATED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "Postgres is unavailable and the answer is not in Redis (`UNAVAILABLE`), with `Retry-After`.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn balance(
    request: HttpRequest,
    model: web::Data<ReadModel>,
) -> Result<HttpResponse, ApiError> {
    let user = caller_id(&request)?;
    answer::private(
        model.serve(Source::Balance(user), Some(user)).await?,
        "balance",
    )
}

/// What became of one of the caller's charges (the `Location` of its 202).
///
/// `PENDING` from the charge's `202` until it is decided, then `COMPLETED`
/// (with the balance right after it) or `REJECTED` (with the code a wait
/// would have answered, e.g. `BALANCE_LIMIT_EXCEEDED`). Anyone else's
/// charge answers 404.
#[utoipa::path(
    get,
    path = "/v1/balance/charges/{charge_id}",
    tag = "balance",
    params(
        ("charge_id" = Uuid, Path, description = "From the charge's 202. Not a UUID: 404."),
        ("X-User-Id" = Uuid, Header, description = "The caller, set by the upstream gateway that authenticated them (the trust boundary)."),
    ),
    responses(
        (status = 200, description = "The charge and the balance right after it.", body = ChargeView),
        (status = 401, description = "`X-User-Id` missing or not a UUID (`UNAUTHENTICATED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such charge, or not the caller's (`NOT_FOUND`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "Postgres is unavailable and the answer is not in Redis (`UNAVAILABLE`), with `Retry-After`.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn charge(
    path: web::Path<Uuid>,
    request: HttpRequest,
    model: web::Data<ReadModel>,
) -> Result<HttpResponse, ApiError> {
    let user = caller_id(&request)?;
    let charge_id = path.into_inner();
    answer::private(
        model
            .serve(Source::Charge(user, charge_id), Some(user))
            .await?,
        "charge",
    )
}

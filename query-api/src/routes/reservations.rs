//! `GET /v1/reservations/{id}`: one of the caller's holds (where a hold's
//! or a release's 202 points).

use actix_web::{web, HttpRequest, HttpResponse};
use infra::problem::ProblemBody;
use read_model::{ReadModel, ReservationView, Source};
use uuid::Uuid;
use waiting_room::caller_id;

use super::answer;
use crate::error::ApiError;

/// One of the caller's reservations.
///
/// A hold answered `202` reads `PENDING` (price null) until the projector
/// decides it, then `HELD` or `REJECTED`. A `HELD` reservation whose hold
/// has lapsed reads `EXPIRED` at once. Another user's reservation, pending
/// or not, answers 404: its existence is not revealed.
#[utoipa::path(
    get,
    path = "/v1/reservations/{reservation_id}",
    tag = "reservations",
    params(
        ("reservation_id" = Uuid, Path, description = "From the hold's answer. Not a UUID: 404."),
        ("X-User-Id" = Uuid, Header, description = "The caller, set by the upstream gateway that authenticated them (the trust boundary)."),
    ),
    responses(
        (status = 200, description = "The reservation.", body = ReservationView),
        (status = 401, description = "`X-User-Id` missing or not a UUID (`UNAUTHENTICATED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such reservation, or another user's (`NOT_FOUND`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "Postgres is unavailable and the answer is not in Redis (`UNAVAILABLE`), with `Retry-After`.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn reservation(
    path: web::Path<Uuid>,
    request: HttpRequest,
    model: web::Data<ReadModel>,
) -> Result<HttpResponse, ApiError> {
    let user = caller_id(&request)?;
    let reservation_id = path.into_inner();
    answer::private(
        model
            .serve(Source::Reservation(reservation_id), Some(user))
            .await?,
        "reservation",
    )
}

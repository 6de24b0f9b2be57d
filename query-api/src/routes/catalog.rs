//! `GET /v1/concerts` and `GET /v1/concerts/{id}/schedules`: public, no
//! caller needed.

use actix_web::{web, HttpResponse};
use infra::problem::ProblemBody;
use read_model::{ConcertView, ReadModel, ScheduleView, Source};
use uuid::Uuid;

use super::answer;
use crate::error::ApiError;

/// Every concert.
#[utoipa::path(
    get,
    path = "/v1/concerts",
    tag = "catalog",
    responses(
        (status = 200, description = "Every concert, oldest first.", body = Vec<ConcertView>),
        (status = 503, description = "Postgres is unavailable and the answer is not in Redis (`UNAVAILABLE`), with `Retry-After`.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn concerts(model: web::Data<ReadModel>) -> Result<HttpResponse, ApiError> {
    answer::public(model.serve(Source::Concerts, None).await?, "concerts")
}

/// A concert's schedules with how many seats are still available.
///
/// A seat whose hold has lapsed counts as available at once.
#[utoipa::path(
    get,
    path = "/v1/concerts/{concert_id}/schedules",
    tag = "catalog",
    params(("concert_id" = Uuid, Path, description = "Not a UUID: 404.")),
    responses(
        (status = 200, description = "The concert's schedules, in start order.", body = Vec<ScheduleView>),
        (status = 404, description = "No such concert (`NOT_FOUND`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "Postgres is unavailable and the answer is not in Redis (`UNAVAILABLE`), with `Retry-After`.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn schedules(
    path: web::Path<Uuid>,
    model: web::Data<ReadModel>,
) -> Result<HttpResponse, ApiError> {
    let concert_id = path.into_inner();
    answer::public(
        model.serve(Source::Schedules(concert_id), None).await?,
        "concert",
    )
}

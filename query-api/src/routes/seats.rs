//! `GET /v1/schedules/{id}/seats`: the seat map, for callers with an ACTIVE
//! queue token. The token's signature is checked as the request is
//! extracted (`ActiveCheck`); its ACTIVE check rides in the read model's
//! round trip (`ReadModel::look`; the queue and the read model share the
//! Redis of `REDIS_URL`), so a warm read costs one round trip to Redis. Only a token that is not ACTIVE costs more: the
//! full inspection that names its refusal.

use actix_web::{web, HttpResponse};
use infra::problem::ProblemBody;
use read_model::{Escort, ReadModel, SeatMapView, Source};
use uuid::Uuid;
use waiting_room::{ActiveCheck, Queue};

use super::answer;
use crate::error::ApiError;

/// A schedule's seats and their status.
///
/// A seat whose hold has lapsed reads `AVAILABLE` at once, whether or not
/// any event has been written since.
#[utoipa::path(
    get,
    path = "/v1/schedules/{schedule_id}/seats",
    tag = "seats",
    params(
        ("schedule_id" = Uuid, Path, description = "Not a UUID: 404."),
        ("X-User-Id" = Uuid, Header, description = "The caller, set by the upstream gateway that authenticated them (the trust boundary)."),
        ("X-Queue-Token" = String, Header, description = "An ACTIVE token from `POST /v1/queue/tokens`."),
    ),
    responses(
        (status = 200, description = "The seat map, in seat-number order.", body = SeatMapView),
        (status = 401, description = "`UNAUTHENTICATED`, or the queue token missing, forged or expired (`QUEUE_TOKEN_INVALID`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "Another user's token, or a token of another schedule's waiting room (`FORBIDDEN`), or still waiting (`QUEUE_TOKEN_NOT_ACTIVE`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such schedule (`NOT_FOUND`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "The queue's Redis, or Postgres behind a missing entry, is unavailable (`UNAVAILABLE`), with `Retry-After`.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn seat_map(
    path: web::Path<Uuid>,
    // Missing or forged: 401 before Redis is asked.
    check: ActiveCheck,
    queue: web::Data<Queue>,
    model: web::Data<ReadModel>,
) -> Result<HttpResponse, ApiError> {
    let schedule_id = path.into_inner();
    let source = Source::Seats(schedule_id);
    let escort = Escort {
        command: check.command(),
        script: Some(check.script()),
    };
    let served = match model.look(source, escort).await {
        Some((reply, look)) => {
            // The token outranks whatever the look found.
            queue.settle(check, reply).await?.admits_to(schedule_id)?;
            model.serve_look(look, None).await?
        }
        // Redis could not be asked: the queue asks on its own (503 while
        // Redis is down) and the read goes to Postgres.
        None => {
            queue.check_active(check).await?.admits_to(schedule_id)?;
            model.serve(source, None).await?
        }
    };
    answer::public(served, "schedule")
}

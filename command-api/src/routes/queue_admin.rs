//! Operator controls of the waiting room, behind `X-Admin-Key`: a room's
//! state, pause and resume, queue everyone, a room's limits, and the record
//! of every action (who, from `X-Operator`, and when). A room is `global`
//! or a schedule id.

use actix_web::{web, HttpRequest, HttpResponse};
use infra::problem::ProblemBody;
use serde::Deserialize;
use waiting_room::{ControlEntry, Limits, OperatorAction, Queue, Room, RoomView};

use crate::command::AdminKey;
use crate::error::ApiError;

pub const OPERATOR_HEADER: &str = "X-Operator";
/// Who an action is recorded as when `X-Operator` is not sent.
const UNNAMED_OPERATOR: &str = "admin";
const MAX_OPERATOR_LEN: usize = 100;

fn room_of(path: &str) -> Result<Room, ApiError> {
    Room::parse(path).ok_or(ApiError::NotFound("room"))
}

/// The operator's name as sent, trimmed; `admin` when absent; 400 when not
/// 1 to 100 visible characters.
fn operator(request: &HttpRequest) -> Result<String, ApiError> {
    let Some(value) = request.headers().get(OPERATOR_HEADER) else {
        return Ok(UNNAMED_OPERATOR.into());
    };
    let name = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|name| !name.is_empty() && name.len() <= MAX_OPERATOR_LEN)
        .filter(|name| name.chars().all(|c| !c.is_control()))
        .ok_or_else(|| {
            ApiError::Invalid(format!(
                "{OPERATOR_HEADER} must be 1 to {MAX_OPERATOR_LEN} printable characters"
            ))
        })?;
    Ok(name.to_owned())
}

/// A room's state: line, pre-queue, active fans, rate, mode, pause, limits
/// and the opening's shuffle seed.
#[utoipa::path(
    get,
    path = "/v1/admin/queue/rooms/{room}",
    tag = "admin",
    params(
        ("room" = String, Path, description = "`global` or a schedule id."),
        ("X-Admin-Key" = String, Header, description = "The configured admin key."),
    ),
    responses(
        (status = 200, description = "The room's state.", body = RoomView),
        (status = 401, description = "Admin key missing or wrong (`UNAUTHENTICATED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "Not `global` nor a UUID (`NOT_FOUND`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "Redis is unavailable (`UNAVAILABLE`), with `Retry-After`.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn room_state(
    _admin: AdminKey,
    path: web::Path<String>,
    queue: web::Data<Queue>,
) -> Result<HttpResponse, ApiError> {
    let view = queue.room_view(room_of(&path)?).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Pause, resume, or queue everyone in a room (`pause`, `resume`,
/// `queue-everyone`). Pausing stops admissions (active fans keep their
/// slots); queue-everyone also sends every active fan without a live hold
/// back to the head of the line. Recorded with `X-Operator` and the time.
#[utoipa::path(
    post,
    path = "/v1/admin/queue/rooms/{room}/{action}",
    tag = "admin",
    params(
        ("room" = String, Path, description = "`global` or a schedule id."),
        ("action" = String, Path, description = "`pause`, `resume` or `queue-everyone`."),
        ("X-Admin-Key" = String, Header, description = "The configured admin key."),
        ("X-Operator" = Option<String>, Header, description = "Who acts, for the record (1 to 100 characters; `admin` when absent)."),
    ),
    responses(
        (status = 200, description = "Done; the recorded action.", body = ControlEntry),
        (status = 400, description = "`X-Operator` not 1 to 100 printable characters (`VALIDATION_FAILED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "Admin key missing or wrong (`UNAUTHENTICATED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "Unknown room or action (`NOT_FOUND`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "Redis is unavailable (`UNAVAILABLE`), with `Retry-After`.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn room_action(
    _admin: AdminKey,
    request: HttpRequest,
    path: web::Path<(String, String)>,
    queue: web::Data<Queue>,
) -> Result<HttpResponse, ApiError> {
    let (room, action) = path.into_inner();
    let room = room_of(&room)?;
    let action = match action.as_str() {
        "pause" => OperatorAction::Pause,
        "resume" => OperatorAction::Resume,
        "queue-everyone" => OperatorAction::QueueEveryone,
        _ => return Err(ApiError::NotFound("room action")),
    };
    let entry = queue.operate(room, action, &operator(&request)?).await?;
    Ok(HttpResponse::Ok().json(entry))
}

/// Narrow a room's admission rate and active cap below the global ones
/// (`null` clears a limit). Recorded with `X-Operator` and the time.
#[utoipa::path(
    put,
    path = "/v1/admin/queue/rooms/{room}/limits",
    tag = "admin",
    params(
        ("room" = String, Path, description = "`global` or a schedule id."),
        ("X-Admin-Key" = String, Header, description = "The configured admin key."),
        ("X-Operator" = Option<String>, Header, description = "Who acts, for the record."),
    ),
    request_body = Limits,
    responses(
        (status = 200, description = "Set; the recorded action.", body = ControlEntry),
        (status = 400, description = "A limit of 0, or a malformed body (`VALIDATION_FAILED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "Admin key missing or wrong (`UNAUTHENTICATED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "Not `global` nor a UUID (`NOT_FOUND`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "Redis is unavailable (`UNAVAILABLE`), with `Retry-After`.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn room_limits(
    _admin: AdminKey,
    request: HttpRequest,
    path: web::Path<String>,
    limits: web::Json<Limits>,
    queue: web::Data<Queue>,
) -> Result<HttpResponse, ApiError> {
    let room = room_of(&path)?;
    let entry = queue
        .limit(room, limits.into_inner(), &operator(&request)?)
        .await?;
    Ok(HttpResponse::Ok().json(entry))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ControlsQuery {
    /// How many, newest first (1 to 1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
}

/// The record of operator actions, newest first.
#[utoipa::path(
    get,
    path = "/v1/admin/queue/controls",
    tag = "admin",
    params(
        ControlsQuery,
        ("X-Admin-Key" = String, Header, description = "The configured admin key."),
    ),
    responses(
        (status = 200, description = "The latest actions.", body = Vec<ControlEntry>),
        (status = 400, description = "`limit` outside 1..1000 (`VALIDATION_FAILED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "Admin key missing or wrong (`UNAUTHENTICATED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "Redis is unavailable (`UNAVAILABLE`), with `Retry-After`.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn control_log(
    _admin: AdminKey,
    query: web::Query<ControlsQuery>,
    queue: web::Data<Queue>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::Invalid("limit must be 1 to 1000".into()));
    }
    Ok(HttpResponse::Ok().json(queue.control_log(limit).await?))
}

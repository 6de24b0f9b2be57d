//! The two queue endpoints, ready for the services to mount:
//! command-api `POST /v1/queue/tokens` → `issue_token`,
//! query-api `GET /v1/queue/tokens/current` → `current_token`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use infra::http::QueryLinks;
use infra::problem::{Problem, ProblemBody};

use super::challenge::require_proof;
use super::error::QueueError;
use super::extract::{caller_id, mounted_queue};
use super::pass::QueuePass;
use super::room::{Entry, Room};
use super::state::{TokenState, TokenStatus};
use super::windows::BookingWindows;

/// `POST /v1/queue/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"token": "AgGTCGzS...the signed token, opaque to clients", "status": "WAITING", "position": 42, "eta_seconds": 9, "expires_at": "2026-12-05T10:10:00Z", "poll_after_seconds": 2}))]
pub struct IssuedToken {
    /// Opaque; send it back as `X-Queue-Token`.
    pub token: String,
    pub status: TokenStatus,
    /// 1 = next in line; 0 once ACTIVE; null while the fan waits for the
    /// room's booking to open (placed at random at the opening).
    #[schema(required = true, example = 42)]
    pub position: Option<u64>,
    /// Estimated seconds until admission, from the measured admission rate;
    /// 0 once ACTIVE.
    pub eta_seconds: u64,
    /// ACTIVE: when the token lapses (earlier if the fan goes idle).
    /// WAITING: when the place is given up if the client stops polling (every
    /// poll pushes it forward by the grace).
    #[schema(required = true)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Poll no sooner than this many seconds (at least 1); `Retry-After`
    /// carries the same figure while WAITING.
    #[schema(minimum = 1, example = 2)]
    pub poll_after_seconds: u64,
}

/// `POST /v1/queue/tokens` body, optional: without it, the global room.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"schedule_id": "0192f0c4-1b7e-7cc3-9a51-4b1d5e3f9a10"}))]
#[schema(example = json!({"schedule_id": "0193a0d2-8e10-7c22-8b13-4a2b3c4d5e02"}))]
pub struct JoinRoom {
    /// The schedule whose booking window's room to join. Its token admits
    /// to that schedule's seat map, holds and payments only.
    pub schedule_id: Uuid,
}

/// Join the waiting queue, or get back the place already held.
///
/// Without a body: the global room, valid for every schedule. With
/// `{"schedule_id"}`: that schedule's room, so fans of one booking window
/// never wait behind another's. A room opens for joining
/// `QUEUE_PREQUEUE_LEAD_SECONDS` (30 min by default) before booking opens;
/// fans who join before the opening wait with `position: null` and an ETA to
/// the opening, and are placed in a random order at the opening (the time
/// you joined does not decide your place); later fans join at the back.
#[utoipa::path(
    post,
    path = "/v1/queue/tokens",
    tag = "queue",
    params(
        ("X-User-Id" = uuid::Uuid, Header, description = "The caller, set by the upstream gateway that authenticated them (trusted)."),
        ("X-Queue-Proof" = Option<String>, Header, description = "When the room asks for a proof of work: `<challenge>.<counter>` (see `GET /v1/queue/challenge`)."),
    ),
    request_body(content = Option<JoinRoom>, description = "Optional: a schedule's room. No body (or an empty one, or `null`): the global room.", content_type = "application/json"),
    responses(
        (status = 201, description = "A new place at the back of the line (first join, or the previous token expired). `Retry-After` (seconds) while WAITING: poll no sooner.", body = IssuedToken, headers(("Retry-After" = u64, description = "While WAITING: seconds until the next poll, as `poll_after_seconds`."))),
        (status = 200, description = "Already waiting or active: the same token and place as before.", body = IssuedToken, headers(("Retry-After" = u64, description = "While WAITING: seconds until the next poll, as `poll_after_seconds`."))),
        (status = 400, description = "A body that is not `{\"schedule_id\": <uuid>}` (`VALIDATION_FAILED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`X-User-Id` missing or not a UUID (`UNAUTHENTICATED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such schedule (`NOT_FOUND`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "The room asks for a proof of work (`X-Queue-Proof`, from `GET /v1/queue/challenge`) and it is missing, unsolved, forged, expired, easier than the room now asks, or for another user or room (`QUEUE_PROOF_INVALID`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "The schedule's room does not take fans yet: more than `QUEUE_PREQUEUE_LEAD_SECONDS` before booking opens (`BOOKING_NOT_OPEN`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "The queue store is unavailable (`UNAVAILABLE`), with `Retry-After`.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn issue_token(request: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let user_id = caller_id(&request)?;
    let queue = mounted_queue(&request)?;
    let entry = entry(&request, &body, queue.settings().prequeue_lead).await?;
    require_proof(&request, &queue, user_id, entry.room).await?;
    let ticket = queue.enter(user_id, entry).await?;
    let mut response = if ticket.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    pace(&mut response, &ticket.state);
    let TokenState {
        status,
        position,
        eta_seconds,
        expires_at,
        poll_after_seconds,
    } = ticket.state;
    Ok(response
        .insert_header((header::LOCATION, current_token_url(&request)))
        // The token is a credential: keep it out of shared caches.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(IssuedToken {
            token: ticket.token,
            status,
            position,
            eta_seconds,
            expires_at,
            poll_after_seconds,
        }))
}

/// Where a token is read: on query-api, absolute where the service knows
/// query-api's public URL (command-api does), so a browser on another
/// origin can follow it.
fn current_token_url(request: &HttpRequest) -> String {
    const CURRENT: &str = "/v1/queue/tokens/current";
    match request.app_data::<web::Data<QueryLinks>>() {
        Some(links) => links.absolute(CURRENT),
        None => CURRENT.to_owned(),
    }
}

/// Where the caller's queue token stands.
#[utoipa::path(
    get,
    path = "/v1/queue/tokens/current",
    tag = "queue",
    params(
        ("X-User-Id" = uuid::Uuid, Header, description = "The caller, set by the upstream gateway that authenticated them (trusted)."),
        ("X-Queue-Token" = String, Header, description = "The token from `POST /v1/queue/tokens`, in any status."),
    ),
    responses(
        (status = 200, description = "The token's status, place, estimated wait and when to poll next.", body = TokenState, headers(("Retry-After" = u64, description = "While WAITING: seconds until the next poll, as `poll_after_seconds`."))),
        (status = 401, description = "`X-User-Id` missing or not a UUID (`UNAUTHENTICATED`); token missing, forged or malformed (`QUEUE_TOKEN_INVALID`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "The token was issued to another user (`FORBIDDEN`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "The queue store is unavailable (`UNAVAILABLE`), with `Retry-After`.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn current_token(pass: QueuePass) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    pace(&mut response, &pass.state);
    response
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(pass.state)
}

/// The room the body names, with its opening; the global room without one.
async fn entry(
    request: &HttpRequest,
    body: &[u8],
    lead: std::time::Duration,
) -> Result<Entry, Problem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Entry::global());
    }
    // JSON `null` is no room too: the document declares the body nullable
    // (schemathesis sent it and found it refused).
    let room: Option<JoinRoom> = serde_json::from_slice(body).map_err(|error| {
        QueueError::InvalidRequest(format!(
            "the body must be {{\"schedule_id\": <uuid>}}: {error}"
        ))
    })?;
    let Some(JoinRoom { schedule_id }) = room else {
        return Ok(Entry::global());
    };
    let windows = request
        .app_data::<web::Data<dyn BookingWindows>>()
        .ok_or(QueueError::NotMounted)?;
    let opens_at = windows
        .opens_at(schedule_id)
        .await?
        .ok_or(QueueError::UnknownSchedule(schedule_id))?;
    let lead = chrono::Duration::from_std(lead).unwrap_or(chrono::Duration::MAX);
    if windows.now() < opens_at - lead {
        return Err(Problem::new(
            infra::problem::ErrorCode::BookingNotOpen,
            format!(
                "the waiting room of schedule {schedule_id} opens at {}, {} minutes before booking opens",
                opens_at - lead,
                lead.num_minutes()
            ),
        ));
    }
    Ok(Entry {
        room: Room::Schedule(schedule_id),
        opens_at: Some(opens_at),
    })
}

/// `Retry-After` while WAITING: the pace also reaches clients that honour
/// only the standard header.
fn pace(response: &mut HttpResponseBuilder, state: &TokenState) {
    if state.status == TokenStatus::Waiting {
        response.insert_header((header::RETRY_AFTER, state.poll_after_seconds));
    }
}

/// OpenAPI for `issue_token`; merge it into the command-api document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(issue_token), components(schemas(JoinRoom)))]
pub struct IssueTokenApi;

/// OpenAPI for `current_token`; merge it into the query-api document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(current_token))]
pub struct CurrentTokenApi;

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::OpenApi;

    #[test]
    fn the_documents_describe_both_routes_and_their_bodies() {
        let issue = serde_json::to_value(IssueTokenApi::openapi()).unwrap();
        let post = &issue["paths"]["/v1/queue/tokens"]["post"];
        for status in ["200", "201", "401", "503"] {
            assert!(post["responses"][status].is_object(), "POST {status}");
        }
        assert!(issue["components"]["schemas"]["IssuedToken"].is_object());
        assert!(issue["components"]["schemas"]["ProblemBody"].is_object());

        let current = serde_json::to_value(CurrentTokenApi::openapi()).unwrap();
        let get = &current["paths"]["/v1/queue/tokens/current"]["get"];
        for status in ["200", "401", "403", "503"] {
            assert!(get["responses"][status].is_object(), "GET {status}");
        }
        let state = &current["components"]["schemas"]["TokenState"];
        assert!(state["properties"]["eta_seconds"].is_object(), "{state}");
        let required = state["required"].as_array().unwrap();
        assert!(required.contains(&"expires_at".into()), "present, if null");
    }
}

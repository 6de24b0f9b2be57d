//! The two queue endpoints, ready for the services to mount:
//! command-api `POST /v1/queue/tokens` → `issue_token`,
//! query-api `GET /v1/queue/tokens/current` → `current_token`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use infra::problem::{Problem, ProblemBody};

use super::extract::{caller_id, mounted_queue};
use super::pass::QueuePass;
use super::state::{TokenState, TokenStatus};

/// `POST /v1/queue/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IssuedToken {
    /// Opaque; send it back as `X-Queue-Token`.
    pub token: String,
    pub status: TokenStatus,
    /// 1 = next in line; 0 once ACTIVE.
    pub position: u64,
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

/// Join the waiting queue, or get back the place already held.
#[utoipa::path(
    post,
    path = "/v1/queue/tokens",
    tag = "queue",
    params(
        ("X-User-Id" = uuid::Uuid, Header, description = "The caller, set by the upstream gateway that authenticated them (trusted)."),
    ),
    responses(
        (status = 201, description = "A new place at the back of the line (first join, or the previous token expired). `Retry-After` (seconds) while WAITING: poll no sooner.", body = IssuedToken, headers(("Retry-After" = u64, description = "While WAITING: seconds until the next poll, as `poll_after_seconds`."))),
        (status = 200, description = "Already waiting or active: the same token and place as before.", body = IssuedToken, headers(("Retry-After" = u64, description = "While WAITING: seconds until the next poll, as `poll_after_seconds`."))),
        (status = 401, description = "`X-User-Id` missing or not a UUID (`UNAUTHENTICATED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "The queue store is unavailable (`UNAVAILABLE`), with `Retry-After`.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn issue_token(request: HttpRequest) -> Result<HttpResponse, Problem> {
    let user_id = caller_id(&request)?;
    let queue = mounted_queue(&request)?;
    let ticket = queue.join(user_id).await?;
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
        .insert_header((header::LOCATION, "/v1/queue/tokens/current"))
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

/// `Retry-After` while WAITING: the pace also reaches clients that honour
/// only the standard header.
fn pace(response: &mut HttpResponseBuilder, state: &TokenState) {
    if state.status == TokenStatus::Waiting {
        response.insert_header((header::RETRY_AFTER, state.poll_after_seconds));
    }
}

/// OpenAPI for `issue_token`; merge it into the command-api document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(issue_token))]
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

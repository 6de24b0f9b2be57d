//! `GET /v1/queue/challenge`: a fresh challenge for the caller and room.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, DurationRound, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use infra::problem::{Problem, ProblemBody};

use super::difficulty::required_bits;
use crate::extract::{caller_id, mounted_queue};
use crate::proof::{Challenge, ChallengeSigner};
use crate::room::Room;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChallengeQuery {
    /// The schedule whose room the token request will join; without it,
    /// the global room.
    pub schedule_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"challenge": "AV9fX19fX19fX19fX19fX6EBAZLwxBt-fMOaUUsdXj-aEAwAAAGa71s_gMPDw8PDw8PDw8PDw8PDw8N-fn5-fn5-fn5-fn5-fn5-fn5-fn5-fn5-fn5-fn5-fg", "difficulty_bits": 12, "expires_at": "2026-12-05T10:02:00Z"}))]
pub struct IssuedChallenge {
    /// Opaque. Find a decimal `counter` such that SHA-256 of the ASCII bytes
    /// `<challenge>.<counter>` starts with `difficulty_bits` zero bits, and
    /// send `X-Queue-Proof: <challenge>.<counter>` with
    /// `POST /v1/queue/tokens`.
    pub challenge: String,
    /// 0: the room asks for no proof now (any counter holds).
    #[schema(example = 20)]
    pub difficulty_bits: u8,
    /// Answer before this; then get a new challenge.
    pub expires_at: DateTime<Utc>,
}

/// A proof-of-work challenge for the caller's token request.
///
/// Rooms may ask token requests for a proof of work (bot friction). The
/// challenge is bound to the caller, the room and an expiry; it is
/// stateless and signed, so any instance checks it.
#[utoipa::path(
    get,
    path = "/v1/queue/challenge",
    tag = "queue",
    params(
        ("X-User-Id" = uuid::Uuid, Header, description = "The caller, set by the upstream gateway that authenticated them (trusted)."),
        ChallengeQuery,
    ),
    responses(
        (status = 200, description = "A challenge and the room's current difficulty.", body = IssuedChallenge),
        (status = 400, description = "`schedule_id` is not a UUID (`VALIDATION_FAILED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`X-User-Id` missing or not a UUID (`UNAUTHENTICATED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "The queue store is unavailable (`UNAVAILABLE`), with `Retry-After`.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn issue_challenge(
    request: HttpRequest,
    query: web::Query<ChallengeQuery>,
) -> Result<HttpResponse, Problem> {
    let user_id = caller_id(&request)?;
    let queue = mounted_queue(&request)?;
    let room = query.schedule_id.map_or(Room::Global, Room::Schedule);
    let bits = required_bits(&queue, room).await?;
    let expires_at = Utc::now()
        + chrono::Duration::from_std(queue.settings().challenge_ttl)
            .unwrap_or(chrono::Duration::seconds(120));
    // The challenge carries milliseconds: answer the instant it says.
    let expires_at = expires_at
        .duration_trunc(chrono::Duration::milliseconds(1))
        .unwrap_or(expires_at);
    let challenge = Challenge {
        user_id,
        room,
        bits,
        expires_at,
        nonce: *Uuid::new_v4().as_bytes(),
    };
    let signed =
        ChallengeSigner::new(&queue.settings().token_keys.signing().secret).sign(&challenge);
    Ok(HttpResponse::Ok()
        // Each challenge is new and for one caller: never cached.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(IssuedChallenge {
            challenge: signed,
            difficulty_bits: bits,
            expires_at,
        }))
}

/// OpenAPI for `issue_challenge`; merge it into the command-api document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(issue_challenge), components(schemas(IssuedChallenge)))]
pub struct ChallengeApi;

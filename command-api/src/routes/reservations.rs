//! `POST /v1/reservations` (hold a seat) and `DELETE /v1/reservations/{id}`
//! (release a hold). Both need an ACTIVE queue token; the seat's schedule
//! is the partition, so two holds on one seat are settled by log order.

use actix_web::{web, HttpResponse};
use domain::{ReservationId, ScheduleId, SeatNumber};
use infra::decision::CommandType;
use infra::problem::ProblemBody;
use read_model::{HoldPending, HoldPlaced, HoldReleased, PendingStatus, ReleasePending};
use schemas::{v1, v2};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::command::{Draft, GuardedCaller, JsonBody, NoBody, Submission};
use crate::error::ApiError;
use crate::policy::Policy;
use crate::read_model::{HeldReservations, KnownReservation};

/// `POST /v1/reservations`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"schedule_id": "0193a0d2-8e10-7c22-8b13-4a2b3c4d5e02", "seat_number": 12}))]
pub struct HoldRequest {
    #[schema(value_type = Uuid)]
    pub schedule_id: ScheduleId,
    /// A JSON integer, 1 to 100000.
    #[schema(value_type = i64, minimum = 1, maximum = 100000)]
    pub seat_number: SeatNumber,
}

/// Hold a seat for the caller.
///
/// Checks run in the contract's order: body size (413), `X-User-Id` (401),
/// queue token (401/403), body (400), then the seat's schedule decides in
/// log order (404, 409 BOOKING_NOT_OPEN, 409 SEAT_UNAVAILABLE, 409
/// HOLD_LIMIT_REACHED). The hold lasts `HOLD_TTL_SECONDS` unless paid.
#[utoipa::path(
    post,
    path = "/v1/reservations",
    tag = "reservations",
    params(
        ("X-User-Id" = Uuid, Header, description = "The caller, set by the upstream gateway that authenticated them (the trust boundary)."),
        ("X-Queue-Token" = String, Header, description = "An ACTIVE token from `POST /v1/queue/tokens`."),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, description = "1 to 255 characters: the same key and body within 24 h answers the first final answer again and appends nothing."),
        ("Prefer" = Option<String>, Header, description = "`wait=<seconds>` (0..10, default 3): how long to wait for the decision before answering 202."),
    ),
    request_body = HoldRequest,
    responses(
        (status = 201, description = "Held.", body = HoldPlaced, headers(("Location" = String, description = "`/v1/reservations/{reservation_id}` (query-api)"))),
        (status = 202, description = "Not decided within the wait budget, or its append not confirmed in it: certain to be decided either way, and its `Location` reaches the final outcome (`UNAVAILABLE` if it was withdrawn before it was decided).", body = HoldPending, headers(("Location" = String, description = "`/v1/reservations/{reservation_id}` (query-api) to poll: `PENDING` (to the caller only) until decided, then `HELD` or `REJECTED`"))),
        (status = 400, description = "Malformed body (`VALIDATION_FAILED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`UNAUTHENTICATED`, or the queue token missing, forged or expired (`QUEUE_TOKEN_INVALID`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "Another user's token, or a token of another schedule's waiting room (`FORBIDDEN`), or still waiting (`QUEUE_TOKEN_NOT_ACTIVE`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such schedule or seat (`NOT_FOUND`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`BOOKING_NOT_OPEN`, `SEAT_UNAVAILABLE`, `HOLD_LIMIT_REACHED`, or `IDEMPOTENCY_KEY_REUSED`.", body = ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "Body over 16 KiB (`PAYLOAD_TOO_LARGE`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "Kafka, Postgres or Redis unavailable (`UNAVAILABLE`), with `Retry-After`. The command never takes effect, whatever happens later: retrying it is safe.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn place_hold(
    hold: Submission<GuardedCaller, JsonBody>,
    policy: web::Data<Policy>,
    held: web::Data<HeldReservations>,
) -> Result<HttpResponse, ApiError> {
    let mut drafted = None;
    let answer = hold
        .submit(CommandType::Hold, async |fan, body, context| {
            let HoldRequest {
                schedule_id,
                seat_number,
            } = body.read()?;
            fan.admits_to(schedule_id.as_uuid())?;
            let reservation_id = Uuid::now_v7();
            let at = context.at;
            let event = v2::SeatHoldRequested {
                reservation_id,
                schedule_id: schedule_id.as_uuid(),
                user_id: fan.caller.user().as_uuid(),
                seat_number: i64::from(seat_number),
                requested_at: at,
                expires_at: at + policy.hold_ttl,
                max_holds_per_user: i64::from(policy.hold_limit),
            };
            // The fan keeps the slot while the hold can still be paid.
            fan.keep_active_until(event.expires_at).await?;
            let pending = HoldPending {
                status: PendingStatus::Pending,
                reservation_id,
                schedule_id: schedule_id.as_uuid(),
                seat_number: i64::from(seat_number),
            };
            let location = format!("/v1/reservations/{reservation_id}");
            if let Ok(id) = ReservationId::try_from(reservation_id) {
                let known = KnownReservation {
                    schedule_id,
                    user_id: fan.caller.user(),
                };
                drafted = Some((id, known, location.clone()));
            }
            Ok(Draft::new(event, pending, location))
        })
        .await;
    if let (Ok(response), Some((id, known, location))) = (&answer, drafted) {
        remember_if_held(&held, response, id, known, &location);
    }
    answer
}

/// A `201` is a hold decided HELD, and its `Location` names the
/// reservation it answers: this command's, unless the answer is a replay
/// of an earlier one under the same idempotency key.
fn remember_if_held(
    held: &HeldReservations,
    response: &HttpResponse,
    reservation_id: ReservationId,
    known: KnownReservation,
    location: &str,
) {
    let answers_this_hold = response.status() == actix_web::http::StatusCode::CREATED
        && response
            .headers()
            .get(actix_web::http::header::LOCATION)
            .and_then(|named| named.to_str().ok())
            .is_some_and(|named| named.ends_with(location));
    if answers_this_hold {
        held.held(reservation_id, known);
    }
}

/// Release the caller's hold.
///
/// Releasing a released hold again answers 200; an expired one 409
/// `HOLD_EXPIRED`; a paid one 409 `ALREADY_CONFIRMED`.
#[utoipa::path(
    delete,
    path = "/v1/reservations/{reservation_id}",
    tag = "reservations",
    params(
        ("reservation_id" = Uuid, Path, description = "From the hold's answer. Not a UUID: 404."),
        ("X-User-Id" = Uuid, Header, description = "The caller, set by the upstream gateway that authenticated them (the trust boundary)."),
        ("X-Queue-Token" = String, Header, description = "An ACTIVE token from `POST /v1/queue/tokens`."),
        ("Prefer" = Option<String>, Header, description = "`wait=<seconds>` (0..10, default 3)."),
    ),
    responses(
        (status = 200, description = "Released.", body = HoldReleased),
        (status = 202, description = "Not decided within the wait budget, or its append not confirmed in it: certain to be decided either way, and its `Location` reaches the final outcome (`UNAVAILABLE` if it was withdrawn before it was decided).", body = ReleasePending, headers(("Location" = String, description = "`/v1/reservations/{reservation_id}` (query-api) to poll"))),
        (status = 401, description = "`UNAUTHENTICATED` or `QUEUE_TOKEN_INVALID`.", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "Another user's reservation or token, or a token of another schedule's room (`FORBIDDEN`), or `QUEUE_TOKEN_NOT_ACTIVE`.", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such reservation (`NOT_FOUND`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`ALREADY_CONFIRMED`, `HOLD_EXPIRED` or `PAYMENT_IN_PROGRESS`.", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "A dependency is unavailable (`UNAVAILABLE`), with `Retry-After`. The command never takes effect, whatever happens later: retrying it is safe.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn release_hold(
    path: web::Path<Uuid>,
    release: Submission<GuardedCaller, NoBody>,
    held: web::Data<HeldReservations>,
) -> Result<HttpResponse, ApiError> {
    // Releasing is idempotent by nature; DELETE takes no Idempotency-Key.
    release
        .submit(CommandType::Release, async |fan, _, context| {
            let reservation_id = ReservationId::try_from(path.into_inner())
                .map_err(|_| ApiError::NotFound("reservation"))?;
            let user = fan.caller.user();
            let known = held.owned_by(context.pool, reservation_id, user).await?;
            fan.admits_to(known.schedule_id.as_uuid())?;
            let event = v1::SeatReleaseRequested {
                reservation_id: reservation_id.as_uuid(),
                schedule_id: known.schedule_id.as_uuid(),
                user_id: user.as_uuid(),
                requested_at: context.at,
            };
            let pending = ReleasePending {
                status: PendingStatus::Pending,
                reservation_id: reservation_id.as_uuid(),
            };
            let location = format!("/v1/reservations/{reservation_id}");
            Ok(Draft::new(event, pending, location))
        })
        .await
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::LOCATION;

    use super::*;

    fn answered(status: u16, location: &str) -> HttpResponse {
        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
            .insert_header((LOCATION, location))
            .finish()
    }

    /// Only a `201` that answers this very command is remembered: a `202`
    /// is not decided yet, and a `201` naming another reservation replays
    /// an earlier command under the same idempotency key.
    #[test]
    fn only_a_201_naming_this_hold_is_remembered() {
        let schedule = ScheduleId::try_from(Uuid::new_v4()).unwrap();
        let user = domain::UserId::try_from(Uuid::new_v4()).unwrap();
        let cases = [(201, true, true), (202, true, false), (201, false, false)];
        for (status, names_this_hold, remembered) in cases {
            let held = HeldReservations::default();
            let id = Uuid::now_v7();
            let named = if names_this_hold { id } else { Uuid::now_v7() };
            let response = answered(
                status,
                &format!("http://query:8081/v1/reservations/{named}"),
            );
            let known = KnownReservation {
                schedule_id: schedule,
                user_id: user,
            };
            let reservation_id = ReservationId::try_from(id).unwrap();
            let location = format!("/v1/reservations/{id}");
            remember_if_held(&held, &response, reservation_id, known, &location);
            assert_eq!(
                held.remembers(reservation_id),
                remembered,
                "{status}, naming this hold: {names_this_hold}"
            );
        }
    }
}

//! Catalog administration: `POST /v1/admin/concerts` and
//! `POST /v1/admin/concerts/{id}/schedules`, behind `X-Admin-Key`. Both
//! land on the concert's catalog partition.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::{BookingWindow, ConcertId, Money, PricedSeat, SeatNumber, SeatPlan, Title, Venue};
use infra::decision::CommandType;
use infra::problem::ProblemBody;
use read_model::{
    ConcertPending, ConcertRegistered, PendingStatus, ScheduleAdded, SchedulePending,
};
use schemas::v1;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::command::{AdminKey, Draft, JsonBody, Submission};
use crate::error::ApiError;

/// `POST /v1/admin/concerts`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "The Foldbacks: Live", "venue": "Olympic Hall, Seoul"}))]
pub struct ConcertRequest {
    /// 1 to 200 characters after trimming.
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub title: Title,
    /// 1 to 200 characters after trimming.
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub venue: Venue,
}

/// One seat of a schedule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"number": 1, "price": 50000}))]
pub struct SeatRequest {
    /// A JSON integer, 1 to 100000, each number once.
    #[schema(value_type = i64, minimum = 1, maximum = 100000)]
    pub number: SeatNumber,
    /// KRW, a JSON integer of at least 0.
    #[schema(value_type = i64, minimum = 0)]
    pub price: Money,
}

/// `POST /v1/admin/concerts/{id}/schedules`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"starts_at": "2027-01-04T10:00:00Z", "booking_opens_at": "2026-12-05T10:00:00Z", "seats": [{"number": 1, "price": 50000}, {"number": 2, "price": 50000}, {"number": 3, "price": 70000}]}))]
pub struct ScheduleRequest {
    /// RFC 3339.
    pub starts_at: DateTime<Utc>,
    /// RFC 3339, no later than `starts_at`; holds before it answer 409 `BOOKING_NOT_OPEN`.
    pub booking_opens_at: DateTime<Utc>,
    /// At least one seat.
    #[schema(min_items = 1)]
    pub seats: Vec<SeatRequest>,
}

/// Register a concert.
#[utoipa::path(
    post,
    path = "/v1/admin/concerts",
    tag = "admin",
    params(
        ("X-Admin-Key" = String, Header, description = "The configured `ADMIN_KEY`; without one configured every admin call answers 401."),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, description = "1 to 255 characters, scoped to the admin key."),
        ("Prefer" = Option<String>, Header, description = "`wait=<seconds>` (0..10, default 3)."),
    ),
    request_body = ConcertRequest,
    responses(
        (status = 201, description = "Registered.", body = ConcertRegistered, headers(("Location" = String, description = "`/v1/concerts/{concert_id}/schedules` (query-api)"))),
        (status = 202, description = "Not decided within the wait budget, or its append not confirmed in it: certain to be decided either way, and its `Location` reaches the final outcome (`UNAVAILABLE` if it was withdrawn before it was decided).", body = ConcertPending, headers(("Location" = String, description = "`/v1/concerts/{concert_id}/schedules` (query-api) to poll"))),
        (status = 400, description = "Malformed body (`VALIDATION_FAILED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "Admin key missing, wrong, or none configured (`UNAUTHENTICATED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`IDEMPOTENCY_KEY_REUSED`.", body = ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "Body over 16 KiB (`PAYLOAD_TOO_LARGE`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "A dependency is unavailable (`UNAVAILABLE`), with `Retry-After`. The command never takes effect, whatever happens later: retrying it is safe.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn register_concert(
    concert: Submission<AdminKey, JsonBody>,
) -> Result<HttpResponse, ApiError> {
    concert
        .submit(CommandType::RegisterConcert, async |_, body, _| {
            let ConcertRequest { title, venue } = body.read()?;
            let concert_id = Uuid::now_v7();
            let event = v1::ConcertRegistered {
                concert_id,
                title: title.into(),
                venue: venue.into(),
            };
            let pending = ConcertPending {
                status: PendingStatus::Pending,
                concert_id,
            };
            let location = format!("/v1/concerts/{concert_id}/schedules");
            Ok(Draft::new(event, pending, location))
        })
        .await
}

/// Add a schedule (a performance) with its seats and prices to a concert.
#[utoipa::path(
    post,
    path = "/v1/admin/concerts/{concert_id}/schedules",
    tag = "admin",
    params(
        ("concert_id" = Uuid, Path, description = "The concert. Not a UUID: 404."),
        ("X-Admin-Key" = String, Header, description = "The configured `ADMIN_KEY`; without one configured every admin call answers 401."),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, description = "1 to 255 characters, scoped to the admin key."),
        ("Prefer" = Option<String>, Header, description = "`wait=<seconds>` (0..10, default 3)."),
    ),
    request_body = ScheduleRequest,
    responses(
        (status = 201, description = "Added; its seats can be held from `booking_opens_at`.", body = ScheduleAdded, headers(("Location" = String, description = "`/v1/concerts/{concert_id}/schedules` (query-api)"))),
        (status = 202, description = "Not decided within the wait budget, or its append not confirmed in it: certain to be decided either way, and its `Location` reaches the final outcome (`UNAVAILABLE` if it was withdrawn before it was decided).", body = SchedulePending, headers(("Location" = String, description = "`/v1/concerts/{concert_id}/schedules` (query-api) to poll"))),
        (status = 400, description = "Malformed body, booking opening after the start, no seats or a seat twice (`VALIDATION_FAILED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "Admin key missing, wrong, or none configured (`UNAUTHENTICATED`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such concert (`NOT_FOUND`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "`IDEMPOTENCY_KEY_REUSED`.", body = ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "Body over 16 KiB (`PAYLOAD_TOO_LARGE`).", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "A dependency is unavailable (`UNAVAILABLE`), with `Retry-After`. The command never takes effect, whatever happens later: retrying it is safe.", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn add_schedule(
    path: web::Path<Uuid>,
    schedule: Submission<AdminKey, JsonBody>,
) -> Result<HttpResponse, ApiError> {
    schedule
        .submit(CommandType::AddSchedule, async |_, body, _| {
            // The concert before the body, as the contract orders.
            let concert_id = ConcertId::try_from(path.into_inner())
                .map_err(|_| ApiError::NotFound("concert"))?;
            let ScheduleRequest {
                starts_at,
                booking_opens_at,
                seats,
            } = body.read()?;
            let invalid = |error: domain::InvalidValue| ApiError::Invalid(error.to_string());
            let window = BookingWindow::new(booking_opens_at, starts_at).map_err(invalid)?;
            let plan = SeatPlan::try_from(
                seats
                    .into_iter()
                    .map(|seat| PricedSeat {
                        number: seat.number,
                        price: seat.price,
                    })
                    .collect::<Vec<_>>(),
            )
            .map_err(invalid)?;
            let schedule_id = Uuid::now_v7();
            let event = v1::ScheduleAdded {
                concert_id: concert_id.as_uuid(),
                schedule_id,
                starts_at: window.starts_at(),
                booking_opens_at: window.opens_at(),
                seats: plan
                    .seats()
                    .iter()
                    .map(|seat| v1::PricedSeat {
                        number: i64::from(seat.number),
                        price: seat.price.krw(),
                    })
                    .collect(),
            };
            let pending = SchedulePending {
                status: PendingStatus::Pending,
                concert_id: concert_id.as_uuid(),
                schedule_id,
            };
            let location = format!("/v1/concerts/{concert_id}/schedules");
            Ok(Draft::new(event, pending, location))
        })
        .await
}

//! The fan flow's REST contract (`../shared/API.md`) answered from memory
//! with nothing behind it: no log, no fold, no database, no queue. A hold is
//! always granted, a payment always completes, every token is ACTIVE.
//!
//! It is a measuring instrument, not a stand-in for any part of ticketfold:
//! `load/run.sh --capacity --floor` runs the capacity steps against it, so
//! what is left is what k6 itself (and the cheapest possible server) costs
//! on this machine. A rate the floor cannot carry is out of reach for any
//! design of the contract measured with k6 on the same cores.
//!
//! The bodies have the contract's shapes and sizes (a seat map lists every
//! seat with its price), because k6 pays for parsing them.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use actix_web::http::StatusCode;
use actix_web::{web, App, HttpResponse, HttpServer};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

#[derive(Deserialize)]
struct NewConcert {
    title: String,
    venue: String,
}

#[derive(Clone, Deserialize, Serialize)]
struct Seat {
    number: u32,
    price: i64,
}

#[derive(Deserialize)]
struct NewSchedule {
    starts_at: DateTime<Utc>,
    booking_opens_at: DateTime<Utc>,
    seats: Vec<Seat>,
}

#[derive(Deserialize)]
struct Hold {
    schedule_id: Uuid,
    seat_number: u32,
}

#[derive(Deserialize)]
struct Charge {
    amount: i64,
}

#[derive(Deserialize)]
struct Payment {
    reservation_id: Uuid,
}

struct Schedule {
    concert_id: Uuid,
    listed: serde_json::Value,
    /// The seat map's body, built once: every seat AVAILABLE.
    seat_map: String,
    prices: HashMap<u32, i64>,
}

#[derive(Default)]
struct Catalog {
    concerts: Vec<serde_json::Value>,
    schedules: HashMap<Uuid, Schedule>,
}

type Shared = web::Data<Arc<RwLock<Catalog>>>;

fn json_answer(status: StatusCode, body: &serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .body(body.to_string())
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("application/problem+json")
        .body(r#"{"type":"about:blank","title":"Not Found","status":404,"detail":"no such resource","code":"NOT_FOUND"}"#)
}

fn in_five_minutes() -> String {
    (Utc::now() + Duration::minutes(5)).to_rfc3339()
}

async fn create_concert(catalog: Shared, body: web::Json<NewConcert>) -> HttpResponse {
    let concert_id = Uuid::new_v4();
    let mut catalog = catalog.write().unwrap_or_else(|e| e.into_inner());
    catalog
        .concerts
        .push(json!({"concert_id": concert_id, "title": body.title, "venue": body.venue}));
    json_answer(StatusCode::CREATED, &json!({ "concert_id": concert_id }))
}

async fn create_schedule(
    catalog: Shared,
    concert_id: web::Path<Uuid>,
    body: web::Json<NewSchedule>,
) -> HttpResponse {
    let schedule_id = Uuid::new_v4();
    let body = body.into_inner();
    let seats: Vec<_> = body
        .seats
        .iter()
        .map(|seat| json!({"number": seat.number, "price": seat.price, "status": "AVAILABLE"}))
        .collect();
    let schedule = Schedule {
        concert_id: *concert_id,
        listed: json!({
            "schedule_id": schedule_id,
            "starts_at": body.starts_at,
            "booking_opens_at": body.booking_opens_at,
            "total_seats": body.seats.len(),
            "available_seats": body.seats.len(),
        }),
        seat_map: json!({"schedule_id": schedule_id, "seats": seats}).to_string(),
        prices: body.seats.iter().map(|s| (s.number, s.price)).collect(),
    };
    let mut catalog = catalog.write().unwrap_or_else(|e| e.into_inner());
    catalog.schedules.insert(schedule_id, schedule);
    json_answer(StatusCode::CREATED, &json!({ "schedule_id": schedule_id }))
}

async fn concerts(catalog: Shared) -> HttpResponse {
    let catalog = catalog.read().unwrap_or_else(|e| e.into_inner());
    json_answer(StatusCode::OK, &json!(catalog.concerts))
}

async fn schedules(catalog: Shared, concert_id: web::Path<Uuid>) -> HttpResponse {
    let catalog = catalog.read().unwrap_or_else(|e| e.into_inner());
    let listed: Vec<_> = catalog
        .schedules
        .values()
        .filter(|s| s.concert_id == *concert_id)
        .map(|s| s.listed.clone())
        .collect();
    json_answer(StatusCode::OK, &json!(listed))
}

async fn seat_map(catalog: Shared, schedule_id: web::Path<Uuid>) -> HttpResponse {
    let catalog = catalog.read().unwrap_or_else(|e| e.into_inner());
    match catalog.schedules.get(&schedule_id) {
        Some(schedule) => HttpResponse::Ok()
            .content_type("application/json")
            .body(schedule.seat_map.clone()),
        None => not_found(),
    }
}

async fn token() -> HttpResponse {
    json_answer(
        StatusCode::CREATED,
        &json!({"token": Uuid::new_v4(), "status": "ACTIVE", "position": 0, "eta_seconds": 0, "expires_at": in_five_minutes()}),
    )
}

async fn current_token() -> HttpResponse {
    json_answer(
        StatusCode::OK,
        &json!({"status": "ACTIVE", "position": 0, "eta_seconds": 0, "expires_at": in_five_minutes()}),
    )
}

async fn hold(catalog: Shared, body: web::Json<Hold>) -> HttpResponse {
    let catalog = catalog.read().unwrap_or_else(|e| e.into_inner());
    let Some(price) = catalog
        .schedules
        .get(&body.schedule_id)
        .and_then(|s| s.prices.get(&body.seat_number))
    else {
        return not_found();
    };
    json_answer(
        StatusCode::CREATED,
        &json!({"reservation_id": Uuid::new_v4(), "schedule_id": body.schedule_id, "seat_number": body.seat_number, "status": "HELD", "price": price, "expires_at": in_five_minutes()}),
    )
}

async fn charge(body: web::Json<Charge>) -> HttpResponse {
    json_answer(StatusCode::OK, &json!({ "balance": body.amount }))
}

async fn pay(body: web::Json<Payment>) -> HttpResponse {
    json_answer(
        StatusCode::CREATED,
        &json!({"payment_id": Uuid::new_v4(), "reservation_id": body.reservation_id, "amount": 50000, "status": "COMPLETED", "balance": 0}),
    )
}

async fn reservation(reservation_id: web::Path<Uuid>) -> HttpResponse {
    json_answer(
        StatusCode::OK,
        &json!({"reservation_id": *reservation_id, "schedule_id": Uuid::nil(), "seat_number": 1, "status": "CONFIRMED", "price": 50000, "expires_at": in_five_minutes()}),
    )
}

async fn balance() -> HttpResponse {
    json_answer(StatusCode::OK, &json!({ "balance": 0 }))
}

fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/healthz", web::get().to(HttpResponse::Ok))
        .route("/v1/admin/concerts", web::post().to(create_concert))
        .route(
            "/v1/admin/concerts/{id}/schedules",
            web::post().to(create_schedule),
        )
        .route("/v1/concerts", web::get().to(concerts))
        .route("/v1/concerts/{id}/schedules", web::get().to(schedules))
        .route("/v1/schedules/{id}/seats", web::get().to(seat_map))
        .route("/v1/queue/tokens", web::post().to(token))
        .route("/v1/queue/tokens/current", web::get().to(current_token))
        .route("/v1/reservations", web::post().to(hold))
        .route("/v1/reservations/{id}", web::get().to(reservation))
        .route("/v1/balance/charges", web::post().to(charge))
        .route("/v1/balance", web::get().to(balance))
        .route("/v1/payments", web::post().to(pay));
}

/// `contract-floor [PORT [WORKERS]]`: listens on 127.0.0.1:PORT (18380)
/// with WORKERS threads (1, so it takes at most one core).
fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|a| a.parse().ok()).unwrap_or(18380);
    let workers: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let catalog: Shared = web::Data::new(Arc::default());
    actix_web::rt::System::new().block_on(async move {
        println!("contract-floor listening on 127.0.0.1:{port} with {workers} worker(s)");
        HttpServer::new(move || App::new().app_data(catalog.clone()).configure(routes))
            .workers(workers)
            .backlog(8192)
            .bind(("127.0.0.1", port))?
            .run()
            .await
    })
}

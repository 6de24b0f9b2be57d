//! One module per route group.

mod answer;
pub mod balance;
pub mod catalog;
pub mod health;
pub mod payments;
pub mod reservations;
pub mod seats;

use actix_web::web;
use infra::http::resource;

/// Registers this service's own routes; the operational ones come from
/// `infra::http::base_app`. Every path goes through `resource` so other
/// methods answer 405 problems.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/concerts").route(web::get().to(catalog::concerts)))
        .service(
            resource("/v1/concerts/{concert_id}/schedules")
                .route(web::get().to(catalog::schedules)),
        )
        .service(
            resource("/v1/schedules/{schedule_id}/seats").route(web::get().to(seats::seat_map)),
        )
        .service(
            resource("/v1/queue/tokens/current").route(web::get().to(waiting_room::current_token)),
        )
        .service(resource("/v1/balance").route(web::get().to(balance::balance)))
        .service(resource("/v1/balance/charges/{charge_id}").route(web::get().to(balance::charge)))
        .service(
            resource("/v1/reservations/{reservation_id}")
                .route(web::get().to(reservations::reservation)),
        )
        .service(resource("/v1/payments/{payment_id}").route(web::get().to(payments::payment)));
}

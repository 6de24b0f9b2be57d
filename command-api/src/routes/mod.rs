//! One module per route group.

pub mod admin;
pub mod balance;
pub mod health;
pub mod payments;
pub mod reservations;

use actix_web::web;
use infra::http::resource;

/// Registers this service's own routes; the operational ones come from
/// `infra::http::base_app`. Every path goes through `resource` so other
/// methods answer 405 problems.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/queue/tokens").route(web::post().to(waiting_room::issue_token)))
        .service(resource("/v1/reservations").route(web::post().to(reservations::place_hold)))
        .service(
            resource("/v1/reservations/{reservation_id}")
                .route(web::delete().to(reservations::release_hold)),
        )
        .service(resource("/v1/balance/charges").route(web::post().to(balance::charge)))
        .service(resource("/v1/payments").route(web::post().to(payments::pay)))
        .service(resource("/v1/admin/concerts").route(web::post().to(admin::register_concert)))
        .service(
            resource("/v1/admin/concerts/{concert_id}/schedules")
                .route(web::post().to(admin::add_schedule)),
        );
}

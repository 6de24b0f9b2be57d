//! One module per route group.

pub mod admin;
pub mod balance;
pub mod health;
pub mod payments;
pub mod queue_admin;
pub mod reservations;

use actix_web::web;
use infra::http::resource;

/// Registers this service's own routes; the operational ones come from
/// `infra::http::base_app`. Every path goes through `resource` so other
/// methods answer 405 problems.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/queue/tokens").route(web::post().to(waiting_room::issue_token)))
        .service(
            resource("/v1/queue/challenge").route(web::get().to(waiting_room::issue_challenge)),
        )
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
        )
        .service(
            resource("/v1/admin/queue/controls").route(web::get().to(queue_admin::control_log)),
        )
        .service(
            resource("/v1/admin/queue/rooms/{room}").route(web::get().to(queue_admin::room_state)),
        )
        .service(
            resource("/v1/admin/queue/rooms/{room}/limits")
                .route(web::put().to(queue_admin::room_limits)),
        )
        .service(
            resource("/v1/admin/queue/rooms/{room}/{action}")
                .route(web::post().to(queue_admin::room_action)),
        );
}

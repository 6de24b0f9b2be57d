//! One module per route group.

pub mod health;

use actix_web::web;
use infra::http::resource;

/// Registers this service's own routes; the operational ones come from
/// `infra::http::base_app`. Every path goes through `resource` so other
/// methods answer 405 problems.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/queue/tokens/current").route(web::get().to(infra::queue::current_token)),
    );
}

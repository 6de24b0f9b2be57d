//! One module per route group.

pub mod health;

use actix_web::web;

/// Registers this service's own routes; the operational ones come from
/// `infra::http::base_app`.
pub fn configure(_cfg: &mut web::ServiceConfig) {}

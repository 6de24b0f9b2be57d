use actix_cors::Cors;
use actix_web::http::{header, Method};

use crate::config::CorsSettings;

/// Request headers browsers may send cross-origin (see the API contract).
const ALLOWED_HEADERS: [&str; 7] = [
    "content-type",
    "accept",
    "x-user-id",
    "x-queue-token",
    "idempotency-key",
    "prefer",
    "x-admin-key",
];

/// CORS for the configured origins only; with none configured, browsers on
/// other origins are refused. `Location` and `Retry-After` are exposed so
/// frontends can follow pending commands and back off.
pub fn cors(settings: &CorsSettings) -> Cors {
    let cors = Cors::default()
        .allowed_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allowed_headers(ALLOWED_HEADERS)
        .expose_headers([header::LOCATION, header::RETRY_AFTER])
        .max_age(3600);
    settings
        .allowed_origins
        .iter()
        .fold(cors, |cors, origin| cors.allowed_origin(origin))
}

use actix_cors::Cors;
use actix_web::http::Method;

use crate::config::CorsSettings;

/// Request headers browsers may send cross-origin (see the API contract).
const ALLOWED_HEADERS: [&str; 10] = [
    "content-type",
    "authorization",
    "accept",
    "x-user-id",
    "x-queue-token",
    "x-queue-proof",
    "idempotency-key",
    "prefer",
    "x-correlation-id",
    "x-admin-key",
];

/// Response headers a cross-origin page may read: where to follow a 202
/// (`Location`), when to come back (`Retry-After`), how to report a request
/// (`X-Correlation-Id`), how to authenticate (`WWW-Authenticate`, AUTH_MODE=jwt), and whether an answer was a replay or applied the
/// caller's `Prefer`.
const EXPOSED_HEADERS: [&str; 6] = [
    "location",
    "www-authenticate",
    "retry-after",
    "x-correlation-id",
    "idempotent-replayed",
    "preference-applied",
];

/// CORS for the configured origins only; with none configured, browsers on
/// other origins are refused.
pub fn cors(settings: &CorsSettings) -> Cors {
    let cors = Cors::default()
        .allowed_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allowed_headers(ALLOWED_HEADERS)
        .expose_headers(EXPOSED_HEADERS)
        .max_age(3600);
    settings
        .allowed_origins
        .iter()
        .fold(cors, |cors, origin| cors.allowed_origin(origin))
}

//! How malformed, oversized or misrouted requests are refused: always with
//! problem+json and the contract's code, never actix's plain-text defaults.

use std::panic::AssertUnwindSafe;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PayloadError};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, Next};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use futures::FutureExt;

use super::openapi::ApiDocument;
use crate::problem::{ErrorCode, Problem};

/// The largest request body any endpoint accepts.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

fn too_large() -> Problem {
    Problem::new(
        ErrorCode::PayloadTooLarge,
        format!("request bodies are limited to {MAX_BODY_BYTES} bytes"),
    )
}

/// `web::Json` bodies: too large is 413; malformed JSON, wrong types,
/// missing or unknown fields (with `#[serde(deny_unknown_fields)]`) are 400.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(MAX_BODY_BYTES)
        .error_handler(|error, _req| json_rejection(&error).into())
}

fn json_rejection(error: &JsonPayloadError) -> Problem {
    match error {
        JsonPayloadError::Overflow { .. }
        | JsonPayloadError::OverflowKnownLength { .. }
        | JsonPayloadError::Payload(PayloadError::Overflow) => too_large(),
        JsonPayloadError::ContentType => {
            Problem::validation("the body must be JSON with Content-Type: application/json")
        }
        JsonPayloadError::Deserialize(e) => {
            Problem::validation(format!("the body is not valid: {e}"))
        }
        other => Problem::validation(format!("the body could not be read: {other}")),
    }
}

/// Raw body extractors (`Bytes`, `String`) share the JSON size limit.
pub fn payload_config() -> web::PayloadConfig {
    web::PayloadConfig::new(MAX_BODY_BYTES)
}

/// A path segment that does not parse (e.g. an id that is not a UUID) names
/// nothing that exists: 404, not 400.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_error, req| {
        Problem::not_found(format!("no resource at {}", req.path())).into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|error, _req| Problem::validation(format!("invalid query: {error}")).into())
}

/// Refuses a declared oversized body before anything else looks at the
/// request, so 413 wins over authentication errors (contract precedence).
pub async fn limit_body_size(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Ok(req.error_response(too_large()).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// Turns a panicking handler into `500 INTERNAL` for that one request; the
/// worker and every other connection carry on.
pub async fn contain_panics(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // The request cannot be kept for building a response (routing needs it
    // unshared), so the panic surfaces as an error the outer layers render.
    let path = req.path().to_owned();
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(result) => result,
        Err(_) => {
            tracing::error!(%path, "handler panicked");
            Err(Problem::internal("unexpected failure").into())
        }
    }
}

/// The default service: no route matches the path.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    Problem::not_found(format!("no route for {}", req.path())).error_response()
}

/// A resource's default service: the path exists, the method does not.
/// The `Allow` header RFC 9110 asks of a 405 lists the methods the
/// service's OpenAPI document gives the route (found by schemathesis).
pub async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let mut response = Problem::new(
        ErrorCode::MethodNotAllowed,
        format!("{} is not allowed on {}", req.method(), req.path()),
    )
    .error_response();
    let allowed = req
        .match_pattern()
        .zip(req.app_data::<web::Data<ApiDocument>>())
        .and_then(|(pattern, document)| {
            document
                .allowed_methods(&pattern)
                .and_then(|methods| HeaderValue::from_str(methods).ok())
        });
    if let Some(methods) = allowed {
        response.headers_mut().insert(header::ALLOW, methods);
    }
    response
}

/// A safety net rewriting any error answer that is not problem+json yet
/// (e.g. from actix internals) into one, keeping status and headers.
pub fn problem_fallback<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(as_problem)
}

fn as_problem<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    let code = match res.status() {
        StatusCode::BAD_REQUEST => Some(ErrorCode::ValidationFailed),
        StatusCode::UNAUTHORIZED => Some(ErrorCode::Unauthenticated),
        StatusCode::FORBIDDEN => Some(ErrorCode::Forbidden),
        StatusCode::NOT_FOUND => Some(ErrorCode::NotFound),
        StatusCode::METHOD_NOT_ALLOWED => Some(ErrorCode::MethodNotAllowed),
        StatusCode::PAYLOAD_TOO_LARGE => Some(ErrorCode::PayloadTooLarge),
        StatusCode::SERVICE_UNAVAILABLE => Some(ErrorCode::Unavailable),
        StatusCode::INTERNAL_SERVER_ERROR => Some(ErrorCode::Internal),
        _ => None,
    };
    let Some(code) = code.filter(|_| !is_problem) else {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    };
    let (req, original) = res.into_parts();
    let detail = original
        .status()
        .canonical_reason()
        .unwrap_or("error")
        .to_owned();
    let mut problem = Problem::new(code, detail).error_response();
    for (name, value) in original.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            problem.headers_mut().insert(name.clone(), value.clone());
        }
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, problem).map_into_right_body(),
    ))
}

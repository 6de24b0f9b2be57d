//! How read-model entries become HTTP answers.

use actix_web::http::header;
use actix_web::HttpResponse;
use read_model::Served;

use crate::error::ApiError;

/// 200 with the entry's bytes as they are: no re-serialization.
pub fn public(served: Served, what: &'static str) -> Result<HttpResponse, ApiError> {
    match served {
        Served::Found(body) => Ok(HttpResponse::Ok()
            .content_type("application/json")
            .body(body)),
        Served::NotFound => Err(ApiError::NotFound(what)),
    }
}

/// As `public`, for one user's data: kept out of shared caches.
pub fn private(served: Served, what: &'static str) -> Result<HttpResponse, ApiError> {
    let mut response = public(served, what)?;
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

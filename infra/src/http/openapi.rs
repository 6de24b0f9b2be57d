use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

use super::health::{__path_healthz, __path_readyz};
use super::shedding_doc::describe_shedding;
use crate::problem::{ErrorCode, ProblemBody};
use crate::telemetry::__path_metrics_text;

#[derive(OpenApi)]
#[openapi(
    paths(healthz, readyz, metrics_text, openapi_json),
    components(schemas(ProblemBody, ErrorCode)),
    tags((name = "operations", description = "Health, readiness, metrics and this document"))
)]
struct OperationalApi;

/// The OpenAPI description of the endpoints every service serves; each
/// service merges it into its own document.
pub fn operational_api() -> utoipa::openapi::OpenApi {
    OperationalApi::openapi()
}

/// A service's OpenAPI document, rendered once at start-up, and the methods
/// it documents for each path (the `Allow` of a 405, RFC 9110 §15.5.6).
#[derive(Debug, Clone)]
pub struct ApiDocument {
    json: String,
    allowed: HashMap<String, String>,
}

impl ApiDocument {
    /// `service_api` merged with the operational endpoints; the service's
    /// own operations are the ones the in-flight bound can shed.
    pub fn new(mut service_api: utoipa::openapi::OpenApi) -> Self {
        describe_shedding(&mut service_api);
        service_api.merge(operational_api());
        let allowed = service_api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ];
                let names: Vec<_> = methods
                    .iter()
                    .filter(|(_, documented)| *documented)
                    .map(|(name, _)| *name)
                    .collect();
                (path.clone(), names.join(", "))
            })
            .collect();
        Self {
            json: service_api.to_json().unwrap_or_else(|_| "{}".to_owned()),
            allowed,
        }
    }

    pub fn json(&self) -> &str {
        &self.json
    }

    /// The documented methods of a route pattern (`/v1/reservations/{reservation_id}`),
    /// as an `Allow` value; `None` for a path the document does not know.
    pub fn allowed_methods(&self, pattern: &str) -> Option<&str> {
        self.allowed.get(pattern).map(String::as_str)
    }
}

/// This service's OpenAPI 3 document, generated from its handlers.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses((status = 200, description = "OpenAPI 3 document", content_type = "application/json",
        example = json!({"openapi": "3.1.0", "info": {"title": "ticketfold query-api", "version": "0.1.0"}, "servers": [{"url": "http://127.0.0.1:8081"}], "paths": {}})))
)]
pub async fn openapi_json(document: web::Data<ApiDocument>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document.json().to_owned())
}

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{web, App, Resource};

use super::health::{healthz, readyz, Readiness};
use super::in_flight::{bound_in_flight, InFlightBound};
use super::openapi::{openapi_json, ApiDocument};
use super::rejections::{
    contain_panics, json_config, limit_body_size, method_not_allowed, not_found, path_config,
    payload_config, problem_fallback, query_config,
};
use super::request_span::request_span;
use crate::auth::Authenticator;
use crate::config::{AuthSettings, CorsSettings};
use crate::telemetry::{metrics_text, record_http, Metrics};

/// What the operational endpoints and shared middleware of one service need.
#[derive(Clone)]
pub struct Operational {
    pub metrics: web::Data<Metrics>,
    pub readiness: web::Data<Readiness>,
    pub document: web::Data<ApiDocument>,
    pub cors: CorsSettings,
    /// `None` (the projector, tests of infra) works on everything at once.
    pub in_flight: Option<web::Data<InFlightBound>>,
    /// Who callers are (`infra::auth`); the gateway's `X-User-Id` unless
    /// `authenticating` says otherwise.
    pub authenticator: web::Data<Authenticator>,
}

impl Operational {
    pub fn new(
        metrics: Metrics,
        readiness: Readiness,
        document: ApiDocument,
        cors: CorsSettings,
    ) -> Self {
        Self {
            metrics: web::Data::new(metrics),
            readiness: web::Data::new(readiness),
            document: web::Data::new(document),
            cors,
            in_flight: None,
            authenticator: web::Data::new(Authenticator::Gateway),
        }
    }

    /// Identifies callers as AUTH_MODE says (`config::AuthSettings`).
    pub fn authenticating(mut self, settings: &AuthSettings) -> Self {
        self.authenticator = web::Data::new(Authenticator::from_settings(settings));
        self
    }

    /// Bounds the requests worked on at once (see [`InFlightBound`]).
    pub fn bound_in_flight(mut self, bound: InFlightBound) -> Self {
        self.in_flight = Some(web::Data::new(bound));
        self
    }
}

/// A resource whose unsupported methods answer `405 METHOD_NOT_ALLOWED`
/// instead of actix's empty 405. Register every route through it.
pub fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

/// The app every service starts from: operational endpoints, extractor
/// rules, 404 for unknown routes, and the middleware stack (outermost
/// first): the request span, metrics, CORS, the in-flight bound, body-size
/// limit, problem+json fallback, panic containment. A shed request is
/// still logged, counted and CORS-decorated. Services add their routes with
/// `.configure(..)`.
pub fn base_app(
    ops: &Operational,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let app = match &ops.in_flight {
        Some(bound) => App::new().app_data(bound.clone()),
        None => App::new(),
    };
    app.app_data(ops.metrics.clone())
        .app_data(ops.readiness.clone())
        .app_data(ops.document.clone())
        .app_data(ops.authenticator.clone())
        .app_data(json_config())
        .app_data(payload_config())
        .app_data(path_config())
        .app_data(query_config())
        .service(resource("/healthz").route(web::get().to(healthz)))
        .service(resource("/readyz").route(web::get().to(readyz)))
        .service(resource("/metrics").route(web::get().to(metrics_text)))
        .service(resource("/openapi.json").route(web::get().to(openapi_json)))
        .default_service(web::to(not_found))
        .wrap(from_fn(contain_panics))
        .wrap(problem_fallback())
        .wrap(from_fn(limit_body_size))
        .wrap(from_fn(bound_in_flight))
        .wrap(super::cors(&ops.cors))
        .wrap(from_fn(record_http))
        .wrap(from_fn(request_span))
}

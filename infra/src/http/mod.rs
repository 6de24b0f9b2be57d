//! The actix pieces every service shares: operational endpoints, request
//! rejection rules, CORS, the request span, the in-flight bound, and the app they are assembled
//! into.

mod app;
mod auth_doc;
mod connections;
mod cors;
mod health;
mod in_flight;
mod listener;
mod openapi;
mod query_links;
mod rejections;
mod request_span;
mod shedding_doc;

pub use app::{base_app, resource, Operational};
pub use auth_doc::{describe_authentication, BEARER_NOTE, BEARER_SCHEME, GATEWAY_SCHEME};
pub use connections::{
    CLIENT_DISCONNECT_TIMEOUT, CLIENT_REQUEST_TIMEOUT, KEEP_ALIVE, LISTEN_BACKLOG,
};
pub use cors::cors;
pub use health::{healthz, readyz, Readiness, DEFAULT_PROBE_TIMEOUT};
pub use in_flight::{bound_in_flight, InFlightBound};
pub use listener::bind_listener;
pub use openapi::{openapi_json, operational_api, ApiDocument};
pub use query_links::QueryLinks;
pub use rejections::{
    contain_panics, json_config, limit_body_size, method_not_allowed, not_found, path_config,
    payload_config, problem_fallback, query_config, MAX_BODY_BYTES,
};
pub use request_span::{ACCESS_TARGET, CORRELATION_HEADER};
pub use shedding_doc::SHED_NOTE;

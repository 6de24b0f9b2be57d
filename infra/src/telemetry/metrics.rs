use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

/// Fine enough to read a p95 anywhere between 5 ms and 2 s.
pub const HTTP_DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 5.0,
];

/// One service's Prometheus registry, with the HTTP metrics every service
/// exports already registered. Services register their own collectors on it.
/// A service starts from [`Metrics::for_service`]; [`Metrics::new`] alone
/// (the HTTP metrics, no build or process metrics) is for tests.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let labels = &["route", "method", "status"];
        let http_requests = IntCounterVec::new(
            Opts::new("ticketfold_http_requests_total", "HTTP requests answered"),
            labels,
        )
        .expect("valid metric");
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "ticketfold_http_request_duration_seconds",
                "Time to answer an HTTP request",
            )
            .buckets(HTTP_DURATION_BUCKETS.to_vec()),
            labels,
        )
        .expect("valid metric");
        registry
            .register(Box::new(http_requests.clone()))
            .expect("first registration");
        registry
            .register(Box::new(http_duration.clone()))
            .expect("first registration");
        Self {
            registry,
            http_requests,
            http_duration,
        }
    }

    /// The HTTP metrics, `ticketfold_build_info` for `service` and the
    /// process metrics (see `process.rs`).
    pub fn for_service(service: &str) -> Self {
        let metrics = Self::new();
        super::process::register(&metrics.registry, service)
            .expect("build and process metrics register once, with valid names");
        metrics
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The registry in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        let encoded = TextEncoder::new().encode(&self.registry.gather(), &mut buffer);
        if let Err(error) = encoded {
            tracing::error!(%error, "rendering metrics failed");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }

    fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [route, method, status.as_str()];
        self.http_requests.with_label_values(&labels).inc();
        self.http_duration
            .with_label_values(&labels)
            .observe(seconds);
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Middleware (`from_fn`) recording every request against the pattern of
/// the route that matched, so label values stay bounded.
pub async fn record_http(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = method_label(req.method());
    let result = next.call(req).await;
    if let Some(metrics) = metrics {
        let status = match &result {
            Ok(res) => res.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        metrics.observe(
            &route,
            method,
            status.as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    result
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Prometheus metrics in text format.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain", body = String,
        example = json!("# HELP ticketfold_http_requests_in_flight Requests being worked on.\n# TYPE ticketfold_http_requests_in_flight gauge\nticketfold_http_requests_in_flight 3\n")))
)]
pub async fn metrics_text(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_show_up_in_the_text_format() {
        let metrics = Metrics::new();
        metrics.observe("/healthz", "GET", 200, 0.003);
        let text = metrics.render();
        assert!(
            text.contains(
                "ticketfold_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
            ),
            "{text}"
        );
        assert!(text.contains("ticketfold_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",status=\"200\",le=\"0.005\"} 1"), "{text}");
    }

    #[test]
    fn a_service_says_which_build_it_runs_and_how_its_process_does() {
        let text = Metrics::for_service("projector").render();
        let build_info = format!(
            "ticketfold_build_info{{commit=\"{}\",service=\"projector\",version=\"{}\"}} 1",
            super::super::process::COMMIT,
            super::super::process::VERSION
        );
        assert!(text.contains(&build_info), "{text}");
        for name in [
            "process_cpu_seconds_total",
            "process_resident_memory_bytes",
            "process_open_fds",
            "process_max_fds",
            "process_start_time_seconds",
        ] {
            assert!(
                text.contains(&format!("\n{name} ")),
                "{name} missing: {text}"
            );
        }
    }
}

//! The request span `base_app` puts around every request, read back from
//! the log lines it produces at a given filter.

use std::io::Write;
use std::sync::{Arc, Mutex};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::{test, web, HttpResponse};
use infra::config::CorsSettings;
use infra::http::{base_app, resource, ApiDocument, Operational, Readiness};
use infra::telemetry::Metrics;
use tracing_subscriber::fmt::MakeWriter;
use uuid::Uuid;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// Logs of this thread (the test's app runs on it) at `filter`, as text.
fn capture(filter: &str) -> (Captured, tracing::subscriber::DefaultGuard) {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    (logs, guard)
}

async fn reservation(id: web::Path<Uuid>) -> HttpResponse {
    tracing::info!(reservation_id = %id, "reading a reservation");
    HttpResponse::Ok().finish()
}

async fn explode() -> HttpResponse {
    panic!("a bug in a handler")
}

async fn app() -> impl Service<
    actix_http::Request,
    Response = ServiceResponse<impl MessageBody>,
    Error = actix_web::Error,
> {
    let document = ApiDocument::new(utoipa::openapi::OpenApiBuilder::new().build());
    let ops = Operational::new(
        Metrics::new(),
        Readiness::default(),
        document,
        CorsSettings::default(),
    );
    test::init_service(
        base_app(&ops)
            .service(resource("/v1/reservations/{id}").route(web::get().to(reservation)))
            .service(resource("/explode").route(web::get().to(explode))),
    )
    .await
}

async fn get(uri: &str, correlation_id: Option<&str>) {
    let app = app().await;
    let mut request = test::TestRequest::get().uri(uri);
    if let Some(id) = correlation_id {
        request = request.insert_header(("X-Correlation-Id", id));
    }
    // A panic surfaces as an error, which the server would render.
    if let Ok(response) = test::try_call_service(&app, request.to_request()).await {
        let _ = test::read_body(response).await;
    }
}

#[actix_web::test]
async fn a_request_is_one_span_with_its_route_status_latency_and_correlation_id() {
    let (logs, _guard) = capture("info");
    let (id, correlation) = (Uuid::now_v7(), Uuid::now_v7());
    get(
        &format!("/v1/reservations/{id}"),
        Some(&format!(" {correlation} ")),
    )
    .await;
    let lines = logs.lines();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    let span =
        format!("request{{method=GET route=/v1/reservations/{{id}} correlation_id={correlation}");
    // The handler's own line is inside the span, before status and latency
    // are known; the closing line has them.
    assert!(lines[0].contains(&span), "{}", lines[0]);
    assert!(lines[0].contains("reading a reservation"), "{}", lines[0]);
    assert!(lines[1].contains(&span), "{}", lines[1]);
    assert!(lines[1].contains(" status=200 latency_ms="), "{}", lines[1]);
    assert!(lines[1].contains("}: access: answered"), "{}", lines[1]);
    assert!(lines[1].contains(" INFO "), "{}", lines[1]);
    // Ids in the path stay out of the route.
    assert_eq!(lines[1].matches(&id.to_string()).count(), 0, "{}", lines[1]);
}

#[actix_web::test]
async fn a_correlation_id_that_is_not_a_uuid_is_not_recorded() {
    let (logs, _guard) = capture("info");
    get("/v1/reservations/not-a-uuid", Some("not-a-uuid")).await;
    let lines = logs.lines();
    let answered = lines.iter().find(|l| l.contains("answered")).unwrap();
    assert!(!answered.contains("correlation_id"), "{answered}");
    assert!(answered.contains("status=404"), "{answered}");
}

#[actix_web::test]
async fn probes_are_answered_quietly_at_info() {
    let (logs, _guard) = capture("info");
    for probe in ["/healthz", "/readyz", "/metrics"] {
        get(probe, None).await;
    }
    assert_eq!(logs.lines(), Vec::<String>::new());

    let (logs, _guard) = capture("debug");
    get("/healthz", None).await;
    let lines = logs.lines();
    assert!(
        lines.iter().any(|l| l.contains("route=/healthz")
            && l.contains("status=200")
            && l.contains(" DEBUG ")),
        "{lines:#?}"
    );
}

#[actix_web::test]
async fn a_failure_is_logged_inside_its_request_span() {
    let (logs, _guard) = capture("info");
    get("/explode", None).await;
    let lines = logs.lines();
    let panicked = lines
        .iter()
        .find(|l| l.contains("handler panicked"))
        .expect("the panic is logged");
    assert!(
        panicked.contains("request{method=GET route=/explode"),
        "{panicked}"
    );
    let answered = lines.iter().find(|l| l.contains("answered")).unwrap();
    assert!(answered.contains("status=500"), "{answered}");
}

//! A bound on the requests one process works on at once. Past it a request
//! is answered at once with `503 UNAVAILABLE` and `Retry-After` instead of
//! queueing without limit: the connection stays open and answered, so a
//! client under load sees a polite refusal, never a dropped connection.
//! Probes and scrapes are never shed, so an overloaded instance still reads
//! as alive and its metrics still show why it is refusing work.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus::{IntCounter, IntGauge, Registry};

use crate::problem::Problem;

/// Paths answered whatever the load: liveness, readiness and metrics.
const NEVER_SHED: &[&str] = &["/healthz", "/readyz", "/metrics"];

/// The shared count of requests in flight in this process (every actix
/// worker holds a clone), with its limit and metrics.
#[derive(Clone)]
pub struct InFlightBound {
    count: Arc<AtomicUsize>,
    limit: usize,
    gauge: IntGauge,
    shed: IntCounter,
}

impl InFlightBound {
    /// Registers `ticketfold_http_requests_in_flight` and `ticketfold_http_requests_shed_total`.
    pub fn register(limit: usize, registry: &Registry) -> prometheus::Result<Self> {
        let gauge = IntGauge::new(
            "ticketfold_http_requests_in_flight",
            "HTTP requests being worked on (probes and scrapes excluded)",
        )?;
        let shed = IntCounter::new(
            "ticketfold_http_requests_shed_total",
            "HTTP requests answered 503 because the in-flight bound was reached",
        )?;
        let limit_gauge = IntGauge::new(
            "ticketfold_http_requests_in_flight_limit",
            "The in-flight bound (HTTP_MAX_IN_FLIGHT)",
        )?;
        limit_gauge.set(i64::try_from(limit).unwrap_or(i64::MAX));
        registry.register(Box::new(gauge.clone()))?;
        registry.register(Box::new(shed.clone()))?;
        registry.register(Box::new(limit_gauge))?;
        Ok(Self {
            count: Arc::new(AtomicUsize::new(0)),
            limit,
            gauge,
            shed,
        })
    }

    /// Takes a place if one is free; the place is given back when the
    /// returned guard drops (answered, failed or cancelled alike).
    fn enter(&self) -> Option<Place> {
        let taken = self
            .count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.limit).then_some(n + 1)
            });
        match taken {
            Ok(_) => {
                self.gauge.inc();
                Some(Place(self.clone()))
            }
            Err(_) => {
                self.shed.inc();
                None
            }
        }
    }
}

struct Place(InFlightBound);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.count.fetch_sub(1, Ordering::AcqRel);
        self.0.gauge.dec();
    }
}

/// Middleware: answers `503 UNAVAILABLE` (with `Retry-After`) when the
/// process already works on its bound of requests.
pub async fn bound_in_flight(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let bound = req.app_data::<web::Data<InFlightBound>>().cloned();
    let Some(bound) = bound.filter(|_| !NEVER_SHED.contains(&req.path())) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let Some(place) = bound.enter() else {
        let refusal = Problem::unavailable(format!(
            "this instance is working on its limit of {} requests; retry after the delay in Retry-After",
            bound.limit
        ));
        return Ok(req.error_response(refusal).map_into_right_body());
    };
    let answered = next.call(req).await;
    drop(place);
    answered.map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::middleware::from_fn;
    use actix_web::{test, App, HttpResponse};
    use tokio::sync::Semaphore;

    #[actix_web::test]
    async fn past_the_bound_answers_503_until_a_place_is_given_back() {
        let registry = Registry::new();
        let bound = InFlightBound::register(1, &registry).unwrap();
        // The slow route holds its place until the test lets it finish.
        let gate = web::Data::new(Semaphore::new(0));
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(bound.clone()))
                .app_data(gate.clone())
                .route(
                    "/slow",
                    web::get().to(|gate: web::Data<Semaphore>| async move {
                        let _ = gate.acquire().await;
                        HttpResponse::Ok().finish()
                    }),
                )
                .route("/fast", web::get().to(HttpResponse::Ok))
                .route("/healthz", web::get().to(HttpResponse::Ok))
                .wrap(from_fn(bound_in_flight)),
        )
        .await;

        let slow = test::call_service(&app, test::TestRequest::get().uri("/slow").to_request());
        let checks = async {
            tokio::task::yield_now().await;
            assert_eq!(bound.gauge.get(), 1);
            let refused =
                test::call_service(&app, test::TestRequest::get().uri("/fast").to_request()).await;
            assert_eq!(refused.status(), 503);
            assert_eq!(refused.headers().get("retry-after").unwrap(), "1");
            let body: serde_json::Value = test::read_body_json(refused).await;
            assert_eq!(body["code"], "UNAVAILABLE");
            let probe =
                test::call_service(&app, test::TestRequest::get().uri("/healthz").to_request())
                    .await;
            assert_eq!(probe.status(), 200, "probes are never shed");
            assert_eq!(bound.shed.get(), 1);
            gate.add_permits(1);
        };
        let (slow, ()) = futures::future::join(slow, checks).await;
        assert_eq!(slow.status(), 200);
        assert_eq!(bound.gauge.get(), 0, "the place is given back");
        let taken =
            test::call_service(&app, test::TestRequest::get().uri("/fast").to_request()).await;
        assert_eq!(taken.status(), 200);
    }
}

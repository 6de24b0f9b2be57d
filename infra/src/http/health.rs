use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, HttpResponse};
use futures::future::{join_all, BoxFuture};
use futures::FutureExt;
use serde::Serialize;

use crate::problem::Problem;

/// How long `/readyz` waits for any one dependency.
pub const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

type Probe = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// The dependencies a service needs to do its job, each with a probe that
/// proves it is reachable right now.
#[derive(Clone)]
pub struct Readiness {
    probes: Vec<(&'static str, Probe)>,
    timeout: Duration,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Alive {
    /// Always `ok`.
    status: &'static str,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Ready {
    /// Always `ready`.
    status: &'static str,
    /// `ok` per dependency, e.g. `{"postgres":"ok"}`.
    checks: BTreeMap<&'static str, String>,
}

impl Readiness {
    pub fn new(timeout: Duration) -> Self {
        Self {
            probes: Vec::new(),
            timeout,
        }
    }

    /// Adds a dependency; `probe` answers `Err(why)` when it is unreachable.
    pub fn probe<F, Fut>(mut self, name: &'static str, probe: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        self.probes.push((name, Arc::new(move || probe().boxed())));
        self
    }

    /// Runs every probe at once, each bounded by the timeout. Answers the
    /// outcome per dependency name.
    pub async fn check(&self) -> BTreeMap<&'static str, Result<(), String>> {
        let timeout = self.timeout;
        let runs = self.probes.iter().map(|(name, probe)| {
            let run = probe();
            async move {
                let outcome = match tokio::time::timeout(timeout, run).await {
                    Ok(outcome) => outcome,
                    Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
                };
                (*name, outcome)
            }
        });
        join_all(runs).await.into_iter().collect()
    }
}

impl Default for Readiness {
    fn default() -> Self {
        Self::new(DEFAULT_PROBE_TIMEOUT)
    }
}

/// Liveness: the process is up and serving HTTP.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "The process is up", body = Alive, example = json!({"status": "ok"})))
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Alive { status: "ok" })
}

/// Readiness: every dependency answered within its timeout.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Every dependency is reachable", body = Ready,
            example = json!({"status": "ready", "checks": {"postgres": "ok", "redis": "ok"}})),
        (status = 503, description = "A dependency is unreachable (code UNAVAILABLE, with Retry-After)",
            content_type = "application/problem+json", body = crate::problem::ProblemBody)
    )
)]
pub async fn readyz(readiness: web::Data<Readiness>) -> Result<HttpResponse, Problem> {
    let outcomes = readiness.check().await;
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|(name, outcome)| outcome.as_ref().err().map(|why| format!("{name}: {why}")))
        .collect();
    if !failures.is_empty() {
        tracing::warn!(failures = ?failures, "not ready");
        return Err(Problem::unavailable(format!(
            "not ready: {}",
            failures.join("; ")
        )));
    }
    let checks = outcomes
        .into_keys()
        .map(|name| (name, "ok".to_owned()))
        .collect();
    Ok(HttpResponse::Ok().json(Ready {
        status: "ready",
        checks,
    }))
}

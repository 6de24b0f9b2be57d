//! Builds the projector: the pipeline plus an HTTP server for the
//! operational endpoints, on the configured address (port 0 picks a free
//! one, which is how tests spawn it).

use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::HttpServer;
use infra::http::{
    base_app, bind_listener, ApiDocument, Operational, CLIENT_DISCONNECT_TIMEOUT,
    CLIENT_REQUEST_TIMEOUT, KEEP_ALIVE,
};
use infra::kafka::BrokerProbe;
use infra::redis::Redis;
use infra::telemetry::Metrics;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use utoipa::OpenApi;
use waiting_room::LagReport;

use crate::configuration::Settings;
use crate::error::{RunError, StartupError};
use crate::metrics::ProjectorMetrics;
use crate::pipeline::Pipeline;
use crate::routes;

#[derive(OpenApi)]
#[openapi(info(
    title = "ticketfold projector",
    description = "Operational endpoints of the projector."
))]
pub struct ApiDoc;

pub struct Application {
    port: u16,
    server: Server,
    pipeline: Pipeline,
    stop: StopHandle,
    lag_report: JoinHandle<()>,
}

/// Asks a running application to stop: the pipeline finishes its current
/// batch, then the HTTP server shuts down.
#[derive(Clone)]
pub struct StopHandle(Arc<watch::Sender<bool>>);

impl StopHandle {
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        // The fold may wait on a partition's row lock during a rebalance;
        // a probe must not: it gets its own pool under the request bounds.
        // The fold's commits need not wait for the disk: see `FoldCommit`.
        let pool =
            infra::postgres::connect_for_folds(&settings.database, settings.fold_commit).await?;
        let probe_pool = infra::postgres::connect_for_requests(&settings.database).await?;
        let redis = Redis::new(&settings.redis).map_err(StartupError::Redis)?;
        let broker = BrokerProbe::new(&settings.kafka).map_err(StartupError::Kafka)?;

        let metrics = Metrics::for_service("projector");
        let projector_metrics = ProjectorMetrics::register(metrics.registry())?;
        // The admission controller backs off when the fold falls behind.
        let lag = projector_metrics.lag.clone();
        let lag_report = LagReport::new(redis.clone()).spawn(move || unfolded(&lag));
        let pipeline = Pipeline::start(
            &settings,
            pool.clone(),
            projector_metrics,
            metrics.registry(),
        )
        .await?;

        let readiness = routes::health::readiness(&probe_pool, &redis, &broker);
        let ops = Operational::new(
            metrics,
            readiness,
            ApiDocument::new(ApiDoc::openapi()),
            settings.cors.clone(),
        );
        let addr = settings.http.projector_addr;
        let bind_error = |source| StartupError::Bind { addr, source };
        let listener = bind_listener(addr).map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();
        let server = HttpServer::new(move || base_app(&ops))
            .workers(1)
            // Prometheus (Go) pools its scrape connections too: see
            // infra::http::connections. No in-flight bound: only probes
            // and metrics are served here, and those are never shed.
            .keep_alive(KEEP_ALIVE)
            .client_request_timeout(CLIENT_REQUEST_TIMEOUT)
            .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
            // Only operational endpoints: nothing worth waiting long for.
            .shutdown_timeout(2)
            .listen(listener)
            .map_err(bind_error)?
            .run();

        let (stop, _) = watch::channel(false);
        Ok(Self {
            port,
            server,
            pipeline,
            stop: StopHandle(Arc::new(stop)),
            lag_report,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Runs until asked to stop (signal or `StopHandle`). Whichever half
    /// ends first takes the other down with it.
    pub async fn run_until_stopped(self) -> Result<(), RunError> {
        let Self {
            server,
            pipeline,
            stop,
            lag_report,
            ..
        } = self;
        let _stop_reporting = AbortOnDrop(lag_report);
        let server_handle = server.handle();
        let mut server = std::pin::pin!(server);
        let pipeline = pipeline.run(stop.0.subscribe());
        let mut pipeline = std::pin::pin!(pipeline);
        tokio::select! {
            served = &mut server => {
                // A signal stopped the server: let the pipeline finish its batch.
                stop.stop();
                pipeline.await;
                served.map_err(RunError::Http)
            }
            () = &mut pipeline => {
                tracing::debug!("pipeline finished; stopping the HTTP server");
                // The server future must keep running to carry out the stop.
                let (served, ()) = tokio::join!(server, server_handle.stop(true));
                let served = served.map_err(RunError::Http);
                tracing::debug!("HTTP server stopped");
                served
            }
        }
    }
}

/// Records not yet folded in every partition this instance owns.
fn unfolded(lag: &prometheus::IntGaugeVec) -> u64 {
    use prometheus::core::Collector;
    lag.collect()
        .iter()
        .flat_map(|family| family.get_metric())
        .map(|metric| metric.get_gauge().get_value().max(0.0) as u64)
        .sum()
}

struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

//! Builds the HTTP server on the configured address (port 0 picks a free
//! one, which is how tests spawn it).

use actix_web::dev::Server;
use actix_web::{web, HttpServer};
use infra::http::{
    base_app, bind_listener, ApiDocument, InFlightBound, Operational, CLIENT_DISCONNECT_TIMEOUT,
    CLIENT_REQUEST_TIMEOUT, KEEP_ALIVE,
};
use infra::redis::Redis;
use infra::telemetry::Metrics;
use read_model::{CacheMetrics, ReadModel};
use utoipa::OpenApi;
use waiting_room::{CurrentTokenApi, Queue, QueueSettings};

use crate::configuration::Settings;
use crate::error::StartupError;
use crate::routes::{self, balance, catalog, payments, reservations, seats};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ticketfold query-api",
        description = "Reads: concerts, schedules, seats, queue position, balance, reservations, \
            payments and charges. Served from the Redis read model the projector keeps \
            current; Postgres answers only what Redis does not have.\n\n\
            `X-User-Id` is set by the upstream gateway that authenticated the user: it is \
            the trust boundary, and this service never sees credentials. With \
            `AUTH_MODE=jwt` the caller is instead a bearer JWT's `sub` (`bearerAuth`), \
            verified here, and `X-User-Id` is ignored."
    ),
    servers(
        (url = "http://127.0.0.1:8081", description = "`make up` on this machine; elsewhere `PUBLIC_QUERY_URL`"),
    ),
    paths(
        catalog::concerts,
        catalog::schedules,
        seats::seat_map,
        balance::balance,
        balance::charge,
        reservations::reservation,
        payments::payment,
    ),
    tags(
        (name = "catalog", description = "Concerts and their schedules"),
        (name = "seats", description = "Seat maps (ACTIVE queue token needed)"),
        (name = "queue", description = "Where the caller's queue token stands"),
        (name = "balance", description = "The caller's wallet"),
        (name = "reservations", description = "The caller's holds"),
        (name = "payments", description = "The caller's payments"),
    )
)]
pub struct ApiDoc;

/// The whole document: this service's paths plus the queue's.
pub fn api_document() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    document.merge(CurrentTokenApi::openapi());
    infra::http::describe_authentication(&mut document);
    document
}

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        // Postgres holds the read tables behind the cache, so it must answer
        // now; Redis connects lazily and shows up in /readyz instead.
        let pool = infra::postgres::connect_for_requests(&settings.database).await?;
        let redis = Redis::new(&settings.redis).map_err(StartupError::Redis)?;

        let metrics = Metrics::for_service("query-api");
        // The command-api instances run the admitter; here the queue only
        // answers where a token stands.
        let queue = Queue::new(
            infra::redis::client(&settings.redis).map_err(StartupError::Redis)?,
            &settings.redis.key_prefix,
            QueueSettings::from_config(&settings.queue),
            metrics.registry(),
        )
        .map_err(StartupError::Queue)?;

        let cache_metrics =
            CacheMetrics::register(metrics.registry()).map_err(StartupError::Metrics)?;
        let read_model = ReadModel::new(
            &settings.redis,
            pool.clone(),
            &settings.cache,
            cache_metrics,
        )
        .map_err(StartupError::Redis)?
        .bounded_by(settings.database.request_call_limit());

        let readiness = routes::health::readiness(&pool, &redis);
        let bound = InFlightBound::register(settings.http.max_in_flight, metrics.registry())
            .map_err(StartupError::Metrics)?;
        let ops = Operational::new(
            metrics,
            readiness,
            ApiDocument::new(api_document()),
            settings.cors.clone(),
        )
        .bound_in_flight(bound)
        .authenticating(&settings.auth);

        let addr = settings.http.query_api_addr;
        let bind_error = |source| StartupError::Bind { addr, source };
        let listener = bind_listener(addr).map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();

        let pool = web::Data::new(pool);
        let redis = web::Data::new(redis);
        let queue = web::Data::new(queue);
        let read_model = web::Data::new(read_model);
        let settings = web::Data::new(settings);
        let server = HttpServer::new(move || {
            base_app(&ops)
                .app_data(pool.clone())
                .app_data(redis.clone())
                .app_data(queue.clone())
                .app_data(read_model.clone())
                .app_data(settings.clone())
                .configure(routes::configure)
        })
        // Keep-alive and timeouts: see infra::http::connections for why.
        .keep_alive(KEEP_ALIVE)
        .client_request_timeout(CLIENT_REQUEST_TIMEOUT)
        .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
        // In-flight reads get this long to finish after SIGTERM.
        .shutdown_timeout(10)
        .listen(listener)
        .map_err(bind_error)?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

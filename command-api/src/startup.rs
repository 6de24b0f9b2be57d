//! Builds the HTTP server on the configured address (port 0 picks a free
//! one, which is how tests spawn it), with the waiting queue's admitter,
//! the decision board and the idempotency-key purge running beside it.

use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, HttpServer};
use infra::clock::ReferenceClock;
use infra::handoff::Handoffs;
use infra::http::{
    base_app, bind_listener, ApiDocument, InFlightBound, Operational, QueryLinks,
    CLIENT_DISCONNECT_TIMEOUT, CLIENT_REQUEST_TIMEOUT, KEEP_ALIVE,
};
use infra::kafka::{Appender, BrokerProbe, Topics};
use infra::redis::Redis;
use infra::telemetry::Metrics;
use read_model::PendingEntries;
use tokio::task::JoinHandle;
use utoipa::OpenApi;
use waiting_room::{
    Admitter, AdmitterHandle, BookingSignal, BookingWindows, ChallengeApi, IssueTokenApi, Queue,
    QueueSettings, SignalReporter,
};

use crate::booking_windows::CatalogWindows;
use crate::command::idempotency::IdempotencyStore;
use crate::command::withdrawals::SweepHandle;
use crate::command::{BoardHandle, Commands, DecisionBoard};
use crate::configuration::Settings;
use crate::error::StartupError;
use crate::metrics::CommandMetrics;
use crate::policy::Policy;
use crate::read_model::HeldReservations;
use crate::routes;

/// How often keys past their 24 hours are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(60 * 60);
/// How often the stamping clock's offset is measured again: drift between
/// measurements is microseconds.
const CALIBRATE_EVERY: Duration = Duration::from_secs(30);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ticketfold command-api",
        description = "Commands: queue tokens, holds, charges, payments, catalog administration.\n\n\
            `X-User-Id` names the caller. It is set by the upstream gateway that authenticated the \
            user: that gateway is the trust boundary, and this service must only be reachable \
            through it. With `AUTH_MODE=jwt` the caller is instead a bearer JWT's `sub` \
            (`bearerAuth`), verified here, and `X-User-Id` is ignored.\n\n\
            Commands are appended to the event log and answered with the projector's decision \
            within the wait budget (`Prefer: wait=<seconds>`, 0..10, default 3), or `202` with a \
            `Location` to poll (served by the query-api where it names a query-api path). A hold's, \
            a payment's or a charge's `Location` reads `PENDING` until it is decided."
    ),
    servers(
        (url = "http://127.0.0.1:8080", description = "`make up` on this machine; elsewhere the gateway's address"),
    ),
    paths(
        routes::reservations::place_hold,
        routes::reservations::release_hold,
        routes::balance::charge,
        routes::payments::pay,
        routes::admin::register_concert,
        routes::admin::add_schedule,
        routes::queue_admin::room_state,
        routes::queue_admin::room_action,
        routes::queue_admin::room_limits,
        routes::queue_admin::control_log,
    ),
    tags(
        (name = "queue", description = "The waiting queue"),
        (name = "reservations", description = "Holding and releasing seats"),
        (name = "balance", description = "Topping up the wallet"),
        (name = "payments", description = "Paying for holds"),
        (name = "admin", description = "Catalog administration (X-Admin-Key)"),
    )
)]
pub struct ApiDoc;

/// The whole document: this service's paths plus the queue's.
pub fn api_document() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    document.merge(IssueTokenApi::openapi());
    document.merge(ChallengeApi::openapi());
    infra::http::describe_authentication(&mut document);
    document
}

pub struct Application {
    port: u16,
    server: Server,
    admitter: AdmitterHandle,
    reporter: SignalReporter,
    board: BoardHandle,
    purge: JoinHandle<()>,
    calibration: JoinHandle<()>,
    withdrawals: SweepHandle,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_on(settings, ReferenceClock::default()).await
    }

    /// As `build`, with commands stamped through `clock`, whose host clock
    /// is the caller's choice: tests run an instance on a skewed one
    /// (libfaketime stalls librdkafka here, so a skewed process is out).
    pub async fn build_on(settings: Settings, clock: ReferenceClock) -> Result<Self, StartupError> {
        let policy = Policy::from_settings(&settings)?;
        // Postgres is needed to decide anything, so it must answer now;
        // Kafka and Redis connect lazily and show up in /readyz instead.
        let pool = infra::postgres::connect_for_requests(&settings.database).await?;
        if let Err(error) = clock.calibrate(&pool).await {
            tracing::warn!(%error, "cannot measure the clock offset yet; stamping by this host's clock until it can be");
        }
        let redis = Redis::new(&settings.redis).map_err(StartupError::Redis)?;
        let redis_client = infra::redis::client(&settings.redis).map_err(StartupError::Redis)?;
        let appender =
            Appender::new(&settings.kafka, "command-api").map_err(StartupError::Kafka)?;
        let broker = BrokerProbe::new(&settings.kafka).map_err(StartupError::Kafka)?;

        let metrics = Metrics::for_service("command-api");
        let queue = Queue::new(
            redis_client.clone(),
            &settings.redis.key_prefix,
            QueueSettings::from_config(&settings.queue),
            metrics.registry(),
        )
        .map_err(StartupError::Queue)?;
        let command_metrics =
            CommandMetrics::register(metrics.registry()).map_err(StartupError::Metrics)?;
        let (board, board_handle) =
            DecisionBoard::start(redis_client, infra::decision::channel(redis.keys()));
        let pending = PendingEntries::new(&settings.redis).map_err(StartupError::Redis)?;
        let signal = BookingSignal::new();
        let calibration = clock.keep_calibrated(
            pool.clone(),
            CALIBRATE_EVERY,
            command_metrics.clock_offset.clone(),
        );
        let commands = Commands::new(
            pool.clone(),
            appender,
            board,
            pending,
            command_metrics,
            Topics::from_settings(&settings.kafka),
            signal.clone(),
        )
        .linking_to(QueryLinks::from_settings(&settings.http))
        .bounded_by(settings.database.requests)
        .stamped_by(clock.clone())
        .handing_off(Handoffs::as_configured(settings.kafka.handoff, &redis));

        let readiness = routes::health::readiness(&pool, &redis, &broker, &queue);
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

        let addr = settings.http.command_api_addr;
        let bind_error = |source| StartupError::Bind { addr, source };
        let listener = bind_listener(addr).map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();

        let admitter = Admitter::new(queue.clone()).spawn();
        let reporter = SignalReporter::spawn(queue.clone(), signal);
        let purge = tokio::spawn(purge_expired_keys(IdempotencyStore::new(pool.clone())));
        let withdrawals = commands.withdrawals().sweep();
        let windows: web::Data<dyn BookingWindows> =
            web::Data::from(
                Arc::new(CatalogWindows::new(pool.clone(), clock)) as Arc<dyn BookingWindows>
            );
        let commands = web::Data::new(commands);
        let queue = web::Data::new(queue);
        let policy = web::Data::new(policy);
        let links = web::Data::new(QueryLinks::from_settings(&settings.http));
        let held = web::Data::new(HeldReservations::default());
        let server = HttpServer::new(move || {
            base_app(&ops)
                .app_data(commands.clone())
                .app_data(windows.clone())
                .app_data(queue.clone())
                .app_data(policy.clone())
                .app_data(links.clone())
                .app_data(held.clone())
                .configure(routes::configure)
        })
        // Keep-alive and timeouts: see infra::http::connections for why.
        .keep_alive(KEEP_ALIVE)
        .client_request_timeout(CLIENT_REQUEST_TIMEOUT)
        .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
        // In-flight commands get this long to finish after SIGTERM: more
        // than the longest wait budget.
        .shutdown_timeout(12)
        .listen(listener)
        .map_err(bind_error)?
        .run();
        Ok(Self {
            port,
            server,
            admitter,
            reporter,
            board: board_handle,
            purge,
            calibration,
            withdrawals,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT/SIGTERM, lets in-flight commands finish, then
    /// gives up the admission lease so another instance admits at once.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.admitter.shutdown().await;
        self.reporter.stop();
        self.board.shutdown().await;
        self.purge.abort();
        self.calibration.abort();
        self.withdrawals.stop();
        served
    }
}

async fn purge_expired_keys(keys: IdempotencyStore) {
    let mut every = tokio::time::interval(PURGE_EVERY);
    loop {
        every.tick().await;
        match keys.purge_expired().await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "expired idempotency keys deleted"),
            Err(error) => tracing::warn!(%error, "cannot purge expired idempotency keys"),
        }
    }
}

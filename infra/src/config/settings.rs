use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;

use super::kafka_properties::KafkaProperties;
use super::read::{Choice, Variables};
use super::secret::Secret;
use super::token_keys::QueueTokenKeys;
use super::ConfigError;

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/ticketfold";
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";
/// query-api as `make up` serves it.
pub const DEFAULT_PUBLIC_QUERY_URL: &str = "http://127.0.0.1:8081";
/// The least QUEUE_WAITING_GRACE_SECONDS: a waiting fan's grace must cover a
/// few polls of a throttled background tab (about one a minute at worst).
pub const MIN_WAITING_GRACE_SECONDS: u64 = 30;
/// A request's Postgres statement is cancelled after this long: a third of
/// the default 3 s wait budget, and as long as the end-of-budget outcome
/// read and every Redis call of a request are given, so a stuck database
/// costs a request no more than any other stuck dependency.
pub const DEFAULT_STATEMENT_TIMEOUT_MS: u64 = 1000;
/// The longest statement timeout accepted: a minute, six times the
/// longest wait budget a command may ask for.
pub const MAX_STATEMENT_TIMEOUT_MS: u64 = 60_000;
/// A request's wait for a row or table lock: half the statement's, so a
/// statement stuck behind a lock fails as "lock not available" (55P03) and
/// says why, before the statement timeout cancels it blindly.
pub const DEFAULT_LOCK_TIMEOUT_MS: u64 = 500;

/// Records a partition folds between two snapshots of its state. Taking a
/// partition over folds at most this many records after its snapshot: at
/// the 35,000 records/s a replay folds here (a rebuild only decides and
/// writes nothing, so it is no slower), under 0.6 s, so a hand-over stays
/// within issue 14's 2 s budget with room for reading the snapshot. Far fewer would write a
/// whole partition state (megabytes for a stadium's seat map) every few
/// batches for little gain.
pub const DEFAULT_SNAPSHOT_EVERY_RECORDS: u64 = 20_000;
/// A partition that folded anything at all is snapshotted at least this
/// often, so a quiet partition's restart folds only the last minute of its
/// records, at the cost of one state write per partition per minute.
pub const DEFAULT_SNAPSHOT_EVERY_SECONDS: u64 = 60;
/// An aggregate (a wallet, a schedule, a concert) the projector has not
/// touched for this long leaves memory for Postgres and comes back when a
/// record touches it again (issue 14 point 2): a minute keeps every fan
/// mid-purchase and every schedule on sale in memory, and lets a season's
/// closed schedules and resting wallets go.
pub const DEFAULT_PARK_AFTER_SECONDS: u64 = 60;

/// The Postgres connection, validated as a `postgres://` URL at load time so
/// a typo stops start-up instead of surfacing as a connect failure later.
#[derive(Clone)]
pub struct DatabaseSettings {
    url: String,
    options: PgConnectOptions,
    /// How long start-up waits for a connection.
    pub connect_timeout: Duration,
    /// What a request path may wait on Postgres (`infra::postgres::connect_for_requests`).
    pub requests: RequestBounds,
}

/// The server-side limits every connection of a request pool runs under,
/// so no request outwaits its budget on a stuck or locked database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestBounds {
    /// `statement_timeout` (`DATABASE_STATEMENT_TIMEOUT_MS`).
    pub statement_timeout: Duration,
    /// `lock_timeout` (`DATABASE_LOCK_TIMEOUT_MS`), at most the statement's.
    pub lock_timeout: Duration,
}

impl Default for RequestBounds {
    fn default() -> Self {
        Self {
            statement_timeout: Duration::from_millis(DEFAULT_STATEMENT_TIMEOUT_MS),
            lock_timeout: Duration::from_millis(DEFAULT_LOCK_TIMEOUT_MS),
        }
    }
}

impl DatabaseSettings {
    pub(super) fn parse(var: &'static str, url: &str) -> Result<Self, ConfigError> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(ConfigError::invalid(
                var,
                "must be a postgres:// or postgresql:// URL",
            ));
        }
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| ConfigError::invalid(var, format!("not a valid Postgres URL ({e})")))?;
        let settings = Self {
            url: url.to_owned(),
            options,
            connect_timeout: Duration::from_secs(3),
            requests: RequestBounds::default(),
        };
        if settings.database_name().is_empty() {
            return Err(ConfigError::invalid(
                var,
                "must name a database (postgres://host/<database>)",
            ));
        }
        Ok(settings)
    }

    /// The longest one Postgres call of a request may take: a pooled
    /// connection (up to the connect timeout) and its statement (up to the
    /// statement timeout). 4 s with the defaults.
    pub fn request_call_limit(&self) -> Duration {
        self.connect_timeout + self.requests.statement_timeout
    }

    /// The same database with these request bounds.
    pub fn bounded(mut self, requests: RequestBounds) -> Self {
        self.requests = requests;
        self
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Connection options for the configured database.
    pub fn connect_options(&self) -> PgConnectOptions {
        self.options.clone()
    }

    /// Connection options for the server's maintenance database, used to
    /// create the configured database when it does not exist yet.
    pub fn maintenance_options(&self) -> PgConnectOptions {
        self.options.clone().database("postgres")
    }

    pub fn database_name(&self) -> &str {
        self.options.get_database().unwrap_or_default()
    }

    /// The same server with another database; tests use it to isolate.
    pub fn with_database(&self, name: &str) -> Self {
        // Swap only the path: the authority and any query parameters stay.
        let url = match self.url.split_once("://") {
            Some((scheme, rest)) => {
                let (base, query) = match rest.split_once('?') {
                    Some((base, query)) => (base, format!("?{query}")),
                    None => (rest, String::new()),
                };
                let authority = base.split('/').next().unwrap_or_default();
                format!("{scheme}://{authority}/{name}{query}")
            }
            None => self.url.clone(),
        };
        Self {
            url,
            options: self.options.clone().database(name),
            connect_timeout: self.connect_timeout,
            requests: self.requests,
        }
    }
}

impl fmt::Debug for DatabaseSettings {
    // The URL may carry a password; show where it points, not how to log in.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("host", &self.options.get_host())
            .field("port", &self.options.get_port())
            .field("database", &self.database_name())
            .field("connect_timeout", &self.connect_timeout)
            .field("requests", &self.requests)
            .finish()
    }
}

/// Where the projector keeps a partition's decision state besides memory.
/// A snapshot of it is taken after `every_records` records, or after
/// `every_seconds` of folding if it folded any record meanwhile; an
/// aggregate untouched for `park_after_seconds` leaves memory for its row
/// (0: at the end of every batch, as the tests use it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotSettings {
    pub every_records: u64,
    pub every_seconds: u64,
    pub park_after_seconds: u64,
}

#[derive(Debug, Clone)]
pub struct RedisSettings {
    pub url: String,
    /// Prepended to every key this system writes, so deployments and tests
    /// can share one Redis.
    pub key_prefix: String,
    /// PEM certificates a `rediss://` server's certificate must chain to
    /// (`REDIS_TLS_CA_FILE`) instead of the system's roots: managed Redis
    /// and self-run TLS often use a private CA.
    pub ca_file: Option<PathBuf>,
}

pub(super) fn redis_ca_file<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
) -> Result<Option<PathBuf>, ConfigError> {
    const VAR: &str = "REDIS_TLS_CA_FILE";
    let Some(path) = vars.text(VAR) else {
        return Ok(None);
    };
    if !vars
        .text_or("REDIS_URL", DEFAULT_REDIS_URL)
        .starts_with("rediss://")
    {
        // It would be ignored: a plain redis:// connection has no TLS.
        return Err(ConfigError::invalid(
            VAR,
            "is set but REDIS_URL is not a rediss:// URL",
        ));
    }
    std::fs::metadata(&path)
        .map_err(|e| ConfigError::invalid(VAR, format!("cannot read {path:?}: {e}")))?;
    Ok(Some(PathBuf::from(path)))
}

#[derive(Debug, Clone)]
pub struct KafkaSettings {
    /// Comma-separated bootstrap servers, used exactly as given.
    pub brokers: String,
    /// Prepended to every topic name, so tests and deployments can share a broker.
    pub topic_prefix: String,
    pub partitions: TopicPartitions,
    pub replication_factor: i32,
    /// `min.insync.replicas` of the topics `projector topics` creates
    /// (`KAFKA_MIN_INSYNC_REPLICAS`); `None` leaves the broker's default.
    pub min_insync_replicas: Option<i32>,
    /// The projector's `fetch.wait.max.ms`. Kafka and Redpanda answer a
    /// fetch as soon as records arrive, so a long wait costs nothing there;
    /// tansu 0.6 always sleeps out the wait, so there it bounds how late a
    /// decision is, and a short one makes an idle projector poll it hard.
    pub fetch_wait_ms: u32,
    /// Whether appenders hand each record to its partition's projector
    /// directly (`KAFKA_HANDOFF`, see `crate::handoff`).
    pub handoff: RecordHandoff,
    /// librdkafka properties every client (producer, consumer, admin) is
    /// given, from `KAFKA_PROPERTY_<NAME>` (TLS, SASL, tuning).
    pub properties: KafkaProperties,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicPartitions {
    pub catalog: i32,
    pub reservations: i32,
    pub wallets: i32,
}

#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub command_api_addr: SocketAddr,
    pub query_api_addr: SocketAddr,
    pub projector_addr: SocketAddr,
    /// Requests one API instance works on at once; past it, 503 with
    /// Retry-After (`HTTP_MAX_IN_FLIGHT`).
    pub max_in_flight: usize,
    /// Where browsers reach query-api (`PUBLIC_QUERY_URL`, no trailing
    /// slash): command-api's `Location` headers are absolute URLs under it,
    /// because a `Location` relative to command-api would name a path that
    /// only query-api serves.
    pub public_query_url: String,
}

#[derive(Debug, Clone)]
pub struct AdminSettings {
    /// `None` turns the admin endpoints off.
    pub key: Option<Secret>,
}

#[derive(Debug, Clone)]
pub struct QueueSettings {
    pub active_max: u32,
    /// `adaptive` (the default): the admitter follows the booking signal
    /// between the floor and `admit_per_second`; `fixed`: always
    /// `admit_per_second`.
    pub admission: AdmissionMode,
    /// The fixed rate, or the adaptive rate's ceiling.
    pub admit_per_second: u32,
    /// The adaptive rate never goes below this.
    pub admit_floor_per_second: u32,
    /// Booking commands' p95 the adaptive controller keeps under.
    pub target_p95_ms: u64,
    /// Booking commands in flight cluster-wide past which the controller
    /// backs off whatever the latency says.
    pub target_in_flight: u32,
    /// Records not yet folded, cluster-wide, past which the controller backs
    /// off whatever the latency says.
    pub target_lag_records: u64,
    pub active_ttl_seconds: u64,
    /// The keys that sign and verify queue tokens (`token_keys`).
    pub token_keys: QueueTokenKeys,
    /// A waiting fan who has not polled for this long has left (at least
    /// `MIN_WAITING_GRACE_SECONDS`).
    pub waiting_grace_seconds: u64,
    /// An ACTIVE fan idle this long (no guarded request, no live hold) gives
    /// the slot back.
    pub active_idle_seconds: u64,
    /// A schedule's room takes fans this long before its booking opens.
    pub prequeue_lead_seconds: u64,
    /// Leading zero bits of SHA-256 a token request must prove it searched
    /// for (QUEUE_CHALLENGE_BITS); 0, the default, asks for no proof. Rooms
    /// may override it (operator limits).
    pub challenge_bits: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservationPolicy {
    pub hold_ttl_seconds: u64,
    pub max_holds_per_user: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalletPolicy {
    pub max_single_charge: i64,
    pub max_balance: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheSettings {
    pub strategy: CacheStrategy,
    pub ttl_seconds: u64,
    pub warm_lead_seconds: u64,
}

/// How the read model is refreshed: `Protected` guards against stampedes,
/// `Naive` exists to measure what that protection buys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStrategy {
    Protected,
    Naive,
}

#[derive(Debug, Clone, Default)]
pub struct CorsSettings {
    pub allowed_origins: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct TelemetrySettings {
    /// An `EnvFilter` directive, from `RUST_LOG`.
    pub log_filter: String,
    pub log_format: LogFormat,
    /// Where spans are exported (OTLP over HTTP/protobuf): the standard
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, or
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces`. `None`, the default
    /// and with `OTEL_SDK_DISABLED=true`: nothing is exported.
    pub otlp_traces_endpoint: Option<String>,
    /// `OTEL_SERVICE_NAME`, to call a service otherwise than its binary.
    pub service_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl Choice for CacheStrategy {
    const NAMES: &'static [(&'static str, Self)] =
        &[("protected", Self::Protected), ("naive", Self::Naive)];
}

/// How a record appended reaches its projector (KAFKA_HANDOFF): told on
/// Redis as soon as the broker acknowledges it, as well as fetched; or only
/// fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordHandoff {
    Redis,
    Off,
}

impl Choice for RecordHandoff {
    const NAMES: &'static [(&'static str, Self)] = &[("redis", Self::Redis), ("off", Self::Off)];
}

/// Whether the projector's fold transactions wait for their WAL flush
/// (PROJECTOR_SYNCHRONOUS_COMMIT, Postgres's own `synchronous_commit`).
/// Everything the fold commits is a function of the log, which holds every
/// record (commands and follow-ups alike) before the commit that folds it:
/// a commit that a Postgres crash loses is folded again from the log, to
/// the same rows. So by default the fold does not wait for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoldCommit {
    /// `synchronous_commit = off`: committed and visible at once, flushed
    /// by the WAL writer within a few hundred milliseconds.
    Deferred,
    /// `synchronous_commit = on`: each commit waits for its flush.
    Durable,
}

impl FoldCommit {
    /// The value of Postgres's `synchronous_commit` for the fold's sessions.
    pub fn synchronous_commit(self) -> &'static str {
        match self {
            Self::Deferred => "off",
            Self::Durable => "on",
        }
    }
}

impl Choice for FoldCommit {
    const NAMES: &'static [(&'static str, Self)] =
        &[("off", Self::Deferred), ("on", Self::Durable)];
}

/// How the admission rate is set (QUEUE_ADMISSION).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdmissionMode {
    Adaptive,
    Fixed,
}

impl Choice for AdmissionMode {
    const NAMES: &'static [(&'static str, Self)] =
        &[("adaptive", Self::Adaptive), ("fixed", Self::Fixed)];
}

impl Choice for LogFormat {
    const NAMES: &'static [(&'static str, Self)] = &[("text", Self::Text), ("json", Self::Json)];
}

/// The most bits a proof of work may ask for: 2^32 hashes is minutes of a
/// phone's time already, so anything above is a typo, not a setting.
pub const MAX_CHALLENGE_BITS: u8 = 32;

/// The OTLP traces URL the standard variables name, if tracing is on.
pub(super) fn otlp_traces_endpoint<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
) -> Option<String> {
    if vars
        .text("OTEL_SDK_DISABLED")
        .is_some_and(|disabled| disabled.eq_ignore_ascii_case("true"))
    {
        return None;
    }
    vars.text("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").or_else(|| {
        vars.text("OTEL_EXPORTER_OTLP_ENDPOINT")
            .map(|base| format!("{}/v1/traces", base.trim_end_matches('/')))
    })
}

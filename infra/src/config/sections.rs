//! The settings, read whole or one section at a time. A service reads every
//! section ([`Settings::load`], [`Sections::all`]); a one-shot command reads
//! only the sections it uses, so `projector export` runs without a
//! queue-token secret or a Redis URL, and a variable of a section it never
//! reads cannot stop it.

use std::time::Duration;

use super::auth::{self, AuthSettings};
use super::files::{check_secret_files, read_secret_files};
use super::kafka_properties::{KafkaProperties, PROPERTY_PREFIX};
use super::read::Variables;
use super::secret::Secret;
use super::settings::*;
use super::settings::{otlp_traces_endpoint, redis_ca_file};
use super::token_keys;
use super::ConfigError;

#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub kafka: KafkaSettings,
    pub http: HttpSettings,
    pub admin: AdminSettings,
    pub queue: QueueSettings,
    pub reservation: ReservationPolicy,
    pub wallet: WalletPolicy,
    pub cache: CacheSettings,
    pub cors: CorsSettings,
    pub telemetry: TelemetrySettings,
    pub snapshots: SnapshotSettings,
    pub fold_commit: FoldCommit,
    pub auth: AuthSettings,
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Settings, ConfigError> {
        Sections::from_env()?.all()
    }

    /// Reads the settings through `lookup`, which answers a variable's value
    /// or `None` when it is unset. Empty values count as unset.
    /// Each secret may come from a file instead (`<NAME>_FILE`).
    pub fn load(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        Sections::new(lookup)?.all()
    }

    /// As `load`, with `names` listing the variables that are set, which
    /// the families of variables named by a prefix need
    /// (`KAFKA_PROPERTY_*`); a name missing from it leaves its variable out.
    pub fn load_named<'a>(
        names: impl IntoIterator<Item = &'a str>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        Sections::named(names.into_iter().map(str::to_owned).collect(), lookup)?.all()
    }
}

/// The variables, from which each section is read on demand. Every
/// section's failure names its variable, as a whole load's does; a secret
/// given as a file (`<NAME>_FILE`) is read with the section that uses it.
pub struct Sections<F> {
    lookup: F,
    /// The set variables of the `KAFKA_PROPERTY_*` family.
    property_names: Vec<String>,
}

impl Sections<()> {
    /// The process environment's sections.
    pub fn from_env() -> Result<Sections<impl Fn(&str) -> Option<String>>, ConfigError> {
        let names: Vec<String> = std::env::vars_os()
            .filter_map(|(name, _)| name.into_string().ok())
            .collect();
        Sections::named(names, |name: &str| std::env::var(name).ok())
    }

    /// The sections `lookup` answers (a variable's value, `None` when it is
    /// unset; empty counts as unset). Each secret may come from a file
    /// instead (`<NAME>_FILE`), read when its section is; one given both
    /// ways is refused now.
    pub fn new(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Sections<impl Fn(&str) -> Option<String>>, ConfigError> {
        Sections::named(Vec::new(), lookup)
    }

    /// As `new`, with `names` listing the variables that are set (those of
    /// the `KAFKA_PROPERTY_*` family are kept).
    pub fn named(
        names: Vec<String>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Sections<impl Fn(&str) -> Option<String>>, ConfigError> {
        check_secret_files(&lookup)?;
        let property_names = names
            .into_iter()
            .filter(|name| name.starts_with(PROPERTY_PREFIX))
            .collect();
        Ok(Sections {
            lookup,
            property_names,
        })
    }
}

impl<F: Fn(&str) -> Option<String>> Sections<F> {
    /// The variables as one section sees them: `secrets` (the secret
    /// variables it uses) answered from their files when given so.
    fn vars(
        &self,
        secrets: &[&str],
    ) -> Result<Variables<impl Fn(&str) -> Option<String> + '_>, ConfigError> {
        let files = read_secret_files(&self.lookup, secrets)?;
        Ok(Variables::new(move |name: &str| {
            (self.lookup)(name).or_else(|| files.get(name).cloned())
        }))
    }

    /// Every section: what a long-running service needs.
    pub fn all(&self) -> Result<Settings, ConfigError> {
        Ok(Settings {
            database: self.database()?,
            redis: self.redis()?,
            kafka: self.kafka()?,
            http: self.http()?,
            admin: self.admin()?,
            queue: self.queue()?,
            reservation: self.reservation()?,
            wallet: self.wallet()?,
            cache: self.cache()?,
            cors: self.cors()?,
            telemetry: self.telemetry()?,
            snapshots: self.snapshots()?,
            fold_commit: self.fold_commit()?,
            auth: auth::read(&self.vars(&["AUTH_JWT_HS256_SECRET"])?)?,
        })
    }

    pub fn database(&self) -> Result<DatabaseSettings, ConfigError> {
        let vars = &self.vars(&["DATABASE_URL"])?;
        Ok(DatabaseSettings::parse(
            "DATABASE_URL",
            &vars.text_or("DATABASE_URL", DEFAULT_DATABASE_URL),
        )?
        .bounded(request_bounds(vars)?))
    }

    pub fn redis(&self) -> Result<RedisSettings, ConfigError> {
        let vars = self.vars(&["REDIS_URL"])?;
        Ok(RedisSettings {
            url: vars.redis_url("REDIS_URL", DEFAULT_REDIS_URL)?,
            key_prefix: vars.text_or("REDIS_KEY_PREFIX", "tf:"),
            ca_file: redis_ca_file(&vars)?,
        })
    }

    pub fn kafka(&self) -> Result<KafkaSettings, ConfigError> {
        let vars = &self.vars(&[])?;
        let replication_factor = vars.positive("KAFKA_REPLICATION_FACTOR", 1)?;
        Ok(KafkaSettings {
            brokers: vars.text_or("KAFKA_BROKERS", "127.0.0.1:9092"),
            topic_prefix: vars.text_or("TOPIC_PREFIX", ""),
            partitions: TopicPartitions {
                catalog: vars.positive("KAFKA_PARTITIONS_CATALOG", 3)?,
                reservations: vars.positive("KAFKA_PARTITIONS_RESERVATIONS", 6)?,
                wallets: vars.positive("KAFKA_PARTITIONS_WALLETS", 6)?,
            },
            replication_factor,
            min_insync_replicas: min_insync_replicas(vars, replication_factor)?,
            fetch_wait_ms: vars.positive("KAFKA_FETCH_WAIT_MS", 5)?,
            handoff: vars.choice("KAFKA_HANDOFF", RecordHandoff::Redis)?,
            properties: KafkaProperties::read(
                self.property_names.iter().map(String::as_str),
                &self.lookup,
            )?,
        })
    }

    pub fn http(&self) -> Result<HttpSettings, ConfigError> {
        let vars = &self.vars(&[])?;
        Ok(HttpSettings {
            command_api_addr: vars.socket_addr("COMMAND_API_ADDR", "0.0.0.0:8080")?,
            query_api_addr: vars.socket_addr("QUERY_API_ADDR", "0.0.0.0:8081")?,
            projector_addr: vars.socket_addr("PROJECTOR_ADDR", "0.0.0.0:8082")?,
            max_in_flight: vars.positive("HTTP_MAX_IN_FLIGHT", 4096)?,
            public_query_url: vars.base_url("PUBLIC_QUERY_URL", DEFAULT_PUBLIC_QUERY_URL)?,
        })
    }

    pub fn admin(&self) -> Result<AdminSettings, ConfigError> {
        Ok(AdminSettings {
            key: self
                .vars(&["ADMIN_KEY"])?
                .text("ADMIN_KEY")
                .map(Secret::new),
        })
    }

    pub fn queue(&self) -> Result<QueueSettings, ConfigError> {
        let vars = &self.vars(&["QUEUE_TOKEN_SECRET", "QUEUE_TOKEN_KEYS"])?;
        Ok(QueueSettings {
            active_max: vars.positive("QUEUE_ACTIVE_MAX", 1000)?,
            admission: vars.choice("QUEUE_ADMISSION", AdmissionMode::Adaptive)?,
            admit_per_second: vars.positive("QUEUE_ADMIT_PER_SECOND", 500)?,
            admit_floor_per_second: vars.positive("QUEUE_ADMIT_FLOOR_PER_SECOND", 5)?,
            target_p95_ms: vars.positive("QUEUE_TARGET_P95_MS", 300)?,
            target_in_flight: vars.positive("QUEUE_TARGET_IN_FLIGHT", 400)?,
            target_lag_records: vars.positive("QUEUE_TARGET_LAG_RECORDS", 5000)?,
            active_ttl_seconds: vars.positive("QUEUE_ACTIVE_TTL_SECONDS", 600)?,
            token_keys: token_keys::read(vars)?,
            waiting_grace_seconds: vars.at_least(
                "QUEUE_WAITING_GRACE_SECONDS",
                60,
                MIN_WAITING_GRACE_SECONDS,
            )?,
            active_idle_seconds: vars.positive("QUEUE_ACTIVE_IDLE_SECONDS", 120)?,
            prequeue_lead_seconds: vars.positive("QUEUE_PREQUEUE_LEAD_SECONDS", 1800)?,
            challenge_bits: challenge_bits(vars.at_least("QUEUE_CHALLENGE_BITS", 0, 0)?)?,
        })
    }

    pub fn reservation(&self) -> Result<ReservationPolicy, ConfigError> {
        let vars = self.vars(&[])?;
        Ok(ReservationPolicy {
            hold_ttl_seconds: vars.positive("HOLD_TTL_SECONDS", 300)?,
            max_holds_per_user: vars.positive("MAX_HOLDS_PER_USER", 4)?,
        })
    }

    pub fn wallet(&self) -> Result<WalletPolicy, ConfigError> {
        let vars = self.vars(&[])?;
        Ok(WalletPolicy {
            max_single_charge: vars.positive("MAX_SINGLE_CHARGE", 1_000_000)?,
            max_balance: vars.positive("MAX_BALANCE", 10_000_000)?,
        })
    }

    pub fn cache(&self) -> Result<CacheSettings, ConfigError> {
        let vars = &self.vars(&[])?;
        Ok(CacheSettings {
            strategy: vars.choice("CACHE_STRATEGY", CacheStrategy::Protected)?,
            ttl_seconds: vars.positive("CACHE_TTL_SECONDS", 300)?,
            warm_lead_seconds: vars.positive("CACHE_WARM_LEAD_SECONDS", 180)?,
        })
    }

    pub fn cors(&self) -> Result<CorsSettings, ConfigError> {
        Ok(CorsSettings {
            allowed_origins: self.vars(&[])?.origins("CORS_ALLOWED_ORIGINS")?,
        })
    }

    pub fn telemetry(&self) -> Result<TelemetrySettings, ConfigError> {
        let vars = self.vars(&[])?;
        Ok(TelemetrySettings {
            log_filter: vars.text_or("RUST_LOG", "info"),
            log_format: vars.choice("LOG_FORMAT", LogFormat::Text)?,
            otlp_traces_endpoint: otlp_traces_endpoint(&vars),
            service_name: vars.text("OTEL_SERVICE_NAME"),
        })
    }

    pub fn fold_commit(&self) -> Result<FoldCommit, ConfigError> {
        self.vars(&[])?
            .choice("PROJECTOR_SYNCHRONOUS_COMMIT", FoldCommit::Deferred)
    }

    pub fn snapshots(&self) -> Result<SnapshotSettings, ConfigError> {
        let vars = self.vars(&[])?;
        Ok(SnapshotSettings {
            every_records: vars.positive(
                "PROJECTOR_SNAPSHOT_EVERY_RECORDS",
                DEFAULT_SNAPSHOT_EVERY_RECORDS,
            )?,
            every_seconds: vars.positive(
                "PROJECTOR_SNAPSHOT_EVERY_SECONDS",
                DEFAULT_SNAPSHOT_EVERY_SECONDS,
            )?,
            park_after_seconds: vars.at_least(
                "PROJECTOR_PARK_AFTER_SECONDS",
                DEFAULT_PARK_AFTER_SECONDS,
                0,
            )?,
        })
    }
}

/// `min.insync.replicas` for the topics `projector topics` creates; unset
/// leaves the broker's default (a single local broker needs none). More than the
/// replication factor would refuse every `acks=all` append.
fn min_insync_replicas<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
    replication_factor: i32,
) -> Result<Option<i32>, ConfigError> {
    if vars.text("KAFKA_MIN_INSYNC_REPLICAS").is_none() {
        return Ok(None);
    }
    let replicas: i32 = vars.positive("KAFKA_MIN_INSYNC_REPLICAS", 1)?;
    if replicas > replication_factor {
        return Err(ConfigError::invalid(
            "KAFKA_MIN_INSYNC_REPLICAS",
            format!(
                "must not exceed KAFKA_REPLICATION_FACTOR ({replication_factor}), got {replicas}: \
                 no append could be acknowledged"
            ),
        ));
    }
    Ok(Some(replicas))
}

fn request_bounds<F: Fn(&str) -> Option<String>>(
    vars: &Variables<F>,
) -> Result<RequestBounds, ConfigError> {
    let statement_ms: u64 = vars.positive(
        "DATABASE_STATEMENT_TIMEOUT_MS",
        DEFAULT_STATEMENT_TIMEOUT_MS,
    )?;
    let lock_ms: u64 = vars.positive("DATABASE_LOCK_TIMEOUT_MS", DEFAULT_LOCK_TIMEOUT_MS)?;
    if statement_ms > MAX_STATEMENT_TIMEOUT_MS {
        // Far past any wait budget, and a deadline that far out is a typo
        // (Postgres itself refuses more than about 24 days).
        return Err(ConfigError::invalid(
            "DATABASE_STATEMENT_TIMEOUT_MS",
            format!("must be at most {MAX_STATEMENT_TIMEOUT_MS}, got {statement_ms}"),
        ));
    }
    if lock_ms > statement_ms {
        // A longer lock wait would never fire: the statement is cancelled first.
        return Err(ConfigError::invalid(
            "DATABASE_LOCK_TIMEOUT_MS",
            format!(
                "must not exceed DATABASE_STATEMENT_TIMEOUT_MS ({statement_ms}), got {lock_ms}"
            ),
        ));
    }
    Ok(RequestBounds {
        statement_timeout: Duration::from_millis(statement_ms),
        lock_timeout: Duration::from_millis(lock_ms),
    })
}

fn challenge_bits(bits: u64) -> Result<u8, ConfigError> {
    u8::try_from(bits)
        .ok()
        .filter(|bits| *bits <= MAX_CHALLENGE_BITS)
        .ok_or_else(|| {
            ConfigError::invalid(
                "QUEUE_CHALLENGE_BITS",
                format!("must be 0 to {MAX_CHALLENGE_BITS}, got {bits}"),
            )
        })
}

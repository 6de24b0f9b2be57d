//! Typed configuration read from environment variables.
//!
//! Loading takes a lookup function rather than reading the process
//! environment directly, so tests feed a map and never race each other on
//! `std::env`. Every failure names the variable it is about.

mod error;
mod read;
mod settings;

pub use error::ConfigError;
pub use settings::*;

use read::Variables;

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Settings, ConfigError> {
        Self::load(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, which answers a variable's value
    /// or `None` when it is unset. Empty values count as unset.
    pub fn load(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let vars = Variables::new(lookup);
        Ok(Settings {
            database: DatabaseSettings::parse(
                "DATABASE_URL",
                &vars.text_or("DATABASE_URL", DEFAULT_DATABASE_URL),
            )?,
            redis: RedisSettings {
                url: vars.redis_url("REDIS_URL", DEFAULT_REDIS_URL)?,
                key_prefix: vars.text_or("REDIS_KEY_PREFIX", "tf:"),
            },
            kafka: KafkaSettings {
                brokers: vars.text_or("KAFKA_BROKERS", "127.0.0.1:9092"),
                topic_prefix: vars.text_or("TOPIC_PREFIX", ""),
                partitions: TopicPartitions {
                    catalog: vars.positive("KAFKA_PARTITIONS_CATALOG", 3)?,
                    reservations: vars.positive("KAFKA_PARTITIONS_RESERVATIONS", 6)?,
                    wallets: vars.positive("KAFKA_PARTITIONS_WALLETS", 6)?,
                },
                replication_factor: vars.positive("KAFKA_REPLICATION_FACTOR", 1)?,
                fetch_wait_ms: vars.positive("KAFKA_FETCH_WAIT_MS", 5)?,
            },
            http: HttpSettings {
                command_api_addr: vars.socket_addr("COMMAND_API_ADDR", "0.0.0.0:8080")?,
                query_api_addr: vars.socket_addr("QUERY_API_ADDR", "0.0.0.0:8081")?,
                projector_addr: vars.socket_addr("PROJECTOR_ADDR", "0.0.0.0:8082")?,
            },
            admin: AdminSettings {
                key: vars.text("ADMIN_KEY").map(Secret::new),
            },
            queue: QueueSettings {
                active_max: vars.positive("QUEUE_ACTIVE_MAX", 1000)?,
                admit_per_second: vars.positive("QUEUE_ADMIT_PER_SECOND", 50)?,
                active_ttl_seconds: vars.positive("QUEUE_ACTIVE_TTL_SECONDS", 600)?,
                token_secret: vars.secret("QUEUE_TOKEN_SECRET", MIN_TOKEN_SECRET_BYTES)?,
            },
            reservation: ReservationPolicy {
                hold_ttl_seconds: vars.positive("HOLD_TTL_SECONDS", 300)?,
                max_holds_per_user: vars.positive("MAX_HOLDS_PER_USER", 4)?,
            },
            wallet: WalletPolicy {
                max_single_charge: vars.positive("MAX_SINGLE_CHARGE", 1_000_000)?,
                max_balance: vars.positive("MAX_BALANCE", 10_000_000)?,
            },
            cache: CacheSettings {
                strategy: vars.choice("CACHE_STRATEGY", CacheStrategy::Protected)?,
                ttl_seconds: vars.positive("CACHE_TTL_SECONDS", 300)?,
                warm_lead_seconds: vars.positive("CACHE_WARM_LEAD_SECONDS", 180)?,
            },
            cors: CorsSettings {
                allowed_origins: vars.origins("CORS_ALLOWED_ORIGINS")?,
            },
            telemetry: TelemetrySettings {
                log_filter: vars.text_or("RUST_LOG", "info"),
                log_format: vars.choice("LOG_FORMAT", LogFormat::Text)?,
            },
        })
    }
}

#[cfg(test)]
mod tests;

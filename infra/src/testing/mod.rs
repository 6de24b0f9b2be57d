//! Isolation for integration tests (feature `testing`): each test gets its
//! own database, topic prefix and Redis key prefix, so tests run in
//! parallel and beside a running `make up` stack.

use std::collections::HashMap;
use std::time::Duration;

use sqlx::{Connection, Executor, PgConnection};
use uuid::Uuid;

use crate::config::{ConfigError, Settings};
use crate::postgres::quote_identifier;

pub mod bearer;
pub mod broker;
mod operator_metrics;
mod pg_proxy;
mod process;
mod redis_user;
pub use operator_metrics::assert_operator_metrics;
pub mod tls;
pub use pg_proxy::PgProxy;
pub use redis_user::RedisUser;

const TEST_TOKEN_SECRET: &str = "test-only-queue-token-secret-0123456789abcdef";

/// A test's private slice of Postgres, Kafka and Redis, and the settings
/// that point at it. Dropping it drops the database and the Redis keys.
pub struct TestEnvironment {
    pub settings: Settings,
    pub id: String,
    /// The variables `settings` were loaded from, to start a service
    /// binary on the same environment.
    pub vars: HashMap<String, String>,
}

impl TestEnvironment {
    /// Settings for a fresh isolated environment; `overrides` replace any
    /// variable (e.g. point `REDIS_URL` at a closed port).
    pub fn new(overrides: &[(&str, &str)]) -> Result<Self, ConfigError> {
        let id = Uuid::new_v4().simple().to_string();
        let env =
            |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
        let server = env(
            "TEST_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/postgres",
        );
        let mut vars: HashMap<String, String> = HashMap::from([
            (
                "KAFKA_BROKERS".into(),
                env("TEST_KAFKA_BROKERS", "127.0.0.1:19092"),
            ),
            (
                "REDIS_URL".into(),
                env("TEST_REDIS_URL", "redis://127.0.0.1:6379"),
            ),
            ("TOPIC_PREFIX".into(), format!("t{id}.")),
            ("REDIS_KEY_PREFIX".into(), format!("t{id}:")),
            ("COMMAND_API_ADDR".into(), "127.0.0.1:0".into()),
            ("QUERY_API_ADDR".into(), "127.0.0.1:0".into()),
            ("PROJECTOR_ADDR".into(), "127.0.0.1:0".into()),
            ("QUEUE_TOKEN_SECRET".into(), TEST_TOKEN_SECRET.into()),
            ("KAFKA_PARTITIONS_CATALOG".into(), "2".into()),
            ("KAFKA_PARTITIONS_RESERVATIONS".into(), "2".into()),
            ("KAFKA_PARTITIONS_WALLETS".into(), "2".into()),
            ("RUST_LOG".into(), env("TEST_LOG", "warn")),
        ]);
        // The test's database lives on the test server under its own name.
        let server_settings = Settings::load(|name| match name {
            "DATABASE_URL" => Some(server.clone()),
            _ => vars.get(name).cloned(),
        })?;
        vars.insert(
            "DATABASE_URL".into(),
            server_settings
                .database
                .with_database(&format!("tf_test_{id}"))
                .url()
                .to_owned(),
        );
        for (name, value) in overrides {
            vars.insert((*name).to_owned(), (*value).to_owned());
        }
        let settings = Settings::load_named(vars.keys().map(String::as_str), |name| {
            vars.get(name).cloned()
        })?;
        Ok(Self { settings, id, vars })
    }

    /// As `new`, reaching Postgres through a [`PgProxy`] the test can cut
    /// or slow down.
    pub async fn behind_proxy(overrides: &[(&str, &str)]) -> Result<(Self, PgProxy), ConfigError> {
        let direct = Self::new(&[])?;
        let options = direct.settings.database.connect_options();
        let target = format!("{}:{}", options.get_host(), options.get_port());
        let proxy = PgProxy::start(&target).await;
        let url = direct.settings.database.url().replacen(
            &target,
            &format!("127.0.0.1:{}", proxy.port()),
            1,
        );
        assert_ne!(
            url,
            direct.settings.database.url(),
            "TEST_DATABASE_URL names its port"
        );
        // The direct environment never provisioned anything: nothing to clean.
        std::mem::forget(direct);
        let mut variables = overrides.to_vec();
        variables.push(("DATABASE_URL", &url));
        Ok((Self::new(&variables)?, proxy))
    }

    /// What `projector setup` does: database, migrations, and (with the
    /// `kafka` feature) topics.
    pub async fn provision(&self) -> anyhow::Result<()> {
        crate::postgres::ensure_database_exists(&self.settings.database).await?;
        let pool = crate::postgres::connect(&self.settings.database).await?;
        crate::postgres::migrate(&pool, &self.settings.database).await?;
        pool.close().await;
        #[cfg(feature = "kafka")]
        crate::kafka::ensure_topics(&self.settings.kafka).await?;
        Ok(())
    }
}

impl Drop for TestEnvironment {
    fn drop(&mut self) {
        let settings = self.settings.clone();
        // Drop cannot await, and the test's runtime may be single-threaded:
        // clean up on a thread with its own runtime.
        let cleanup = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                let _ =
                    tokio::time::timeout(Duration::from_secs(5), drop_database(&settings)).await;
                let _ = tokio::time::timeout(Duration::from_secs(5), delete_redis_keys(&settings))
                    .await;
            });
        });
        let _ = cleanup.join();
    }
}

async fn drop_database(settings: &Settings) -> Result<(), sqlx::Error> {
    let mut conn = PgConnection::connect_with(&settings.database.maintenance_options()).await?;
    let name = quote_identifier(settings.database.database_name());
    conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await?;
    Ok(())
}

async fn delete_redis_keys(settings: &Settings) -> redis::RedisResult<()> {
    let store = crate::redis::Redis::new(&settings.redis)?;
    let mut conn = store.connection().await?;
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(store.keys().pattern())
            .arg("COUNT")
            .arg(500)
            .query_async(&mut conn)
            .await?;
        if !keys.is_empty() {
            redis::cmd("DEL")
                .arg(keys)
                .query_async::<()>(&mut conn)
                .await?;
        }
        if next == 0 {
            break;
        }
        cursor = next;
    }
    Ok(())
}

/// A local port nothing listens on, for "dependency is down" tests.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// A service binary started with a bad configuration, for the start-up
/// refusal tests every service shares: one clear line naming the variable,
/// a non-zero exit and no panic.
pub struct StartupRefusal {
    binary: &'static str,
    address_variable: &'static str,
}

/// A secret long enough to pass validation.
pub const TEST_SECRET: &str = "0123456789abcdef0123456789abcdef";

impl StartupRefusal {
    pub fn new(binary: &'static str, address_variable: &'static str) -> Self {
        Self {
            binary,
            address_variable,
        }
    }

    pub fn run(&self, vars: &[(&str, &str)]) -> std::process::Output {
        let mut command = std::process::Command::new(self.binary);
        command
            .env_clear()
            .env(self.address_variable, "127.0.0.1:0");
        for (name, value) in vars {
            command.env(name, value);
        }
        command.output().expect("the binary runs")
    }

    pub fn assert_refused(output: &std::process::Output, variable: &str) {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success(),
            "exited successfully; stderr: {stderr}"
        );
        assert!(
            stderr.contains(variable),
            "stderr does not name {variable}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!stderr.contains("backtrace"), "{stderr}");
    }

    pub fn an_unreachable_database_is_named(&self) {
        let url = format!("postgres://postgres@127.0.0.1:{}/ticketfold", closed_port());
        let output = self.run(&[("DATABASE_URL", &url), ("QUEUE_TOKEN_SECRET", TEST_SECRET)]);
        Self::assert_refused(&output, "DATABASE_URL");
    }

    pub fn a_malformed_database_url_is_a_configuration_error(&self) {
        let output = self.run(&[
            ("DATABASE_URL", "mysql://root@127.0.0.1/tickets"),
            ("QUEUE_TOKEN_SECRET", TEST_SECRET),
        ]);
        Self::assert_refused(&output, "DATABASE_URL");
        assert!(String::from_utf8_lossy(&output.stderr)
            .starts_with("configuration error: DATABASE_URL: "));
    }

    pub fn a_missing_token_secret_is_a_configuration_error(&self) {
        let output = self.run(&[]);
        Self::assert_refused(&output, "QUEUE_TOKEN_SECRET");
        assert!(String::from_utf8_lossy(&output.stderr)
            .starts_with("configuration error: QUEUE_TOKEN_SECRET: "));
    }
}

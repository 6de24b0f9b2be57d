//! `projector setup`, `migrate` and `topics`, and start-up failures, run
//! as the built binary.

use std::process::{Command, Output};

use infra::testing::TestEnvironment;

fn run(args: &[&str], vars: &[(&str, String)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_projector"));
    command
        .args(args)
        .env_clear()
        .env("PROJECTOR_ADDR", "127.0.0.1:0");
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
}

fn vars_of(env: &TestEnvironment) -> Vec<(&'static str, String)> {
    let s = &env.settings;
    vec![
        ("DATABASE_URL", s.database.url().to_owned()),
        ("KAFKA_BROKERS", s.kafka.brokers.clone()),
        ("TOPIC_PREFIX", s.kafka.topic_prefix.clone()),
        ("REDIS_URL", s.redis.url.clone()),
        (
            "QUEUE_TOKEN_SECRET",
            s.queue.token_keys.signing_secret().expose().to_owned(),
        ),
    ]
}

#[tokio::test]
async fn setup_creates_the_database_tables_and_topics_and_can_run_twice() {
    let env = TestEnvironment::new(&[]).unwrap();
    for _ in 0..2 {
        let output = run(&["setup"], &vars_of(&env));
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let pool = infra::postgres::connect(&env.settings.database)
        .await
        .unwrap();
    for table in [
        "projector_offsets",
        "projector_dead_letters",
        "concerts",
        "schedules",
        "schedule_seats",
    ] {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
            .bind(table)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(exists, "{table} missing");
    }
    pool.close().await;
    let probe = infra::kafka::BrokerProbe::new(&env.settings.kafka).unwrap();
    probe
        .check(std::time::Duration::from_secs(5))
        .await
        .expect("the three topics exist");
}

#[test]
fn an_unreachable_database_is_named_without_a_panic() {
    let env = TestEnvironment::new(&[]).unwrap();
    let port = infra::testing::closed_port();
    let mut vars = vars_of(&env);
    vars[0].1 = format!("postgres://postgres@127.0.0.1:{port}/ticketfold");
    for args in [&["run"][..], &["setup"][..]] {
        let output = run(args, &vars);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?}: {stderr}");
        assert!(stderr.contains("DATABASE_URL"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn an_unknown_subcommand_is_refused() {
    let output = run(&["fly"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Usage: projector"));
}

async fn table_exists(env: &TestEnvironment, table: &str) -> bool {
    let Ok(pool) = infra::postgres::connect(&env.settings.database).await else {
        return false;
    };
    let exists = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
        .bind(table)
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    exists
}

/// Partitions per topic as the broker reports them; empty when the topics
/// do not exist.
async fn partitions(env: &TestEnvironment) -> Vec<usize> {
    let topics = infra::kafka::Topics::from_settings(&env.settings.kafka);
    match projector::reader::whole_topics(&env.settings.kafka, &topics.all()).await {
        Ok(wholes) => wholes.iter().map(Vec::len).collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test]
async fn migrate_needs_only_the_database_and_creates_no_topic() {
    let env = TestEnvironment::new(&[]).unwrap();
    let closed = format!("127.0.0.1:{}", infra::testing::closed_port());
    let vars = [
        ("DATABASE_URL", env.settings.database.url().to_owned()),
        ("KAFKA_BROKERS", closed),
        ("REDIS_URL", "not a redis url".to_owned()),
    ];
    for _ in 0..2 {
        let output = run(&["migrate"], &vars);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(table_exists(&env, "projector_offsets").await);
    assert!(table_exists(&env, "command_outcomes").await);
    assert!(partitions(&env).await.is_empty(), "no topic was created");
}

#[tokio::test]
async fn topics_needs_only_kafka_and_creates_the_configured_partitions() {
    // A fresh topic prefix: nothing exists under it yet.
    let env = TestEnvironment::new(&[]).unwrap();
    assert!(partitions(&env).await.is_empty());
    let closed = infra::testing::closed_port();
    let vars = [
        ("KAFKA_BROKERS", env.settings.kafka.brokers.clone()),
        ("TOPIC_PREFIX", env.settings.kafka.topic_prefix.clone()),
        ("KAFKA_PARTITIONS_CATALOG", "1".to_owned()),
        ("KAFKA_PARTITIONS_RESERVATIONS", "3".to_owned()),
        ("KAFKA_PARTITIONS_WALLETS", "2".to_owned()),
        ("KAFKA_MIN_INSYNC_REPLICAS", "1".to_owned()),
        (
            "DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:{closed}/nowhere"),
        ),
    ];
    for _ in 0..2 {
        let output = run(&["topics"], &vars);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(partitions(&env).await, [1, 3, 2]);
    assert!(
        !table_exists(&env, "projector_offsets").await,
        "no database"
    );
}

#[test]
fn min_insync_replicas_above_the_replication_factor_is_refused_by_name() {
    let env = TestEnvironment::new(&[]).unwrap();
    let vars = [
        ("KAFKA_BROKERS", env.settings.kafka.brokers.clone()),
        ("TOPIC_PREFIX", env.settings.kafka.topic_prefix.clone()),
        ("KAFKA_REPLICATION_FACTOR", "1".to_owned()),
        ("KAFKA_MIN_INSYNC_REPLICAS", "2".to_owned()),
    ];
    for args in [&["topics"][..], &["setup"]] {
        let output = run(args, &vars);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("configuration error: KAFKA_MIN_INSYNC_REPLICAS"),
            "{args:?}: {stderr}"
        );
    }
}

#[tokio::test]
async fn one_shot_commands_read_only_their_settings_and_name_what_is_wrong() {
    // No queue-token secret (its file is not there) and no usable Redis:
    // neither matters to a checksum or a replay, while `run` needs the
    // secret and says so.
    let env = TestEnvironment::new(&[]).unwrap();
    env.provision().await.unwrap();
    let mut vars = vec![
        ("DATABASE_URL", env.settings.database.url().to_owned()),
        ("KAFKA_BROKERS", env.settings.kafka.brokers.clone()),
        ("TOPIC_PREFIX", env.settings.kafka.topic_prefix.clone()),
        ("REDIS_URL", "not a redis url".to_owned()),
        ("QUEUE_ACTIVE_MAX", "none".to_owned()),
        (
            "QUEUE_TOKEN_SECRET_FILE",
            "/nonexistent/queue_token_secret".to_owned(),
        ),
    ];
    for args in [&["checksum"][..], &["replay", "--schema", "replay_bare"]] {
        let output = run(args, &vars);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(String::from_utf8_lossy(&output.stdout).contains("checksum "));
    }
    vars[0].1 = "mysql://127.0.0.1/ticketfold".to_owned();
    let output = run(&["checksum"], &vars);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("configuration error: DATABASE_URL"),
        "{stderr}"
    );
    let output = run(&["run"], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("configuration error: QUEUE_TOKEN_SECRET"),
        "{stderr}"
    );
}

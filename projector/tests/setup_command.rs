//! `projector setup` and start-up failures, run as the built binary.

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
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage: projector"));
}

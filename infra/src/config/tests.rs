use std::collections::HashMap;
use std::time::Duration;

use super::*;

const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let vars: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::load(|name| vars.get(name).cloned())
}

#[test]
fn defaults_apply_when_only_the_secret_is_set() {
    let settings = load(&[("QUEUE_TOKEN_SECRET", SECRET)]).unwrap();
    assert_eq!(settings.database.url(), DEFAULT_DATABASE_URL);
    assert_eq!(settings.database.database_name(), "ticketfold");
    assert_eq!(settings.redis.url, "redis://127.0.0.1:6379");
    assert_eq!(settings.redis.key_prefix, "tf:");
    assert_eq!(settings.kafka.brokers, "127.0.0.1:9092");
    assert_eq!(settings.kafka.topic_prefix, "");
    assert_eq!(
        settings.kafka.partitions,
        TopicPartitions {
            catalog: 3,
            reservations: 6,
            wallets: 6
        }
    );
    assert_eq!(settings.kafka.replication_factor, 1);
    assert_eq!(settings.http.command_api_addr.to_string(), "0.0.0.0:8080");
    assert_eq!(settings.http.query_api_addr.to_string(), "0.0.0.0:8081");
    assert_eq!(settings.http.projector_addr.to_string(), "0.0.0.0:8082");
    assert!(settings.admin.key.is_none());
    assert_eq!(settings.queue.active_max, 1000);
    assert_eq!(settings.queue.admit_per_second, 500);
    assert_eq!(settings.queue.admission, AdmissionMode::Adaptive);
    assert_eq!(settings.queue.admit_floor_per_second, 5);
    assert_eq!(settings.queue.target_p95_ms, 300);
    assert_eq!(settings.queue.target_in_flight, 400);
    assert_eq!(settings.queue.active_ttl_seconds, 600);
    assert_eq!(settings.queue.token_keys.signing_secret().expose(), SECRET);
    assert_eq!(
        settings.snapshots,
        SnapshotSettings {
            every_records: 20_000,
            every_seconds: 60,
            park_after_seconds: 60
        }
    );
    assert_eq!(settings.fold_commit, FoldCommit::Deferred);
    assert_eq!(
        settings.reservation,
        ReservationPolicy {
            hold_ttl_seconds: 300,
            max_holds_per_user: 4
        }
    );
    assert_eq!(
        settings.wallet,
        WalletPolicy {
            max_single_charge: 1_000_000,
            max_balance: 10_000_000
        }
    );
    assert_eq!(
        settings.cache,
        CacheSettings {
            strategy: CacheStrategy::Protected,
            ttl_seconds: 300,
            warm_lead_seconds: 180
        }
    );
    assert!(settings.cors.allowed_origins.is_empty());
    assert_eq!(settings.http.public_query_url, "http://127.0.0.1:8081");
    assert_eq!(settings.telemetry.log_filter, "info");
    assert_eq!(settings.telemetry.log_format, LogFormat::Text);
    assert_eq!(settings.telemetry.otlp_traces_endpoint, None);
}

#[test]
fn the_fold_commits_durably_only_when_asked() {
    let on = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("PROJECTOR_SYNCHRONOUS_COMMIT", "ON"),
    ])
    .unwrap();
    assert_eq!(on.fold_commit, FoldCommit::Durable);
    assert_eq!(on.fold_commit.synchronous_commit(), "on");
    let off = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("PROJECTOR_SYNCHRONOUS_COMMIT", "off"),
    ])
    .unwrap();
    assert_eq!(off.fold_commit.synchronous_commit(), "off");
    let error = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("PROJECTOR_SYNCHRONOUS_COMMIT", "local"),
    ])
    .unwrap_err()
    .to_string();
    assert!(error.contains("PROJECTOR_SYNCHRONOUS_COMMIT"), "{error}");
    assert!(error.contains("off|on"), "{error}");
}

#[test]
fn traces_are_exported_only_where_the_standard_variables_say() {
    let base = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"),
    ])
    .unwrap();
    assert_eq!(
        base.telemetry.otlp_traces_endpoint.as_deref(),
        Some("http://collector:4318/v1/traces")
    );
    let exact = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://traces:4318/in",
        ),
    ])
    .unwrap();
    assert_eq!(
        exact.telemetry.otlp_traces_endpoint.as_deref(),
        Some("http://traces:4318/in")
    );
    let disabled = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
        ("OTEL_SDK_DISABLED", "true"),
    ])
    .unwrap();
    assert_eq!(disabled.telemetry.otlp_traces_endpoint, None);
}

#[test]
fn values_are_read_and_typed() {
    let settings = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        (
            "DATABASE_URL",
            "postgresql://app:pw@db.internal:6543/tickets?sslmode=disable",
        ),
        ("KAFKA_PARTITIONS_RESERVATIONS", "12"),
        ("COMMAND_API_ADDR", "127.0.0.1:0"),
        ("ADMIN_KEY", "let-me-in"),
        ("CACHE_STRATEGY", "Naive"),
        ("LOG_FORMAT", "json"),
        (
            "CORS_ALLOWED_ORIGINS",
            "https://tickets.example, http://localhost:3000",
        ),
        ("MAX_BALANCE", "20000000"),
    ])
    .unwrap();
    assert_eq!(settings.database.database_name(), "tickets");
    assert_eq!(settings.kafka.partitions.reservations, 12);
    assert_eq!(settings.http.command_api_addr.port(), 0);
    assert_eq!(
        settings.admin.key.as_ref().map(Secret::expose),
        Some("let-me-in")
    );
    assert_eq!(settings.cache.strategy, CacheStrategy::Naive);
    assert_eq!(settings.telemetry.log_format, LogFormat::Json);
    assert_eq!(
        settings.cors.allowed_origins,
        vec!["https://tickets.example", "http://localhost:3000"]
    );
    assert_eq!(settings.wallet.max_balance, 20_000_000);
}

#[test]
fn a_bad_number_names_its_variable() {
    let err = load(&[("QUEUE_TOKEN_SECRET", SECRET), ("QUEUE_ACTIVE_MAX", "lots")]).unwrap_err();
    assert_eq!(err.variable, "QUEUE_ACTIVE_MAX");
    assert!(err.to_string().starts_with("QUEUE_ACTIVE_MAX: "), "{err}");

    let err = load(&[("QUEUE_TOKEN_SECRET", SECRET), ("HOLD_TTL_SECONDS", "0")]).unwrap_err();
    assert_eq!(err.variable, "HOLD_TTL_SECONDS");
}

#[test]
fn the_waiting_grace_has_a_floor() {
    let settings = load(&[("QUEUE_TOKEN_SECRET", SECRET)]).unwrap();
    assert_eq!(settings.queue.waiting_grace_seconds, 60);
    assert_eq!(settings.queue.active_idle_seconds, 120);

    let settings = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("QUEUE_WAITING_GRACE_SECONDS", "30"),
        ("QUEUE_ACTIVE_IDLE_SECONDS", "45"),
    ])
    .unwrap();
    assert_eq!(settings.queue.waiting_grace_seconds, 30);
    assert_eq!(settings.queue.active_idle_seconds, 45);

    let err = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("QUEUE_WAITING_GRACE_SECONDS", "29"),
    ])
    .unwrap_err();
    assert_eq!(err.variable, "QUEUE_WAITING_GRACE_SECONDS");
    assert!(err.reason.contains("at least 30"), "{err}");

    let err = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("QUEUE_ACTIVE_IDLE_SECONDS", "0"),
    ])
    .unwrap_err();
    assert_eq!(err.variable, "QUEUE_ACTIVE_IDLE_SECONDS");
}

#[test]
fn a_bad_choice_lists_the_allowed_values() {
    let err = load(&[("QUEUE_TOKEN_SECRET", SECRET), ("CACHE_STRATEGY", "clever")]).unwrap_err();
    assert_eq!(err.variable, "CACHE_STRATEGY");
    assert!(err.reason.contains("protected|naive"), "{err}");
}

#[test]
fn the_token_secret_is_required_and_long_enough() {
    let err = load(&[]).unwrap_err();
    assert_eq!(err.variable, "QUEUE_TOKEN_SECRET");
    assert!(err.reason.contains("required"), "{err}");

    let err = load(&[("QUEUE_TOKEN_SECRET", "short")]).unwrap_err();
    assert_eq!(err.variable, "QUEUE_TOKEN_SECRET");
    assert!(err.reason.contains("32"), "{err}");
}

#[test]
fn the_database_url_must_be_postgres() {
    for bad in [
        "mysql://root@127.0.0.1/db",
        "not a url",
        "postgres://127.0.0.1:5432:99/x",
    ] {
        let err = load(&[("QUEUE_TOKEN_SECRET", SECRET), ("DATABASE_URL", bad)]).unwrap_err();
        assert_eq!(err.variable, "DATABASE_URL", "{bad}");
    }
}

#[test]
fn other_urls_and_addresses_are_checked() {
    let err = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("REDIS_URL", "127.0.0.1:6379"),
    ])
    .unwrap_err();
    assert_eq!(err.variable, "REDIS_URL");
    let err = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("QUERY_API_ADDR", "localhost"),
    ])
    .unwrap_err();
    assert_eq!(err.variable, "QUERY_API_ADDR");
    let err = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("CORS_ALLOWED_ORIGINS", "https://a.example/"),
    ])
    .unwrap_err();
    assert_eq!(err.variable, "CORS_ALLOWED_ORIGINS");
}

#[test]
fn empty_values_mean_unset() {
    let settings = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("ADMIN_KEY", ""),
        ("KAFKA_PARTITIONS_CATALOG", " "),
    ])
    .unwrap();
    assert!(settings.admin.key.is_none());
    assert_eq!(settings.kafka.partitions.catalog, 3);
}

#[test]
fn secrets_do_not_leak_into_debug_output() {
    let settings = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("DATABASE_URL", "postgres://app:hunter2@db/x"),
    ])
    .unwrap();
    let printed = format!("{settings:?}");
    assert!(!printed.contains(SECRET));
    assert!(!printed.contains("hunter2"));
}

#[test]
fn another_database_on_the_same_server() {
    let settings = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        (
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
        ),
    ])
    .unwrap();
    let other = settings.database.with_database("tf_test_1");
    assert_eq!(
        other.url(),
        "postgres://postgres@127.0.0.1:5432/tf_test_1?sslmode=disable"
    );
    assert_eq!(other.database_name(), "tf_test_1");
}

#[test]
fn admission_is_adaptive_unless_set_fixed() {
    let settings = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("QUEUE_ADMISSION", "fixed"),
        ("QUEUE_ADMIT_PER_SECOND", "80"),
        ("QUEUE_TARGET_P95_MS", "400"),
    ])
    .unwrap();
    assert_eq!(settings.queue.admission, AdmissionMode::Fixed);
    assert_eq!(settings.queue.admit_per_second, 80);
    assert_eq!(settings.queue.target_p95_ms, 400);
    let err = load(&[("QUEUE_TOKEN_SECRET", SECRET), ("QUEUE_ADMISSION", "guess")]).unwrap_err();
    assert_eq!(err.variable, "QUEUE_ADMISSION");
    assert!(err.to_string().contains("adaptive|fixed"), "{err}");
}

#[test]
fn the_proof_of_work_is_off_by_default_and_bounded() {
    let settings = load(&[("QUEUE_TOKEN_SECRET", SECRET)]).unwrap();
    assert_eq!(settings.queue.challenge_bits, 0);
    let settings = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("QUEUE_CHALLENGE_BITS", "20"),
    ])
    .unwrap();
    assert_eq!(settings.queue.challenge_bits, 20);
    for bad in ["33", "300", "-1", "lots"] {
        let err = load(&[
            ("QUEUE_TOKEN_SECRET", SECRET),
            ("QUEUE_CHALLENGE_BITS", bad),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("QUEUE_CHALLENGE_BITS"), "{err}");
    }
}

#[test]
fn the_public_query_url_is_a_base_url() {
    let settings = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("PUBLIC_QUERY_URL", "https://read.tickets.example/"),
    ])
    .unwrap();
    assert_eq!(
        settings.http.public_query_url,
        "https://read.tickets.example"
    );
    for bad in [
        "read.tickets.example",
        "ftp://x",
        "http://",
        "https://x/?q=1",
    ] {
        let err = load(&[("QUEUE_TOKEN_SECRET", SECRET), ("PUBLIC_QUERY_URL", bad)]).unwrap_err();
        assert_eq!(err.variable, "PUBLIC_QUERY_URL", "{bad}");
    }
}

#[test]
fn request_bounds_default_from_the_wait_budget_and_are_configurable() {
    let settings = load(&[("QUEUE_TOKEN_SECRET", SECRET)]).unwrap();
    let bounds = settings.database.requests;
    assert_eq!(bounds.statement_timeout, Duration::from_millis(1000));
    assert_eq!(bounds.lock_timeout, Duration::from_millis(500));

    let settings = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("DATABASE_STATEMENT_TIMEOUT_MS", "250"),
        ("DATABASE_LOCK_TIMEOUT_MS", "100"),
    ])
    .unwrap();
    assert_eq!(
        settings.database.requests.statement_timeout,
        Duration::from_millis(250)
    );
    // The test databases keep them: isolation swaps only the name.
    assert_eq!(
        settings.database.with_database("other").requests,
        settings.database.requests
    );

    // A lock wait longer than the statement's would never fire.
    let err = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("DATABASE_STATEMENT_TIMEOUT_MS", "250"),
        ("DATABASE_LOCK_TIMEOUT_MS", "300"),
    ])
    .unwrap_err();
    assert_eq!(err.variable, "DATABASE_LOCK_TIMEOUT_MS");

    // A deadline days away is a typo, and would overflow a request's clock.
    let err = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("DATABASE_STATEMENT_TIMEOUT_MS", "18446744073709551615"),
    ])
    .unwrap_err();
    assert_eq!(err.variable, "DATABASE_STATEMENT_TIMEOUT_MS");
}

#[test]
fn secrets_can_come_from_files() {
    let dir = std::env::temp_dir().join(format!("tf-secrets-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let secret_file = dir.join("queue_token_secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    let admin_file = dir.join("admin_key");
    std::fs::write(&admin_file, "from-a-file\n").unwrap();
    let database_file = dir.join("database_url");
    std::fs::write(&database_file, "postgres://app:pw@db:5432/tickets").unwrap();
    let settings = load(&[
        ("QUEUE_TOKEN_SECRET_FILE", secret_file.to_str().unwrap()),
        ("ADMIN_KEY_FILE", admin_file.to_str().unwrap()),
        ("DATABASE_URL_FILE", database_file.to_str().unwrap()),
    ])
    .unwrap();
    assert_eq!(
        settings.queue.token_keys.signing_secret().expose(),
        SECRET,
        "newline trimmed"
    );
    assert_eq!(settings.admin.key.unwrap().expose(), "from-a-file");
    assert_eq!(settings.database.database_name(), "tickets");

    let both = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("QUEUE_TOKEN_SECRET_FILE", secret_file.to_str().unwrap()),
    ])
    .unwrap_err();
    assert_eq!(both.variable, "QUEUE_TOKEN_SECRET_FILE");
    let missing = load(&[
        ("QUEUE_TOKEN_SECRET", SECRET),
        ("ADMIN_KEY_FILE", dir.join("absent").to_str().unwrap()),
    ])
    .unwrap_err();
    assert_eq!(missing.variable, "ADMIN_KEY_FILE");
    assert!(missing.reason.contains("cannot read"), "{}", missing.reason);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn sections(pairs: &[(&str, &str)]) -> Sections<impl Fn(&str) -> Option<String>> {
    let vars: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Sections::new(move |name: &str| vars.get(name).cloned()).unwrap()
}

#[test]
fn a_section_reads_only_its_own_variables() {
    // No queue-token secret and a broken Redis URL: the database and Kafka
    // sections do not care, the whole load names the first fault.
    let bad = [
        ("REDIS_URL", "http://not-redis"),
        ("TOPIC_PREFIX", "x."),
        ("DATABASE_URL", "postgres://u@db:5432/tf"),
    ];
    let read = sections(&bad);
    assert_eq!(read.kafka().unwrap().topic_prefix, "x.");
    assert_eq!(read.database().unwrap().database_name(), "tf");
    assert_eq!(read.redis().unwrap_err().variable, "REDIS_URL");
    assert_eq!(read.queue().unwrap_err().variable, "QUEUE_TOKEN_SECRET");
    assert_eq!(read.all().unwrap_err().variable, "REDIS_URL");

    // A secret's file is read with its section only.
    let read = sections(&[("QUEUE_TOKEN_SECRET_FILE", "/nonexistent/queue_token_secret")]);
    assert!(read.database().is_ok() && read.kafka().is_ok() && read.redis().is_ok());
    let error = read.queue().unwrap_err();
    assert_eq!(error.variable, "QUEUE_TOKEN_SECRET_FILE");
    assert!(error.reason.contains("cannot read"), "{error}");
    assert_eq!(read.all().unwrap_err().variable, "QUEUE_TOKEN_SECRET_FILE");
}

#[test]
fn min_insync_replicas_is_unset_by_default_and_bounded_by_the_replication_factor() {
    assert_eq!(sections(&[]).kafka().unwrap().min_insync_replicas, None);
    let kafka = sections(&[
        ("KAFKA_REPLICATION_FACTOR", "3"),
        ("KAFKA_MIN_INSYNC_REPLICAS", "2"),
    ])
    .kafka()
    .unwrap();
    assert_eq!(
        (kafka.replication_factor, kafka.min_insync_replicas),
        (3, Some(2))
    );
    for (factor, replicas) in [("1", "2"), ("3", "0"), ("3", "two")] {
        let error = sections(&[
            ("KAFKA_REPLICATION_FACTOR", factor),
            ("KAFKA_MIN_INSYNC_REPLICAS", replicas),
        ])
        .kafka()
        .unwrap_err();
        assert_eq!(error.variable, "KAFKA_MIN_INSYNC_REPLICAS", "{error}");
    }
}

//! The secure paths for real: Kafka over TLS with SASL SCRAM (tansu behind
//! stunnel), Postgres with `sslmode=verify-full` against a CA file, Redis
//! over `rediss://` against a CA file. A charge is decided end to end with
//! every connection of command-api and the projector on them.

use std::path::Path;

use infra::config::{KafkaProperties, RedisSettings, Settings};
use infra::testing::tls::{Certificates, ScramUser, SecureBroker, TlsRedis};
use serde_json::{json, Value};
use sqlx::Connection;
use uuid::Uuid;

use crate::helpers::spawn_app_with;

const USER: ScramUser = ScramUser {
    name: "ticketfold",
    password: "correct horse battery staple",
    mechanism: "SCRAM-SHA-256",
};

/// The test Postgres server's own certificate, which verifies it when
/// taken as the CA (it is self-signed, for `localhost`, on Debian).
async fn postgres_server_certificate() -> (String, u16, String) {
    let server = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let settings = settings_with(&[("DATABASE_URL", &server)]);
    let options = settings.database.connect_options();
    let mut conn = sqlx::PgConnection::connect_with(&options)
        .await
        .expect("the test server answers");
    let (ssl, cert): (String, String) =
        sqlx::query_as("SELECT current_setting('ssl'), current_setting('ssl_cert_file')")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(ssl, "on", "the test Postgres server must serve TLS");
    let user = options.get_username().to_owned();
    (user, options.get_port(), cert)
}

/// Settings from these variables and a queue-token secret.
fn settings_with(variables: &[(&str, &str)]) -> Settings {
    Settings::load(|name| match name {
        "QUEUE_TOKEN_SECRET" => Some(infra::testing::TEST_SECRET.to_owned()),
        _ => variables
            .iter()
            .find(|(variable, _)| *variable == name)
            .map(|(_, value)| (*value).to_owned()),
    })
    .expect("test settings are valid")
}

fn verified_url(user: &str, port: u16, database: &str, root: &Path) -> String {
    format!(
        "postgres://{user}@localhost:{port}/{database}?sslmode=verify-full&sslrootcert={}",
        root.display()
    )
}

#[tokio::test]
async fn a_charge_is_decided_with_every_connection_on_tls_and_kafka_on_sasl_scram() {
    let certificates = Certificates::generate().unwrap();
    let broker = SecureBroker::start(&certificates, &[USER]).unwrap();
    let redis = TlsRedis::start(&certificates).unwrap();
    let (pg_user, pg_port, pg_cert) = postgres_server_certificate().await;
    let database = format!("tf_tls_{}", Uuid::new_v4().simple());
    let database_url = verified_url(&pg_user, pg_port, &database, Path::new(&pg_cert));
    let ca = certificates.ca.display().to_string();
    let broker_address = broker.address();
    let redis_url = redis.url();
    let app = spawn_app_with(&[
        ("KAFKA_BROKERS", &broker_address),
        ("KAFKA_PROPERTY_SECURITY_PROTOCOL", "SASL_SSL"),
        ("KAFKA_PROPERTY_SASL_MECHANISM", USER.mechanism),
        ("KAFKA_PROPERTY_SASL_USERNAME", USER.name),
        ("KAFKA_PROPERTY_SASL_PASSWORD", USER.password),
        ("KAFKA_PROPERTY_SSL_CA_LOCATION", &ca),
        ("DATABASE_URL", &database_url),
        ("REDIS_URL", &redis_url),
        ("REDIS_TLS_CA_FILE", &ca),
    ])
    .await;
    let projector = app.spawn_projector().await;

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200, "{}", ready.text().await.unwrap());

    let user = Uuid::new_v4();
    let response = app
        .command("/v1/balance/charges", user, None, &json!({"amount": 4200}))
        .header("Prefer", "wait=10")
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "decided through the secure broker: {body}");
    assert_eq!(body["balance"], 4200, "{body}");

    // Read back over the same SASL_SSL settings: the record is there.
    let topic = app.settings().kafka.topic_prefix.clone() + infra::kafka::WALLETS;
    let records = app.read_topic(&topic).await;
    assert!(
        records
            .iter()
            .any(|(_, _, envelope)| envelope.event_type == "BalanceChargeRequested"),
        "the charge's record is in the log"
    );

    // Every connection the services hold on the test database is TLS.
    let mut conn = sqlx::PgConnection::connect(&verified_url(
        &pg_user,
        pg_port,
        "postgres",
        Path::new(&pg_cert),
    ))
    .await
    .unwrap();
    let (connections, on_tls): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE s.ssl) \
         FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.datname = $1",
    )
    .bind(&database)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(connections > 0, "the services hold connections");
    assert_eq!(on_tls, connections, "every connection is on TLS");
    projector.stop().await;
}

#[tokio::test]
async fn a_wrong_scram_password_is_refused_by_the_broker() {
    let certificates = Certificates::generate().unwrap();
    let broker = SecureBroker::start(&certificates, &[USER]).unwrap();
    let ca = certificates.ca.display().to_string();
    let mut kafka = settings_with(&[]).kafka;
    kafka.brokers = broker.address();
    kafka.topic_prefix = format!("t{}.", Uuid::new_v4().simple());
    let secure = |password: &str| {
        KafkaProperties::from_pairs([
            ("security.protocol", "SASL_SSL"),
            ("sasl.mechanism", USER.mechanism),
            ("sasl.username", USER.name),
            ("sasl.password", password),
            ("ssl.ca.location", ca.as_str()),
        ])
    };

    kafka.properties = secure("not the password");
    assert!(
        infra::kafka::ensure_topics(&kafka).await.is_err(),
        "a wrong password creates nothing"
    );
    kafka.properties = secure(USER.password);
    infra::kafka::ensure_topics(&kafka)
        .await
        .expect("the right password creates the topics");
}

#[tokio::test]
async fn a_redis_server_the_configured_ca_did_not_sign_is_refused() {
    let certificates = Certificates::generate().unwrap();
    let redis = TlsRedis::start(&certificates).unwrap();
    let settings = |ca: &Path| RedisSettings {
        url: redis.url(),
        key_prefix: format!("t{}:", Uuid::new_v4().simple()),
        ca_file: Some(ca.to_owned()),
    };

    let trusted = infra::redis::Redis::new(&settings(&certificates.ca)).unwrap();
    let mut conn = trusted.connection().await.expect("connects over TLS");
    let pong: String = redis::cmd("PING").query_async(&mut conn).await.unwrap();
    assert_eq!(pong, "PONG");

    let other = certificates.unrelated_ca().unwrap();
    let untrusted = infra::redis::Redis::new(&settings(&other)).unwrap();
    assert!(
        untrusted.connection().await.is_err(),
        "a certificate from another CA is refused"
    );
}

#[tokio::test]
async fn postgres_verify_full_refuses_a_server_the_configured_ca_did_not_sign() {
    let certificates = Certificates::generate().unwrap();
    let (user, port, _) = postgres_server_certificate().await;
    let other = certificates.unrelated_ca().unwrap();
    let url = verified_url(&user, port, "postgres", &other);
    let settings = settings_with(&[("DATABASE_URL", &url)]);
    let error = infra::postgres::connect(&settings.database)
        .await
        .expect_err("the server's certificate is not from that CA");
    let message = error.to_string();
    assert!(
        message.to_lowercase().contains("certificate")
            || message.to_lowercase().contains("tls")
            || message.to_lowercase().contains("issuer"),
        "says why: {message}"
    );
}

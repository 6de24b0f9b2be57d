//! The one place a librdkafka client's configuration starts, so producer,
//! consumer and admin client reach the same cluster the same way.

use rdkafka::ClientConfig;

use crate::config::KafkaSettings;

/// `bootstrap.servers` and every pass-through property
/// (`KAFKA_PROPERTY_*`: TLS, SASL, tuning). Callers add what their role
/// needs; the properties they set cannot be passed through
/// (`config::KafkaProperties`), so nothing given is silently overridden.
pub fn client_config(kafka: &KafkaSettings) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &kafka.brokers)
        // A dead or black-holed broker fails fast (startup, /readyz). A
        // default, not ours to keep: a far cluster's TLS and SASL
        // handshake may need more.
        .set("socket.connection.setup.timeout.ms", "2000");
    for (name, value) in kafka.properties.iter() {
        config.set(name, value);
    }
    config
}

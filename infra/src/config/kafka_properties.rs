//! librdkafka properties passed through from `KAFKA_PROPERTY_<NAME>`
//! variables, so any cluster's security (TLS, SASL PLAIN/SCRAM, OAUTHBEARER)
//! and tuning is reachable without a setting of ours for each property.
//!
//! `KAFKA_PROPERTY_SECURITY_PROTOCOL=SASL_SSL` sets `security.protocol`:
//! the name after the prefix, lower-cased, `_` read as `.` (no librdkafka
//! property has an underscore in its name). `KAFKA_PROPERTY_<NAME>_FILE`
//! reads the value from a file instead, for passwords mounted as secrets.

use std::fmt;

use super::ConfigError;

pub const PROPERTY_PREFIX: &str = "KAFKA_PROPERTY_";
const FILE_SUFFIX: &str = "_FILE";
const VARIABLE: &str = "KAFKA_PROPERTY_*";

/// Properties the clients set themselves, each for a reason a pass-through
/// must not undo: overriding them could lose acknowledged commands (acks,
/// idempotence, the append budget), read uncommitted records, commit
/// offsets behind the projector's back (they live in Postgres beside the
/// folds) or silently change how late decisions are. Refused with the
/// reason rather than ignored.
const OWNED: [(&str, &str); 18] = [
    ("bootstrap.servers", "set KAFKA_BROKERS instead"),
    ("group.id", "the projector names its own consumer group"),
    ("client.id", "each client names itself"),
    ("acks", "appends wait for all in-sync replicas"),
    (
        "enable.idempotence",
        "retried appends must not duplicate records",
    ),
    (
        "transactional.id",
        "appends are idempotent, not transactional",
    ),
    (
        "message.timeout.ms",
        "it is the append budget command-api answers within",
    ),
    (
        "request.timeout.ms",
        "it is the append budget command-api answers within",
    ),
    (
        "linger.ms",
        "each append waits for its acknowledgement; lingering only delays it",
    ),
    ("batch.num.messages", "set for the appender's batching"),
    (
        "enable.auto.commit",
        "offsets are stored in Postgres with the folds",
    ),
    (
        "enable.auto.offset.store",
        "offsets are stored in Postgres with the folds",
    ),
    (
        "auto.offset.reset",
        "a partition without a stored offset is folded from its start",
    ),
    (
        "isolation.level",
        "the projector reads committed records only",
    ),
    (
        "allow.auto.create.topics",
        "topics are created by `projector setup`",
    ),
    (
        "enable.partition.eof",
        "replay and export read to each partition's end",
    ),
    ("fetch.wait.max.ms", "set KAFKA_FETCH_WAIT_MS instead"),
    (
        "statistics.interval.ms",
        "the projector's lag metric reads the statistics",
    ),
];

/// Name fragments whose values are credentials: never shown in `{:?}`.
const SECRET_FRAGMENTS: [&str; 5] = ["password", "secret", "key", "jaas", "token"];

/// Extra librdkafka properties, in a stable order (by name).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KafkaProperties(Vec<(String, String)>);

impl KafkaProperties {
    /// Reads every `KAFKA_PROPERTY_*` variable among `names`.
    pub(super) fn read<'a>(
        names: impl IntoIterator<Item = &'a str>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut properties: Vec<(String, String)> = Vec::new();
        for variable in names {
            let Some(rest) = variable.strip_prefix(PROPERTY_PREFIX) else {
                continue;
            };
            let Some(raw) = lookup(variable).filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            let (rest, value) = match rest.strip_suffix(FILE_SUFFIX) {
                Some(rest) => (rest, read_file(variable, raw.trim())?),
                None => (rest, raw.trim().to_owned()),
            };
            let name = property_name(variable, rest)?;
            if let Some((_, why)) = OWNED.iter().find(|(owned, _)| *owned == name) {
                return Err(ConfigError::invalid(
                    VARIABLE,
                    format!("{variable}: {name} cannot be overridden: {why}"),
                ));
            }
            if properties.iter().any(|(seen, _)| *seen == name) {
                return Err(ConfigError::invalid(
                    VARIABLE,
                    format!("{name} is set twice (both {PROPERTY_PREFIX}… and its _FILE form?)"),
                ));
            }
            properties.push((name, value));
        }
        properties.sort();
        Ok(Self(properties))
    }

    /// Properties given as name/value pairs (tests, other callers).
    pub fn from_pairs<N: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (N, V)>,
    ) -> Self {
        let mut properties: Vec<(String, String)> = pairs
            .into_iter()
            .map(|(n, v)| (n.into(), v.into()))
            .collect();
        properties.sort();
        Self(properties)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn property_name(variable: &str, rest: &str) -> Result<String, ConfigError> {
    let valid = !rest.is_empty()
        && rest
            .split('_')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()));
    if !valid {
        return Err(ConfigError::invalid(
            VARIABLE,
            format!("{variable} does not name a property (KAFKA_PROPERTY_SASL_MECHANISM is sasl.mechanism)"),
        ));
    }
    Ok(rest.to_ascii_lowercase().replace('_', "."))
}

fn read_file(variable: &str, path: &str) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map(|contents| contents.trim_end().to_owned())
        .map_err(|error| {
            ConfigError::invalid(
                VARIABLE,
                format!("{variable}: cannot read {path:?}: {error}"),
            )
        })
}

impl fmt::Debug for KafkaProperties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.iter() {
            if SECRET_FRAGMENTS.iter().any(|s| name.contains(s)) {
                map.entry(&name, &"***");
            } else {
                map.entry(&name, &value);
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<KafkaProperties, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        KafkaProperties::read(map.keys().map(String::as_str), |n| map.get(n).cloned())
    }

    #[test]
    fn variables_name_properties_with_dots() {
        let properties = read(&[
            ("KAFKA_PROPERTY_SECURITY_PROTOCOL", "SASL_SSL"),
            ("KAFKA_PROPERTY_SASL_MECHANISM", "SCRAM-SHA-256"),
            ("KAFKA_BROKERS", "ignored:9092"),
        ])
        .unwrap();
        assert_eq!(
            properties.iter().collect::<Vec<_>>(),
            vec![
                ("sasl.mechanism", "SCRAM-SHA-256"),
                ("security.protocol", "SASL_SSL")
            ]
        );
    }

    #[test]
    fn a_file_variable_reads_the_value_from_its_file() {
        let dir = std::env::temp_dir().join(format!("kp-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("password");
        std::fs::write(&file, "s3cret\n").unwrap();
        let properties =
            read(&[("KAFKA_PROPERTY_SASL_PASSWORD_FILE", file.to_str().unwrap())]).unwrap();
        assert_eq!(properties.get("sasl.password"), Some("s3cret"));
        assert!(!format!("{properties:?}").contains("s3cret"));
        let both = read(&[
            ("KAFKA_PROPERTY_SASL_PASSWORD_FILE", file.to_str().unwrap()),
            ("KAFKA_PROPERTY_SASL_PASSWORD", "other"),
        ]);
        assert!(both.unwrap_err().reason.contains("set twice"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn properties_the_system_relies_on_are_refused() {
        for (variable, property) in [
            ("KAFKA_PROPERTY_ACKS", "acks"),
            ("KAFKA_PROPERTY_ENABLE_AUTO_COMMIT", "enable.auto.commit"),
            ("KAFKA_PROPERTY_BOOTSTRAP_SERVERS", "bootstrap.servers"),
        ] {
            let error = read(&[(variable, "1")]).unwrap_err();
            assert!(error.reason.contains(property), "{error}");
        }
    }

    #[test]
    fn malformed_names_are_refused() {
        for variable in [
            "KAFKA_PROPERTY_",
            "KAFKA_PROPERTY_SASL__MECHANISM",
            "KAFKA_PROPERTY_SASL-MECHANISM",
        ] {
            assert!(read(&[(variable, "x")]).is_err(), "{variable}");
        }
    }
}

use crate::config::KafkaSettings;

/// The base topic names, owned by the event contract.
pub use schemas::topic::{Topic, CATALOG, RESERVATIONS, WALLETS};

/// The three topics with the configured prefix applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    prefix: String,
    pub catalog: String,
    pub reservations: String,
    pub wallets: String,
}

impl Topics {
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
            catalog: format!("{prefix}{CATALOG}"),
            reservations: format!("{prefix}{RESERVATIONS}"),
            wallets: format!("{prefix}{WALLETS}"),
        }
    }

    pub fn from_settings(kafka: &KafkaSettings) -> Self {
        Self::new(&kafka.topic_prefix)
    }

    /// The prefixed name of `topic`.
    pub fn name(&self, topic: Topic) -> &str {
        match topic {
            Topic::Catalog => &self.catalog,
            Topic::Reservations => &self.reservations,
            Topic::Wallets => &self.wallets,
        }
    }

    pub fn all(&self) -> [&str; 3] {
        [&self.catalog, &self.reservations, &self.wallets]
    }

    /// Each topic with the partition count it is created with.
    pub fn with_partitions(&self, kafka: &KafkaSettings) -> [(&str, i32); 3] {
        let p = kafka.partitions;
        [
            (&self.catalog, p.catalog),
            (&self.reservations, p.reservations),
            (&self.wallets, p.wallets),
        ]
    }

    /// Which topic a prefixed name is, if it is one of ours.
    pub fn topic_of(&self, name: &str) -> Option<Topic> {
        Topic::from_name(name.strip_prefix(self.prefix.as_str())?)
    }

    /// The base name of a prefixed topic, e.g. for bounded metric labels.
    pub fn base_name(&self, name: &str) -> Option<&'static str> {
        self.topic_of(name).map(Topic::name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_is_prepended_and_can_be_stripped() {
        let topics = Topics::new("t42.");
        assert_eq!(
            topics.all(),
            [
                "t42.concert.catalog.v1",
                "t42.concert.reservations.v1",
                "t42.concert.wallets.v1"
            ]
        );
        assert_eq!(topics.base_name("t42.concert.wallets.v1"), Some(WALLETS));
        assert_eq!(topics.base_name("concert.wallets.v1"), None);
        assert_eq!(Topics::new("").catalog, CATALOG);
        let topics = Topics::new("t42.");
        for topic in Topic::ALL {
            assert_eq!(topics.topic_of(topics.name(topic)), Some(topic));
        }
    }
}

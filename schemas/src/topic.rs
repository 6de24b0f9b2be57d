//! Kafka topics. Each is partitioned by its key, so everything one decider
//! folds (one concert, one schedule, one wallet) is read in append order.

/// One of the three topics. Matched exhaustively wherever records are
/// routed, so a fourth topic is a compile error until every router knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// Key: `concert_id`.
    Catalog,
    /// Key: `schedule_id`. Seat conflicts are settled by record order here.
    Reservations,
    /// Key: `user_id`.
    Wallets,
}

impl Topic {
    pub const ALL: [Topic; 3] = [Topic::Catalog, Topic::Reservations, Topic::Wallets];

    /// The base name, before any deployment prefix.
    pub const fn name(self) -> &'static str {
        match self {
            Topic::Catalog => "concert.catalog.v1",
            Topic::Reservations => "concert.reservations.v1",
            Topic::Wallets => "concert.wallets.v1",
        }
    }

    /// The topic a base name names, if any.
    pub fn from_name(name: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|topic| topic.name() == name)
    }
}

impl std::fmt::Display for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

pub const CATALOG: &str = Topic::Catalog.name();
pub const RESERVATIONS: &str = Topic::Reservations.name();
pub const WALLETS: &str = Topic::Wallets.name();

pub const ALL: [&str; 3] = [CATALOG, RESERVATIONS, WALLETS];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topic_reads_back_from_its_name() {
        for topic in Topic::ALL {
            assert_eq!(Topic::from_name(topic.name()), Some(topic));
        }
        assert_eq!(Topic::from_name("concert.refunds.v1"), None);
    }
}

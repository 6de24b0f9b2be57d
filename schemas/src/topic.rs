//! Kafka topics. Each is partitioned by its key, so everything one decider
//! folds (one concert, one schedule, one wallet) is read in append order.

/// Key: `concert_id`.
pub const CATALOG: &str = "concert.catalog.v1";
/// Key: `schedule_id`. Seat conflicts are settled by record order here.
pub const RESERVATIONS: &str = "concert.reservations.v1";
/// Key: `user_id`.
pub const WALLETS: &str = "concert.wallets.v1";

pub const ALL: [&str; 3] = [CATALOG, RESERVATIONS, WALLETS];

//! What a read-model entry describes: the `kind` label of every cache
//! metric, and how long a missing answer may be remembered.

/// One kind of read-model entry; its label names it in every metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The list of every concert.
    Concerts,
    /// One concert's schedules with their available counts.
    Schedules,
    /// One schedule's seat map.
    Seats,
    /// One user's balance.
    Balance,
    /// One reservation (hold).
    Reservation,
    /// One payment.
    Payment,
    /// One balance charge.
    Charge,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Concerts,
        Kind::Schedules,
        Kind::Seats,
        Kind::Balance,
        Kind::Reservation,
        Kind::Payment,
        Kind::Charge,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::Concerts => "concerts",
            Kind::Schedules => "schedules",
            Kind::Seats => "seats",
            Kind::Balance => "balance",
            Kind::Reservation => "reservation",
            Kind::Payment => "payment",
            Kind::Charge => "charge",
        }
    }

    /// Whether each process keeps a copy to revalidate instead of fetching
    /// it whole: the big, hot, public entries. (The protected strategy does;
    /// the naive one fetches everything whole.)
    pub fn keeps_copy(self) -> bool {
        matches!(self, Kind::Concerts | Kind::Schedules | Kind::Seats)
    }

    /// Whether "not found" may be cached. Only the catalog's answers are:
    /// every change to the catalog is written through, which overwrites the
    /// marker. A user's reservation, payment or charge is looked up while
    /// it may still be undecided, so its absence is never remembered.
    pub fn caches_absence(self) -> bool {
        matches!(self, Kind::Schedules | Kind::Seats)
    }
}

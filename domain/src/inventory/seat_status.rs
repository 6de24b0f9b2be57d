use crate::{Money, SeatNumber};

/// A seat as the contract shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeatStatus {
    Available,
    /// Held by a live hold, or locked by a payment in flight.
    Held,
    Sold,
}

impl SeatStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SeatStatus::Available => "AVAILABLE",
            SeatStatus::Held => "HELD",
            SeatStatus::Sold => "SOLD",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatView {
    pub number: SeatNumber,
    pub price: Money,
    pub status: SeatStatus,
}

//! Log records into domain commands, parsing every wire value into its
//! domain type: a record whose values are out of range is a typed error
//! naming the field, never a command.

use domain::catalog::CatalogCommand;
use domain::inventory::InventoryCommand;
use domain::payment::{DebitOutcome, DebitRefusal};
use domain::wallet::WalletCommand;
use domain::{
    BookingWindow, ConcertId, InvalidValue, Money, PricedSeat, ScheduleId, SeatNumber, SeatPlan,
    UserId,
};

use crate::payload::Payload;
use crate::{v1, LogEvent, SchemaError};

/// A command addressed to the decider of one partition (the record's key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Catalog {
        concert_id: ConcertId,
        command: CatalogCommand,
    },
    Inventory {
        schedule_id: ScheduleId,
        command: InventoryCommand,
    },
    Wallet {
        user_id: UserId,
        command: WalletCommand,
    },
}

/// Parses one field of a `P` payload.
fn parse<P: Payload, T: TryFrom<V, Error = InvalidValue>, V>(
    field: &'static str,
    raw: V,
) -> Result<T, SchemaError> {
    T::try_from(raw).map_err(|source| SchemaError::InvalidValue {
        event_type: P::EVENT_TYPE,
        field,
        source,
    })
}

fn seat_plan<P: Payload>(seats: Vec<v1::PricedSeat>) -> Result<SeatPlan, SchemaError> {
    let seats = seats
        .into_iter()
        .map(|s| {
            Ok(PricedSeat {
                number: parse::<P, _, _>("seats.number", s.number)?,
                price: parse::<P, _, _>("seats.price", s.price)?,
            })
        })
        .collect::<Result<Vec<_>, SchemaError>>()?;
    parse::<P, _, _>("seats", seats)
}

fn window<P: Payload>(
    booking_opens_at: chrono::DateTime<chrono::Utc>,
    starts_at: chrono::DateTime<chrono::Utc>,
) -> Result<BookingWindow, SchemaError> {
    BookingWindow::new(booking_opens_at, starts_at).map_err(|source| SchemaError::InvalidValue {
        event_type: P::EVENT_TYPE,
        field: "booking_opens_at",
        source,
    })
}

/// The wallet's answer carried by a `P` record, in domain terms.
fn debit_outcome<P: Payload>(outcome: v1::DebitOutcome) -> Result<DebitOutcome, SchemaError> {
    Ok(match outcome {
        v1::DebitOutcome::Debited {
            amount,
            balance_after,
        } => DebitOutcome::Debited {
            amount: parse::<P, Money, _>("outcome.debited.amount", amount)?,
            balance_after: parse::<P, Money, _>("outcome.debited.balance_after", balance_after)?,
        },
        v1::DebitOutcome::Rejected {
            reason: v1::DebitRejection::InsufficientBalance,
        } => DebitOutcome::Refused(DebitRefusal::InsufficientBalance),
    })
}

impl TryFrom<LogEvent> for Command {
    type Error = SchemaError;

    /// The command this record asks its partition's decider to decide.
    fn try_from(event: LogEvent) -> Result<Command, SchemaError> {
        match event {
            LogEvent::ConcertRegistered(e) => {
                type P = v1::ConcertRegistered;
                let concert_id = parse::<P, _, _>("concert_id", e.concert_id)?;
                Ok(Command::Catalog {
                    concert_id,
                    command: CatalogCommand::RegisterConcert {
                        concert_id,
                        title: parse::<P, _, _>("title", e.title)?,
                        venue: parse::<P, _, _>("venue", e.venue)?,
                    },
                })
            }
            LogEvent::ScheduleAdded(e) => {
                type P = v1::ScheduleAdded;
                let concert_id = parse::<P, _, _>("concert_id", e.concert_id)?;
                Ok(Command::Catalog {
                    concert_id,
                    command: CatalogCommand::AddSchedule {
                        concert_id,
                        schedule_id: parse::<P, _, _>("schedule_id", e.schedule_id)?,
                        window: window::<P>(e.booking_opens_at, e.starts_at)?,
                        seats: seat_plan::<P>(e.seats)?,
                    },
                })
            }
            LogEvent::SeatInventoryOpened(e) => {
                type P = v1::SeatInventoryOpened;
                let schedule_id = parse::<P, _, _>("schedule_id", e.schedule_id)?;
                Ok(Command::Inventory {
                    schedule_id,
                    command: InventoryCommand::OpenInventory {
                        schedule_id,
                        concert_id: parse::<P, _, _>("concert_id", e.concert_id)?,
                        window: window::<P>(e.booking_opens_at, e.starts_at)?,
                        seats: seat_plan::<P>(e.seats)?,
                    },
                })
            }
            LogEvent::SeatHoldRequested(e) => {
                type P = crate::v2::SeatHoldRequested;
                Ok(Command::Inventory {
                    schedule_id: parse::<P, _, _>("schedule_id", e.schedule_id)?,
                    command: InventoryCommand::PlaceHold {
                        reservation_id: parse::<P, _, _>("reservation_id", e.reservation_id)?,
                        user_id: parse::<P, _, _>("user_id", e.user_id)?,
                        seat: parse::<P, SeatNumber, _>("seat_number", e.seat_number)?,
                        at: e.requested_at,
                        expires_at: e.expires_at,
                        max_holds_per_user: parse::<P, _, _>(
                            "max_holds_per_user",
                            e.max_holds_per_user,
                        )?,
                    },
                })
            }
            LogEvent::SeatReleaseRequested(e) => {
                type P = v1::SeatReleaseRequested;
                Ok(Command::Inventory {
                    schedule_id: parse::<P, _, _>("schedule_id", e.schedule_id)?,
                    command: InventoryCommand::ReleaseHold {
                        reservation_id: parse::<P, _, _>("reservation_id", e.reservation_id)?,
                        user_id: parse::<P, _, _>("user_id", e.user_id)?,
                        at: e.requested_at,
                    },
                })
            }
            LogEvent::PaymentRequested(e) => {
                type P = v1::PaymentRequested;
                Ok(Command::Inventory {
                    schedule_id: parse::<P, _, _>("schedule_id", e.schedule_id)?,
                    command: InventoryCommand::RequestPayment {
                        payment_id: parse::<P, _, _>("payment_id", e.payment_id)?,
                        reservation_id: parse::<P, _, _>("reservation_id", e.reservation_id)?,
                        user_id: parse::<P, _, _>("user_id", e.user_id)?,
                        at: e.requested_at,
                    },
                })
            }
            LogEvent::PaymentDebitSettled(e) => {
                type P = v1::PaymentDebitSettled;
                Ok(Command::Inventory {
                    schedule_id: parse::<P, _, _>("schedule_id", e.schedule_id)?,
                    command: InventoryCommand::SettlePayment {
                        payment_id: parse::<P, _, _>("payment_id", e.payment_id)?,
                        reservation_id: parse::<P, _, _>("reservation_id", e.reservation_id)?,
                        outcome: debit_outcome::<P>(e.outcome)?,
                    },
                })
            }
            LogEvent::BalanceChargeRequested(e) => {
                type P = v1::BalanceChargeRequested;
                Ok(Command::Wallet {
                    user_id: parse::<P, _, _>("user_id", e.user_id)?,
                    command: WalletCommand::Charge {
                        charge_id: parse::<P, _, _>("charge_id", e.charge_id)?,
                        amount: parse::<P, _, _>("amount", e.amount)?,
                        max_single_charge: parse::<P, _, _>(
                            "max_single_charge",
                            e.max_single_charge,
                        )?,
                        max_balance: parse::<P, _, _>("max_balance", e.max_balance)?,
                    },
                })
            }
            LogEvent::PaymentDebitRequested(e) => {
                type P = v1::PaymentDebitRequested;
                Ok(Command::Wallet {
                    user_id: parse::<P, _, _>("user_id", e.user_id)?,
                    command: WalletCommand::Debit {
                        payment_id: parse::<P, _, _>("payment_id", e.payment_id)?,
                        amount: parse::<P, _, _>("amount", e.amount)?,
                    },
                })
            }
            LogEvent::PaymentDebitCommitted(e) => {
                type P = v1::PaymentDebitCommitted;
                Ok(Command::Wallet {
                    user_id: parse::<P, _, _>("user_id", e.user_id)?,
                    command: WalletCommand::CommitDebit {
                        payment_id: parse::<P, _, _>("payment_id", e.payment_id)?,
                    },
                })
            }
            LogEvent::PaymentRefundRequested(e) => {
                type P = v1::PaymentRefundRequested;
                Ok(Command::Wallet {
                    user_id: parse::<P, _, _>("user_id", e.user_id)?,
                    command: WalletCommand::Refund {
                        payment_id: parse::<P, _, _>("payment_id", e.payment_id)?,
                    },
                })
            }
            // Folded by the projector itself: whichever of a request and
            // its withdrawal comes first decides, before any decider.
            withdrawal @ (LogEvent::CatalogRequestWithdrawn(_)
            | LogEvent::ReservationRequestWithdrawn(_)
            | LogEvent::WalletRequestWithdrawn(_)) => {
                Err(SchemaError::NotACommand(withdrawal.event_type()))
            }
        }
    }
}

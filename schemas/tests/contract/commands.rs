//! Records into domain commands, and domain steps into records.

use domain::catalog::CatalogCommand;
use domain::inventory::InventoryCommand;
use domain::payment::{DebitOutcome, DebitRefusal, PaymentStep, PaymentTerms, StepCommand};
use domain::wallet::WalletCommand;
use domain::*;
use schemas::{v1, v2, Command, LogEvent, SchemaError};
use uuid::Uuid;

use crate::samples::*;

fn parsed<T: TryFrom<Uuid, Error = InvalidValue>>(s: &str) -> T {
    T::try_from(id(s)).unwrap()
}

#[test]
fn a_hold_request_becomes_a_place_hold() {
    assert_eq!(
        Command::try_from(seat_hold_requested()).unwrap(),
        Command::Inventory {
            schedule_id: parsed(SCHEDULE),
            command: InventoryCommand::PlaceHold {
                reservation_id: parsed(RESERVATION),
                user_id: parsed(USER),
                seat: SeatNumber::try_from(2i64).unwrap(),
                at: at("2026-12-01T11:00:03.412Z"),
                expires_at: at("2026-12-01T11:05:03.412Z"),
                max_holds_per_user: HoldLimit::CONTRACT_DEFAULT,
            },
        }
    );
}

#[test]
fn a_schedule_becomes_an_add_schedule_with_a_parsed_plan() {
    let Command::Catalog {
        concert_id,
        command: CatalogCommand::AddSchedule { window, seats, .. },
    } = Command::try_from(LogEvent::from(schedule_added())).unwrap()
    else {
        panic!("not an AddSchedule")
    };
    assert_eq!(concert_id, parsed(CONCERT));
    assert_eq!(window.opens_at(), at("2026-12-01T11:00:00Z"));
    assert_eq!(seats.len(), 4);
}

#[test]
fn a_charge_request_carries_its_limits() {
    assert_eq!(
        Command::try_from(balance_charge_requested()).unwrap(),
        Command::Wallet {
            user_id: parsed(USER),
            command: WalletCommand::Charge {
                charge_id: parsed(CHARGE),
                amount: Amount::try_from(200_000).unwrap(),
                max_single_charge: Money::try_from(1_000_000).unwrap(),
                max_balance: Money::try_from(10_000_000).unwrap(),
            },
        }
    );
}

#[test]
fn a_rejected_debit_settles_as_a_refusal() {
    let Command::Inventory {
        command: InventoryCommand::SettlePayment { outcome, .. },
        ..
    } = Command::try_from(payment_debit_settled_rejected()).unwrap()
    else {
        panic!("not a SettlePayment")
    };
    assert_eq!(
        outcome,
        DebitOutcome::Refused(DebitRefusal::InsufficientBalance)
    );
}

fn invalid_field(event: LogEvent) -> (&'static str, &'static str) {
    match Command::try_from(event) {
        Err(SchemaError::InvalidValue {
            event_type, field, ..
        }) => (event_type, field),
        other => panic!("expected an invalid value, got {other:?}"),
    }
}

#[test]
fn out_of_range_wire_values_are_typed_errors_naming_the_field() {
    let LogEvent::SeatHoldRequested(hold) = seat_hold_requested() else {
        unreachable!()
    };
    assert_eq!(
        invalid_field(
            v2::SeatHoldRequested {
                seat_number: 0,
                ..hold.clone()
            }
            .into()
        ),
        ("SeatHoldRequested", "seat_number")
    );
    assert_eq!(
        invalid_field(
            v2::SeatHoldRequested {
                max_holds_per_user: 0,
                ..hold.clone()
            }
            .into()
        ),
        ("SeatHoldRequested", "max_holds_per_user")
    );
    assert_eq!(
        invalid_field(
            v2::SeatHoldRequested {
                user_id: Uuid::nil(),
                ..hold
            }
            .into()
        ),
        ("SeatHoldRequested", "user_id")
    );
    let LogEvent::BalanceChargeRequested(charge) = balance_charge_requested() else {
        unreachable!()
    };
    assert_eq!(
        invalid_field(
            v1::BalanceChargeRequested {
                amount: 0,
                ..charge
            }
            .into()
        ),
        ("BalanceChargeRequested", "amount")
    );
    assert_eq!(
        invalid_field(
            v1::ConcertRegistered {
                concert_id: id(CONCERT),
                title: "  ".into(),
                venue: "KSPO Dome".into()
            }
            .into()
        ),
        ("ConcertRegistered", "title")
    );
}

#[test]
fn an_impossible_schedule_is_a_typed_error() {
    let late = v1::ScheduleAdded {
        booking_opens_at: at("2026-12-25T00:00:00Z"),
        ..schedule_added()
    };
    assert_eq!(
        invalid_field(late.into()),
        ("ScheduleAdded", "booking_opens_at")
    );
    let mut doubled = schedule_added();
    doubled.seats.push(v1::PricedSeat {
        number: 1,
        price: 1,
    });
    assert_eq!(invalid_field(doubled.into()), ("ScheduleAdded", "seats"));
    let empty = v1::ScheduleAdded {
        seats: vec![],
        ..schedule_added()
    };
    assert_eq!(invalid_field(empty.into()), ("ScheduleAdded", "seats"));
    let mut negative = schedule_added();
    negative.seats[0].price = -1;
    assert_eq!(
        invalid_field(negative.into()),
        ("ScheduleAdded", "seats.price")
    );
}

#[test]
fn an_accepted_schedule_is_copied_to_its_inventory() {
    let copy = v1::SeatInventoryOpened::from(&schedule_added());
    assert_eq!(LogEvent::from(copy), seat_inventory_opened());
}

fn terms() -> PaymentTerms {
    PaymentTerms {
        payment_id: parsed(PAYMENT),
        reservation_id: parsed(RESERVATION),
        schedule_id: parsed(SCHEDULE),
        user_id: parsed(USER),
        amount: Money::try_from(154_000).unwrap(),
    }
}

#[test]
fn payment_steps_become_the_records_that_carry_them() {
    assert_eq!(
        LogEvent::from(&PaymentStep::Debit(terms())),
        payment_debit_requested()
    );
    assert_eq!(
        LogEvent::from(&PaymentStep::CommitDebit(terms())),
        payment_debit_committed()
    );
    let settle = PaymentStep::Settle {
        terms: terms(),
        outcome: DebitOutcome::Debited {
            amount: terms().amount,
            balance_after: Money::try_from(46_000).unwrap(),
        },
    };
    assert_eq!(LogEvent::from(&settle), payment_debit_settled());
}

#[test]
fn a_step_record_decodes_into_the_steps_own_command() {
    let steps = [
        PaymentStep::Debit(terms()),
        PaymentStep::Settle {
            terms: terms(),
            outcome: DebitOutcome::Refused(DebitRefusal::InsufficientBalance),
        },
        PaymentStep::Settle {
            terms: terms(),
            outcome: DebitOutcome::Debited {
                amount: terms().amount,
                balance_after: Money::ZERO,
            },
        },
        PaymentStep::CommitDebit(terms()),
        PaymentStep::Refund(terms()),
    ];
    for step in steps {
        let record = LogEvent::from(&step);
        let decoded = match Command::try_from(record.clone()).unwrap() {
            Command::Inventory {
                schedule_id,
                command,
            } => StepCommand::Inventory {
                schedule_id,
                command,
            },
            Command::Wallet { user_id, command } => StepCommand::Wallet { user_id, command },
            Command::Catalog { .. } => panic!("payment steps never go to the catalog"),
        };
        assert_eq!(decoded, step.command(), "{step:?}");
        let expected_key = match step.command() {
            StepCommand::Inventory { schedule_id, .. } => schedule_id.to_string(),
            StepCommand::Wallet { user_id, .. } => user_id.to_string(),
        };
        assert_eq!(
            record.key(),
            expected_key,
            "the record lands in the partition that decides it"
        );
    }
}

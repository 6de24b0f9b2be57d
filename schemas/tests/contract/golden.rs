//! Golden records: real envelopes as they sit on the log. If a change to
//! the types stops one of these from opening into the same event, old
//! records would stop replaying: add a version and an upcaster instead.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use schemas::{
    follow_up_event_id, Command, Envelope, LogEvent, SchemaError, OPEN_INVENTORY_STEP,
    WITHDRAWAL_STEP,
};

use crate::samples::*;

struct Golden {
    path: &'static str,
    expected: LogEvent,
    /// The saga step that appended it, for follow-ups.
    step: Option<&'static str>,
}

fn goldens() -> Vec<Golden> {
    let g = |path, expected, step| Golden {
        path,
        expected,
        step,
    };
    vec![
        g(
            "concert.catalog.v1/ConcertRegistered.v1.json",
            concert_registered(),
            None,
        ),
        g(
            "concert.catalog.v1/ScheduleAdded.v1.json",
            schedule_added().into(),
            None,
        ),
        g(
            "concert.reservations.v1/SeatInventoryOpened.v1.json",
            seat_inventory_opened(),
            Some(OPEN_INVENTORY_STEP),
        ),
        g(
            "concert.reservations.v1/SeatHoldRequested.v2.json",
            seat_hold_requested(),
            None,
        ),
        g(
            "concert.reservations.v1/SeatHoldRequested.v1.json",
            seat_hold_requested_from_v1(),
            None,
        ),
        g(
            "concert.reservations.v1/SeatReleaseRequested.v1.json",
            seat_release_requested(),
            None,
        ),
        g(
            "concert.reservations.v1/PaymentRequested.v1.json",
            payment_requested(),
            None,
        ),
        g(
            "concert.reservations.v1/PaymentDebitSettled.v1.json",
            payment_debit_settled(),
            Some("payment.settle"),
        ),
        g(
            "concert.reservations.v1/PaymentDebitSettled.v1.rejected.json",
            payment_debit_settled_rejected(),
            Some("payment.settle"),
        ),
        g(
            "concert.wallets.v1/BalanceChargeRequested.v1.json",
            balance_charge_requested(),
            None,
        ),
        g(
            "concert.wallets.v1/PaymentDebitRequested.v1.json",
            payment_debit_requested(),
            Some("payment.debit"),
        ),
        g(
            "concert.wallets.v1/PaymentDebitCommitted.v1.json",
            payment_debit_committed(),
            Some("payment.commit-debit"),
        ),
        g(
            "concert.wallets.v1/PaymentRefundRequested.v1.json",
            payment_refund_requested(),
            Some("payment.refund"),
        ),
        g(
            "concert.catalog.v1/CatalogRequestWithdrawn.v1.json",
            catalog_request_withdrawn(),
            Some(WITHDRAWAL_STEP),
        ),
        g(
            "concert.reservations.v1/ReservationRequestWithdrawn.v1.json",
            reservation_request_withdrawn(),
            Some(WITHDRAWAL_STEP),
        ),
        g(
            "concert.wallets.v1/WalletRequestWithdrawn.v1.json",
            wallet_request_withdrawn(),
            Some(WITHDRAWAL_STEP),
        ),
    ]
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("golden")
}

fn load(path: &str) -> Envelope {
    let bytes = fs::read(golden_dir().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    Envelope::from_bytes(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_golden_record_opens_into_the_expected_event() {
    for golden in goldens() {
        let envelope = load(golden.path);
        let event = envelope
            .open()
            .unwrap_or_else(|e| panic!("{}: {e}", golden.path));
        assert_eq!(event, golden.expected, "{}", golden.path);
        assert!(
            golden.path.starts_with(event.topic().name()),
            "{} is filed under its topic",
            golden.path
        );
        assert_eq!(envelope.key, event.key());
    }
}

#[test]
fn every_golden_record_becomes_a_command_but_withdrawals() {
    for golden in goldens() {
        let event = load(golden.path).open().unwrap();
        match schemas::withdrawn_request(&event) {
            Some(request) => {
                // The request it withdraws is one.
                Command::try_from(request.unwrap().open().unwrap())
                    .unwrap_or_else(|e| panic!("{}: {e}", golden.path));
                assert!(
                    matches!(Command::try_from(event), Err(SchemaError::NotACommand(_))),
                    "{}",
                    golden.path
                );
            }
            None => {
                Command::try_from(event).unwrap_or_else(|e| panic!("{}: {e}", golden.path));
            }
        }
    }
}

#[test]
fn a_withdrawal_is_built_from_its_request_as_the_golden_one() {
    for golden in goldens() {
        let envelope = load(golden.path);
        let Some(request) = schemas::withdrawn_request(&envelope.open().unwrap()) else {
            continue;
        };
        let request = request.unwrap();
        let built = schemas::withdrawal(&request, envelope.occurred_at).unwrap();
        assert_eq!(built, envelope, "{}", golden.path);
    }
}

#[test]
fn golden_follow_ups_carry_ids_derived_from_their_cause() {
    for golden in goldens() {
        let envelope = load(golden.path);
        match golden.step {
            Some(step) => {
                let cause = envelope
                    .causation_id
                    .unwrap_or_else(|| panic!("{} has a cause", golden.path));
                assert_eq!(
                    envelope.event_id,
                    follow_up_event_id(cause, step),
                    "{}",
                    golden.path
                );
            }
            None => assert_eq!(envelope.causation_id, None, "{}", golden.path),
        }
    }
}

#[test]
fn every_event_type_has_a_golden_record_at_its_current_version() {
    let paths: BTreeSet<_> = goldens().iter().map(|g| g.path).collect();
    for info in LogEvent::CURRENT {
        let path = format!("{}/{}.v{}.json", info.topic, info.event_type, info.version);
        assert!(paths.contains(path.as_str()), "no golden record {path}");
    }
    for info in schemas::PUBLISHED {
        let path = format!("{}/{}.v{}.json", info.topic, info.event_type, info.version);
        assert!(
            paths.contains(path.as_str()),
            "no golden record {path} for the superseded version"
        );
    }
}

#[test]
fn every_golden_file_is_checked() {
    let listed: BTreeSet<PathBuf> = goldens().iter().map(|g| PathBuf::from(g.path)).collect();
    let mut on_disk = BTreeSet::new();
    for topic in fs::read_dir(golden_dir()).unwrap() {
        let topic = topic.unwrap().path();
        for file in fs::read_dir(&topic).unwrap() {
            on_disk.insert(
                file.unwrap()
                    .path()
                    .strip_prefix(golden_dir())
                    .unwrap()
                    .to_path_buf(),
            );
        }
    }
    assert_eq!(
        on_disk, listed,
        "add new golden files to goldens() with the event they hold"
    );
}

use domain::payment::DebitRefusal;
use domain::testing::given;
use domain::wallet::{Wallet, WalletCommand, WalletDebitState, WalletEvent};
use domain::*;

use crate::fixtures::*;

const MAX_SINGLE: i64 = 1_000_000;
const MAX_BALANCE: i64 = 10_000_000;

fn charge_cmd(c: u128, n: i64) -> WalletCommand {
    WalletCommand::Charge {
        charge_id: charge(c),
        amount: amount(n),
        max_single_charge: krw(MAX_SINGLE),
        max_balance: krw(MAX_BALANCE),
    }
}
fn charged(c: u128, n: i64, balance_after: i64) -> WalletEvent {
    WalletEvent::BalanceCharged {
        charge_id: charge(c),
        amount: amount(n),
        balance_after: krw(balance_after),
    }
}
fn debit(p: u128, n: i64) -> WalletCommand {
    WalletCommand::Debit {
        payment_id: payment(p),
        amount: krw(n),
    }
}
fn debited_event(p: u128, n: i64, balance_after: i64) -> WalletEvent {
    WalletEvent::PaymentDebited {
        payment_id: payment(p),
        amount: krw(n),
        balance_after: krw(balance_after),
    }
}
fn committed(p: u128, n: i64) -> WalletEvent {
    WalletEvent::DebitCommitted {
        payment_id: payment(p),
        amount: krw(n),
    }
}
fn refunded(p: u128, n: i64, balance_after: i64) -> WalletEvent {
    WalletEvent::PaymentRefunded {
        payment_id: payment(p),
        amount: krw(n),
        balance_after: krw(balance_after),
    }
}
/// Charges in single-charge-sized steps up to `total`.
fn charged_up_to(total: i64) -> Vec<WalletEvent> {
    let mut events = Vec::new();
    let mut balance = 0;
    let mut c = 100;
    while balance < total {
        let step = (total - balance).min(MAX_SINGLE);
        balance += step;
        events.push(charged(c, step, balance));
        c += 1;
    }
    events
}

#[test]
fn a_user_never_seen_has_a_zero_balance() {
    assert_eq!(Wallet::default().balance(), Money::ZERO);
}

#[test]
fn charging_adds_to_the_balance() {
    let state = given::<Wallet>([charged(1, 5_000, 5_000)])
        .when(charge_cmd(2, 3_000))
        .then([charged(2, 3_000, 8_000)]);
    assert_eq!(state.balance(), krw(8_000));
}

#[test]
fn a_charge_over_the_single_charge_limit_is_refused() {
    given::<Wallet>([])
        .when(charge_cmd(1, MAX_SINGLE + 1))
        .then_error(DomainError::ChargeLimitExceeded);
}

#[test]
fn a_charge_of_exactly_the_single_charge_limit_is_accepted() {
    given::<Wallet>([])
        .when(charge_cmd(1, MAX_SINGLE))
        .then([charged(1, MAX_SINGLE, MAX_SINGLE)]);
}

#[test]
fn the_single_charge_limit_is_checked_before_the_balance_limit() {
    given::<Wallet>(charged_up_to(MAX_BALANCE))
        .when(charge_cmd(1, MAX_SINGLE + 1))
        .then_error(DomainError::ChargeLimitExceeded);
}

#[test]
fn a_charge_taking_the_balance_over_its_limit_is_refused() {
    given::<Wallet>(charged_up_to(MAX_BALANCE - 10))
        .when(charge_cmd(1, 11))
        .then_error(DomainError::BalanceLimitExceeded);
}

#[test]
fn a_charge_reaching_exactly_the_balance_limit_is_accepted() {
    given::<Wallet>(charged_up_to(MAX_BALANCE - 10))
        .when(charge_cmd(1, 10))
        .then([charged(1, 10, MAX_BALANCE)]);
}

#[test]
fn limits_come_with_the_command() {
    given::<Wallet>([])
        .when(WalletCommand::Charge {
            charge_id: charge(1),
            amount: amount(500),
            max_single_charge: krw(100),
            max_balance: krw(MAX_BALANCE),
        })
        .then_error(DomainError::ChargeLimitExceeded);
}

#[test]
fn a_debit_in_flight_still_counts_against_the_balance_limit() {
    let mut history = charged_up_to(MAX_BALANCE);
    history.push(debited_event(1, 30_000, MAX_BALANCE - 30_000));
    given::<Wallet>(history)
        .when(charge_cmd(1, 1))
        .then_error(DomainError::BalanceLimitExceeded);
}

#[test]
fn a_committed_debit_frees_its_headroom() {
    let mut history = charged_up_to(MAX_BALANCE);
    history.extend([
        debited_event(1, 30_000, MAX_BALANCE - 30_000),
        committed(1, 30_000),
    ]);
    given::<Wallet>(history)
        .when(charge_cmd(1, 30_000))
        .then([charged(1, 30_000, MAX_BALANCE)]);
}

#[test]
fn a_refund_never_takes_the_balance_over_its_limit() {
    let mut history = charged_up_to(MAX_BALANCE);
    history.push(debited_event(1, 30_000, MAX_BALANCE - 30_000));
    let state = given::<Wallet>(history)
        .when(WalletCommand::Refund {
            payment_id: payment(1),
        })
        .then([refunded(1, 30_000, MAX_BALANCE)]);
    assert_eq!(state.balance(), krw(MAX_BALANCE));
}

#[test]
fn a_redelivered_charge_changes_nothing() {
    given::<Wallet>([charged(1, 5_000, 5_000)])
        .when(charge_cmd(1, 5_000))
        .then_nothing();
}

#[test]
fn a_charge_id_reused_for_another_amount_is_refused() {
    given::<Wallet>([charged(1, 5_000, 5_000)])
        .when(charge_cmd(1, 6_000))
        .then_error(DomainError::IdReused(Entity::Charge));
}

#[test]
fn debiting_takes_the_amount_from_the_balance() {
    let state = given::<Wallet>([charged(1, 50_000, 50_000)])
        .when(debit(1, 20_000))
        .then([debited_event(1, 20_000, 30_000)]);
    assert_eq!(state.in_flight(), krw(20_000));
}

#[test]
fn debiting_the_whole_balance_leaves_zero() {
    given::<Wallet>([charged(1, 20_000, 20_000)])
        .when(debit(1, 20_000))
        .then([debited_event(1, 20_000, 0)]);
}

fn debit_refused(p: u128, n: i64) -> WalletEvent {
    WalletEvent::DebitRefused {
        payment_id: payment(p),
        amount: krw(n),
        reason: DebitRefusal::InsufficientBalance,
    }
}

#[test]
fn a_debit_never_takes_the_balance_below_zero() {
    let state = given::<Wallet>([charged(1, 19_999, 19_999)])
        .when(debit(1, 20_000))
        .then([debit_refused(1, 20_000)]);
    assert_eq!(state.balance(), krw(19_999));
    assert_eq!(
        DebitRefusal::InsufficientBalance.error(),
        DomainError::InsufficientBalance
    );
}

#[test]
fn a_refused_debit_stays_refused_after_a_top_up() {
    given::<Wallet>([
        charged(1, 19_999, 19_999),
        debit_refused(1, 20_000),
        charged(2, 50_000, 69_999),
    ])
    .when(debit(1, 20_000))
    .then_nothing();
}

#[test]
fn a_refused_debit_has_nothing_to_commit_or_refund() {
    given::<Wallet>([debit_refused(1, 20_000)])
        .when(WalletCommand::CommitDebit {
            payment_id: payment(1),
        })
        .then_error(DomainError::NotFound(Entity::Payment));
    given::<Wallet>([debit_refused(1, 20_000)])
        .when(WalletCommand::Refund {
            payment_id: payment(1),
        })
        .then_error(DomainError::NotFound(Entity::Payment));
}

#[test]
fn a_free_seat_debits_nothing_even_from_an_empty_wallet() {
    given::<Wallet>([])
        .when(debit(1, 0))
        .then([debited_event(1, 0, 0)]);
}

#[test]
fn a_redelivered_debit_takes_nothing_more() {
    given::<Wallet>([charged(1, 50_000, 50_000), debited_event(1, 20_000, 30_000)])
        .when(debit(1, 20_000))
        .then_nothing();
}

#[test]
fn a_payment_id_reused_for_another_debit_amount_is_refused() {
    given::<Wallet>([charged(1, 50_000, 50_000), debited_event(1, 20_000, 30_000)])
        .when(debit(1, 10_000))
        .then_error(DomainError::IdReused(Entity::Payment));
}

#[test]
fn committing_a_debit_makes_it_final() {
    let state = given::<Wallet>([charged(1, 50_000, 50_000), debited_event(1, 20_000, 30_000)])
        .when(WalletCommand::CommitDebit {
            payment_id: payment(1),
        })
        .then([committed(1, 20_000)]);
    assert_eq!(
        state.debit(payment(1)).unwrap().state,
        WalletDebitState::Committed
    );
    assert_eq!(state.in_flight(), Money::ZERO);
    assert_eq!(state.balance(), krw(30_000));
}

#[test]
fn committing_twice_changes_nothing() {
    given::<Wallet>([
        charged(1, 50_000, 50_000),
        debited_event(1, 20_000, 30_000),
        committed(1, 20_000),
    ])
    .when(WalletCommand::CommitDebit {
        payment_id: payment(1),
    })
    .then_nothing();
}

#[test]
fn committing_an_unknown_debit_is_not_found() {
    given::<Wallet>([])
        .when(WalletCommand::CommitDebit {
            payment_id: payment(1),
        })
        .then_error(DomainError::NotFound(Entity::Payment));
}

#[test]
fn committing_a_refunded_debit_is_refused() {
    given::<Wallet>([
        charged(1, 50_000, 50_000),
        debited_event(1, 20_000, 30_000),
        refunded(1, 20_000, 50_000),
    ])
    .when(WalletCommand::CommitDebit {
        payment_id: payment(1),
    })
    .then_error(DomainError::AlreadyRefunded);
}

#[test]
fn refunding_gives_the_debit_back() {
    given::<Wallet>([charged(1, 50_000, 50_000), debited_event(1, 20_000, 30_000)])
        .when(WalletCommand::Refund {
            payment_id: payment(1),
        })
        .then([refunded(1, 20_000, 50_000)]);
}

#[test]
fn a_debit_is_refunded_once() {
    given::<Wallet>([
        charged(1, 50_000, 50_000),
        debited_event(1, 20_000, 30_000),
        refunded(1, 20_000, 50_000),
    ])
    .when(WalletCommand::Refund {
        payment_id: payment(1),
    })
    .then_nothing();
}

#[test]
fn refunding_a_committed_debit_is_refused() {
    given::<Wallet>([
        charged(1, 50_000, 50_000),
        debited_event(1, 20_000, 30_000),
        committed(1, 20_000),
    ])
    .when(WalletCommand::Refund {
        payment_id: payment(1),
    })
    .then_error(DomainError::AlreadyConfirmed);
}

#[test]
fn refunding_an_unknown_debit_is_not_found() {
    given::<Wallet>([])
        .when(WalletCommand::Refund {
            payment_id: payment(1),
        })
        .then_error(DomainError::NotFound(Entity::Payment));
}

use chrono::Duration;
use domain::*;
use uuid::Uuid;

use crate::fixtures::*;

#[test]
fn money_is_never_negative() {
    assert_eq!(Money::try_from(-1), Err(InvalidValue::NegativeMoney(-1)));
    assert_eq!(Money::try_from(0).unwrap(), Money::ZERO);
}

#[test]
fn money_arithmetic_is_checked() {
    assert_eq!(krw(5).checked_sub(krw(6)), None);
    assert_eq!(krw(6).checked_sub(krw(6)), Some(Money::ZERO));
    assert_eq!(krw(i64::MAX).checked_add(krw(1)), None);
    assert_eq!(krw(2).checked_add(krw(3)), Some(krw(5)));
}

#[test]
fn amount_is_positive() {
    assert_eq!(Amount::try_from(0), Err(InvalidValue::NonPositiveAmount(0)));
    assert_eq!(
        Amount::try_from(-5),
        Err(InvalidValue::NonPositiveAmount(-5))
    );
    assert_eq!(Amount::try_from(1).unwrap().money(), krw(1));
}

#[test]
fn seat_number_is_within_range() {
    assert!(SeatNumber::try_from(0i64).is_err());
    assert!(SeatNumber::try_from(100_001i64).is_err());
    assert_eq!(SeatNumber::try_from(1i64).unwrap().get(), 1);
    assert_eq!(SeatNumber::try_from(100_000i64).unwrap().get(), 100_000);
}

#[test]
fn titles_and_venues_are_trimmed_and_bounded() {
    assert_eq!(
        Title::try_from("  Aurora Live  ").unwrap().as_str(),
        "Aurora Live"
    );
    assert_eq!(
        Venue::try_from("   "),
        Err(InvalidValue::TextLength {
            field: "venue",
            max: 200,
            got: 0
        })
    );
    assert!(
        Title::try_from("가".repeat(200)).is_ok(),
        "the bound counts characters, not bytes"
    );
    assert!(Title::try_from("a".repeat(201)).is_err());
}

#[test]
fn ids_refuse_the_nil_uuid_and_garbage() {
    assert_eq!(
        UserId::try_from(Uuid::nil()),
        Err(InvalidValue::NilId { kind: "user_id" })
    );
    assert!(matches!(
        "not-a-uuid".parse::<ReservationId>(),
        Err(InvalidValue::MalformedId { .. })
    ));
    let id: ScheduleId = "0190f1c4-2b9e-7c3a-9d2e-4f5a6b7c8d9e".parse().unwrap();
    assert_eq!(id.to_string(), "0190f1c4-2b9e-7c3a-9d2e-4f5a6b7c8d9e");
}

#[test]
fn deserializing_invalid_values_fails() {
    assert!(serde_json::from_str::<Money>("-1").is_err());
    assert!(serde_json::from_str::<Amount>("0").is_err());
    assert!(serde_json::from_str::<SeatNumber>("0").is_err());
    assert!(serde_json::from_str::<Title>("\"  \"").is_err());
    assert!(serde_json::from_str::<UserId>("\"00000000-0000-0000-0000-000000000000\"").is_err());
    assert_eq!(serde_json::from_str::<SeatNumber>("7").unwrap(), seat(7));
    // Read back from a snapshot through the same checks as when built.
    let window = BookingWindow::new(t(0), t(10)).unwrap();
    let json = serde_json::to_string(&window).unwrap();
    assert_eq!(
        serde_json::from_str::<BookingWindow>(&json).unwrap(),
        window
    );
    let backwards = serde_json::json!({ "opens_at": t(10), "starts_at": t(0) });
    assert!(serde_json::from_value::<BookingWindow>(backwards).is_err());
    assert!(serde_json::from_str::<SeatPlan>("[]").is_err());
    let twice = r#"[{"number":1,"price":100},{"number":1,"price":200}]"#;
    assert!(serde_json::from_str::<SeatPlan>(twice).is_err());
}

#[test]
fn booking_may_open_at_but_not_after_the_start() {
    assert!(BookingWindow::new(t(0), t(0)).is_ok());
    assert_eq!(
        BookingWindow::new(t(1), t(0)),
        Err(InvalidValue::BookingOpensAfterStart)
    );
    assert!(window().is_open_at(t(0)));
    assert!(!window().is_open_at(t(0) - Duration::milliseconds(1)));
}

#[test]
fn a_seat_plan_has_unique_seats_and_at_least_one() {
    assert_eq!(SeatPlan::try_from(vec![]), Err(InvalidValue::NoSeats));
    let twice = vec![
        PricedSeat {
            number: seat(3),
            price: krw(1),
        },
        PricedSeat {
            number: seat(3),
            price: krw(2),
        },
    ];
    assert_eq!(
        SeatPlan::try_from(twice),
        Err(InvalidValue::DuplicateSeat(3))
    );
    assert_eq!(
        plan(&[(2, 5), (1, 5)]),
        plan(&[(1, 5), (2, 5)]),
        "order of entry does not matter"
    );
}

#[test]
fn hold_limit_is_positive() {
    assert!(HoldLimit::try_from(0).is_err());
    assert_eq!(HoldLimit::CONTRACT_DEFAULT.get(), 4);
}

#[test]
fn errors_carry_the_contract_codes() {
    assert_eq!(
        DomainError::NotFound(Entity::Seat).code().as_str(),
        "NOT_FOUND"
    );
    assert_eq!(
        DomainError::HoldLimitReached.code().as_str(),
        "HOLD_LIMIT_REACHED"
    );
    assert_eq!(
        DomainError::BalanceLimitExceeded.code().as_str(),
        "BALANCE_LIMIT_EXCEEDED"
    );
    assert_eq!(
        DomainError::IdReused(Entity::Reservation).code().as_str(),
        "INTERNAL"
    );
    // What the projector's mapping used to check, now typed end to end.
    assert_eq!(
        DomainError::SeatUnavailable.code(),
        ErrorCode::SeatUnavailable
    );
    assert_eq!(
        DomainError::PaymentInProgress.code(),
        ErrorCode::PaymentInProgress
    );
    assert_eq!(
        DomainError::InvalidHoldPeriod.code(),
        ErrorCode::ValidationFailed
    );
    assert_eq!(DomainError::SettlementMismatch.code(), ErrorCode::Internal);
}

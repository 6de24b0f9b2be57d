//! Every body query-api serves, and every read-model entry in Redis, is
//! exactly its owner type serialized: it deserializes into the type (which
//! refuses unknown fields) and the type writes it back byte for byte, lapsed
//! holds and grown counts included.

use std::time::Duration;

use chrono::Utc;
use read_model::{
    BalanceView, ChargeStatus, ChargeView, ConcertView, Entry, PaymentStatus, PaymentView,
    PendingEntries, PendingEntry, ReservationStatus, ReservationView, ScheduleView, SeatMapView,
    SeatStatus, Served,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;
use waiting_room::TokenState;

use crate::helpers::{content_type, TestApp, PATIENCE};
use crate::seed;
use crate::stack::spawn_stack;

/// `body` as `T`, asserting that `T` serializes back to exactly `body`.
fn exact<T: DeserializeOwned + Serialize>(what: &str, body: &[u8]) -> T {
    let text = String::from_utf8_lossy(body);
    let typed: T =
        serde_json::from_slice(body).unwrap_or_else(|error| panic!("{what}: {error}: {text}"));
    assert_eq!(
        String::from_utf8(serde_json::to_vec(&typed).unwrap()).unwrap(),
        text,
        "{what}: not the type's own bytes"
    );
    typed
}

/// `GET path`, as `caller` (with a queue token when it has one): status
/// and body bytes, after checking the content type.
async fn get(app: &TestApp, path: &str, caller: Option<(Uuid, &str)>) -> (u16, Vec<u8>) {
    let mut request = app.client.get(app.url(path));
    if let Some((user, token)) = caller {
        request = request.header("X-User-Id", user.to_string());
        if !token.is_empty() {
            request = request.header("X-Queue-Token", token);
        }
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let expected = if status >= 400 {
        "application/problem+json"
    } else {
        "application/json"
    };
    assert_eq!(content_type(&response), expected, "{path}: {status}");
    (status, response.bytes().await.unwrap().to_vec())
}

/// A 200 of `path`, read as `T`.
async fn read<T: DeserializeOwned + Serialize>(
    app: &TestApp,
    path: &str,
    caller: Option<(Uuid, &str)>,
) -> T {
    let (status, body) = get(app, path, caller).await;
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
    exact(path, &body)
}

async fn problem(app: &TestApp, path: &str, caller: Option<(Uuid, &str)>, status: u16) {
    let (got, body) = get(app, path, caller).await;
    assert_eq!(got, status, "{path}: {}", String::from_utf8_lossy(&body));
    let problem: infra::problem::ProblemBody = exact(path, &body);
    assert_eq!(problem.status, status);
}

#[tokio::test]
async fn every_body_served_or_stored_reads_exactly_as_its_owner_type() {
    let stack = spawn_stack(&[]).await;
    let app = &stack.query;
    let (concert, schedule) = stack
        .schedule(3, Utc::now() - chrono::Duration::days(1))
        .await;
    let (user, token) = stack.active_user().await;
    let caller = Some((user, token.as_str()));

    // The wallet: a charge polled from PENDING to COMPLETED.
    let (status, location, answer) = stack
        .post_without_waiting("/v1/balance/charges", (user, ""), json!({"amount": 50_000}))
        .await;
    assert_eq!(status, 202, "{answer}");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let charge: ChargeView = read(app, &location, Some((user, ""))).await;
        if charge.status == ChargeStatus::Completed {
            assert_eq!(
                (charge.amount, charge.balance),
                (Some(50_000), Some(50_000))
            );
            break;
        }
        assert_eq!(charge.status, ChargeStatus::Pending);
        assert!(tokio::time::Instant::now() < deadline, "{charge:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Holds, a release and a payment, each read back.
    let hold = |seat: i64| json!({"schedule_id": schedule, "seat_number": seat});
    let (status, held) = stack.post("/v1/reservations", caller, hold(1)).await;
    assert_eq!(status, 201, "{held}");
    let (status, released) = stack.post("/v1/reservations", caller, hold(2)).await;
    assert_eq!(status, 201, "{released}");
    let (held, released) = (
        held["reservation_id"].as_str().unwrap().to_owned(),
        released["reservation_id"].as_str().unwrap().to_owned(),
    );
    let (status, body) = stack
        .command(
            reqwest::Method::DELETE,
            &format!("/v1/reservations/{released}"),
            caller,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let map: SeatMapView = read(app, &format!("/v1/schedules/{schedule}/seats"), caller).await;
    let statuses: Vec<SeatStatus> = map.seats.iter().map(|seat| seat.status).collect();
    assert_eq!(
        statuses,
        [
            SeatStatus::Held,
            SeatStatus::Available,
            SeatStatus::Available
        ]
    );
    let (status, paid) = stack
        .post("/v1/payments", caller, json!({"reservation_id": held}))
        .await;
    assert_eq!(status, 201, "{paid}");
    let payment: PaymentView = read(
        app,
        &format!("/v1/payments/{}", paid["payment_id"].as_str().unwrap()),
        Some((user, "")),
    )
    .await;
    assert_eq!(payment.status, PaymentStatus::Completed);
    for (id, expected) in [
        (&held, ReservationStatus::Confirmed),
        (&released, ReservationStatus::Released),
    ] {
        let reservation: ReservationView =
            read(app, &format!("/v1/reservations/{id}"), Some((user, ""))).await;
        assert_eq!(reservation.status, expected);
    }
    let balance: BalanceView = read(app, "/v1/balance", Some((user, ""))).await;
    assert_eq!(balance.balance, 50_000 - 11_000);

    // Seeded next to it: what the projector's folds above did not make.
    let pool = &app.pool;
    let (seeded, seeded_schedule) = seed::open_schedule(pool, 4).await;
    let lapses = seed::now() + chrono::Duration::seconds(2);
    let (reader, reader_token) = stack.active_user().await;
    let lapsing = seed::hold(pool, seeded_schedule, 1, reader, lapses).await;
    let lasting = seed::hold(
        pool,
        seeded_schedule,
        2,
        reader,
        seed::now() + chrono::Duration::hours(1),
    )
    .await;
    seed::sell(pool, seeded_schedule, 3).await;
    let requested = seed::payment(
        pool,
        lasting,
        seeded_schedule,
        reader,
        "REQUESTED",
        None,
        None,
    )
    .await;
    let failed = seed::payment(
        pool,
        lapsing,
        seeded_schedule,
        reader,
        "FAILED",
        Some("HOLD_EXPIRED"),
        None,
    )
    .await;
    let refused = seed::refused_charge(pool, reader, "BALANCE_LIMIT_EXCEEDED").await;
    let reader_caller = Some((reader, reader_token.as_str()));
    let seats_path = format!("/v1/schedules/{seeded_schedule}/seats");
    let schedules_path = format!("/v1/concerts/{seeded}/schedules");
    let lapsing_path = format!("/v1/reservations/{lapsing}");
    let before: SeatMapView = read(app, &seats_path, reader_caller).await;
    let schedules: Vec<ScheduleView> = read(app, &schedules_path, None).await;
    let reservation: ReservationView = read(app, &lapsing_path, Some((reader, ""))).await;
    assert_eq!(before.seats[0].status, SeatStatus::Held);
    assert_eq!(schedules[0].available_seats, 1);
    assert_eq!(reservation.status, ReservationStatus::Held);
    for (path, expected) in [
        (format!("/v1/payments/{requested}"), PaymentStatus::Pending),
        (format!("/v1/payments/{failed}"), PaymentStatus::Failed),
    ] {
        let payment: PaymentView = read(app, &path, Some((reader, ""))).await;
        assert_eq!(payment.status, expected);
    }
    let charge: ChargeView = read(
        app,
        &format!("/v1/balance/charges/{refused}"),
        Some((reader, "")),
    )
    .await;
    assert_eq!(charge.status, ChargeStatus::Rejected);
    let _: TokenState = read(app, "/v1/queue/tokens/current", reader_caller).await;
    let balance: BalanceView = read(app, "/v1/balance", Some((Uuid::new_v4(), ""))).await;
    assert_eq!(balance.balance, 0);

    // Undecided commands, as command-api leaves them.
    let pending = PendingEntries::new(&app.settings().redis).unwrap();
    let (reservation_id, payment_id, charge_id) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    for entry in [
        PendingEntry::hold(reservation_id, seeded_schedule, 4, reader, lapses),
        PendingEntry::payment(payment_id, lasting, reader),
        PendingEntry::charge(reader, charge_id),
    ] {
        assert!(pending.write(&entry).await.unwrap());
    }
    let reservation: ReservationView = read(
        app,
        &format!("/v1/reservations/{reservation_id}"),
        Some((reader, "")),
    )
    .await;
    assert_eq!(reservation.status, ReservationStatus::Pending);
    let payment: PaymentView = read(
        app,
        &format!("/v1/payments/{payment_id}"),
        Some((reader, "")),
    )
    .await;
    assert_eq!(payment.status, PaymentStatus::Pending);
    let charge: ChargeView = read(
        app,
        &format!("/v1/balance/charges/{charge_id}"),
        Some((reader, "")),
    )
    .await;
    assert_eq!(charge.status, ChargeStatus::Pending);

    // Once the first hold lapses, the stored bytes are patched: still
    // exactly the types.
    while Utc::now() <= lapses {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let after: SeatMapView = read(app, &seats_path, reader_caller).await;
    let statuses: Vec<SeatStatus> = after.seats.iter().map(|seat| seat.status).collect();
    assert_eq!(
        statuses,
        [
            SeatStatus::Available,
            SeatStatus::Held,
            SeatStatus::Sold,
            SeatStatus::Available
        ]
    );
    let schedules: Vec<ScheduleView> = read(app, &schedules_path, None).await;
    assert_eq!(schedules[0].available_seats, 2);
    let reservation: ReservationView = read(app, &lapsing_path, Some((reader, ""))).await;
    assert_eq!(reservation.status, ReservationStatus::Expired);
    // Written through by the projector: the seeded concert never went
    // through it, so it is not in the list.
    let concerts: Vec<ConcertView> = read(app, "/v1/concerts", None).await;
    assert!(
        concerts.iter().any(|c| c.concert_id == concert),
        "{concerts:?}"
    );

    // Refusals.
    let nobody = format!("/v1/reservations/{}", Uuid::now_v7());
    problem(app, &nobody, Some((user, "")), 404).await;
    problem(
        app,
        &format!("/v1/reservations/{held}"),
        Some((reader, "")),
        404,
    )
    .await;
    problem(app, "/v1/nowhere", None, 404).await;
    problem(app, "/v1/balance", None, 401).await;
    problem(app, &seats_path, Some((reader, "")), 401).await;
    problem(app, "/v1/concerts/not-a-uuid/schedules", None, 404).await;

    // Every entry in Redis, as it is served now.
    let client = redis::Client::open(app.settings().redis.url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let prefix = format!("{}rm:", app.settings().redis.key_prefix);
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    for key in keys {
        let name = key.strip_prefix(&prefix).unwrap();
        if name.starts_with("lease:") || name.starts_with("warm:") {
            continue;
        }
        let raw: Option<Vec<u8>> = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        let Some(raw) = raw else { continue };
        let entry = Entry::decode(raw.into()).unwrap_or_else(|| panic!("{name}: not an entry"));
        let Served::Found(body) = entry.serve(Utc::now().timestamp_millis()) else {
            continue;
        };
        kinds.insert(entry_reads_as_its_type(name, &body).to_owned());
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "balance",
            "charge",
            "concert",
            "concerts",
            "payment",
            "reservation",
            "schedule"
        ]
    );
}

/// Checks the body under read-model key `name` (without the prefix);
/// answers the key's kind.
fn entry_reads_as_its_type<'a>(name: &'a str, body: &[u8]) -> &'a str {
    let kind = name.split(':').next().unwrap();
    match (kind, name.ends_with(":schedules"), name.ends_with(":seats")) {
        ("concerts", ..) => {
            exact::<Vec<ConcertView>>(name, body);
        }
        ("concert", true, _) => {
            exact::<Vec<ScheduleView>>(name, body);
        }
        ("schedule", _, true) => {
            exact::<SeatMapView>(name, body);
        }
        ("balance", ..) => {
            exact::<BalanceView>(name, body);
        }
        ("reservation", ..) => {
            exact::<ReservationView>(name, body);
        }
        ("payment", ..) => {
            exact::<PaymentView>(name, body);
        }
        ("charge", ..) => {
            exact::<ChargeView>(name, body);
        }
        _ => panic!("an unknown read-model key {name}"),
    }
    kind
}

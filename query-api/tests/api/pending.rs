//! A hold, payment or charge answered `202` is polled at its `Location`:
//! `PENDING` (to its caller only) from the moment it is in the log until
//! the projector decides it, then the decision, which the pending entry
//! never hides.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::Utc;
use read_model::{CacheMetrics, Changed, PendingEntries, PendingEntry, ReadModel, PENDING_TTL};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use crate::seed;
use crate::stack::spawn_stack;

/// How long a restarted projector may take to decide what was appended
/// while it was stopped (it rejoins its consumer group first).
const RESTART_PATIENCE: Duration = Duration::from_secs(90);

/// Polls `path` as `user` until it reads `status`. Until then it must read
/// `PENDING`: a 404, or any other status, fails the test.
async fn poll_until(app: &TestApp, path: &str, user: Uuid, status: &str) -> Value {
    let deadline = tokio::time::Instant::now() + RESTART_PATIENCE;
    loop {
        let (code, body) = app.get_as(path, user, None).await;
        if code == 200 && body["status"] == status {
            return body;
        }
        assert_eq!(
            (code, body["status"].as_str()),
            (200, Some("PENDING")),
            "{path} before it read {status}: {body}"
        );
        assert!(
            tokio::time::Instant::now() < deadline,
            "{path} still reads {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_hold_answered_202_reads_pending_to_its_owner_only_until_it_is_decided() {
    let mut stack = spawn_stack(&[]).await;
    let (_, schedule) = stack
        .schedule(1, Utc::now() - chrono::Duration::days(1))
        .await;
    let (owner, token) = stack.active_user().await;
    let (rival, rival_token) = stack.active_user().await;
    // Nothing decides the holds below until the projector is back.
    stack.stop_projector().await;

    let hold = json!({"schedule_id": schedule, "seat_number": 1});
    let (status, location, answer) = stack
        .post_without_waiting("/v1/reservations", (owner, &token), hold.clone())
        .await;
    assert_eq!(status, 202, "{answer}");
    let reservation = answer["reservation_id"].as_str().unwrap().to_owned();
    assert_eq!(
        location,
        stack.query.url(&format!("/v1/reservations/{reservation}"))
    );
    let (status, pending) = stack.query.get_as(&location, owner, None).await;
    assert_eq!(status, 200, "{pending}");
    let expires_at = pending["expires_at"].clone();
    assert!(expires_at.is_string(), "{pending}");
    assert_eq!(
        pending,
        json!({
            "reservation_id": reservation,
            "schedule_id": schedule,
            "seat_number": 1,
            "status": "PENDING",
            "price": null,
            "expires_at": expires_at,
        })
    );
    let (status, body) = stack.query.get_as(&location, rival, None).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("NOT_FOUND")));

    // The same seat, asked for later by someone else: refused once decided.
    let (status, rival_location, answer) = stack
        .post_without_waiting("/v1/reservations", (rival, &rival_token), hold)
        .await;
    assert_eq!(status, 202, "{answer}");
    let (_, body) = stack.query.get_as(&rival_location, rival, None).await;
    assert_eq!(body["status"], "PENDING");

    stack.start_projector().await;
    let app = &stack.query;
    let held = poll_until(app, &location, owner, "HELD").await;
    assert_eq!(held["price"], 11_000);
    // What the pending entry said it would be.
    assert_eq!(held["expires_at"], expires_at);
    let refused = poll_until(app, &rival_location, rival, "REJECTED").await;
    assert_eq!(refused["price"], Value::Null);
    assert_eq!(app.get_as(&location, rival, None).await.0, 404);
}

#[tokio::test]
async fn a_charge_refused_after_its_202_polls_with_its_refusal() {
    let limits = [("MAX_SINGLE_CHARGE", "10000"), ("MAX_BALANCE", "10000")];
    let mut stack = spawn_stack(&limits).await;
    let user = Uuid::new_v4();
    // Decided in time first, so the projector is past its start-up when it
    // is stopped: one stopped while still joining its consumer group did
    // not stop within PATIENCE on tansu.
    let (status, body) = stack
        .post(
            "/v1/balance/charges",
            Some((user, "")),
            json!({"amount": 1_000}),
        )
        .await;
    assert_eq!((status, body), (200, json!({"balance": 1_000})));
    stack.stop_projector().await;

    let mut polls = Vec::new();
    for _ in 0..2 {
        let charge = json!({"amount": 5_000});
        let (status, location, answer) = stack
            .post_without_waiting("/v1/balance/charges", (user, ""), charge)
            .await;
        assert_eq!(status, 202, "{answer}");
        let id = answer["charge_id"].as_str().unwrap().to_owned();
        assert_eq!(
            location,
            stack.query.url(&format!("/v1/balance/charges/{id}"))
        );
        polls.push((id, location));
    }
    let [(accepted_id, accepted_poll), (refused_id, refused_poll)] = &polls[..] else {
        unreachable!()
    };
    let (status, body) = stack.query.get_as(refused_poll, user, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({
            "charge_id": refused_id,
            "status": "PENDING",
            "amount": null,
            "balance": null,
            "code": null,
        })
    );
    let (status, _) = stack.query.get_as(refused_poll, Uuid::new_v4(), None).await;
    assert_eq!(status, 404);

    stack.start_projector().await;
    let app = &stack.query;
    let accepted = poll_until(app, accepted_poll, user, "COMPLETED").await;
    assert_eq!(
        accepted,
        json!({
            "charge_id": accepted_id,
            "status": "COMPLETED",
            "amount": 5_000,
            "balance": 6_000,
            "code": null,
        })
    );
    // The second would take the balance to 11,000: refused after its 202.
    let refused = poll_until(app, refused_poll, user, "REJECTED").await;
    assert_eq!(
        refused,
        json!({
            "charge_id": refused_id,
            "status": "REJECTED",
            "amount": null,
            "balance": null,
            "code": "BALANCE_LIMIT_EXCEEDED",
        })
    );
    assert_eq!(
        app.get_as("/v1/balance", user, None).await.1,
        json!({"balance": 6_000})
    );
}

#[tokio::test]
async fn a_payment_answered_202_reads_pending_to_its_payer_until_it_completes() {
    let mut stack = spawn_stack(&[]).await;
    let (_, schedule) = stack
        .schedule(1, Utc::now() - chrono::Duration::days(1))
        .await;
    let (payer, token) = stack.active_user().await;
    let (status, body) = stack
        .post(
            "/v1/balance/charges",
            Some((payer, "")),
            json!({"amount": 20_000}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, held) = stack
        .post(
            "/v1/reservations",
            Some((payer, &token)),
            json!({"schedule_id": schedule, "seat_number": 1}),
        )
        .await;
    assert_eq!(status, 201, "{held}");
    stack.stop_projector().await;

    let (status, location, answer) = stack
        .post_without_waiting(
            "/v1/payments",
            (payer, &token),
            json!({"reservation_id": held["reservation_id"]}),
        )
        .await;
    assert_eq!(status, 202, "{answer}");
    let payment = answer["payment_id"].as_str().unwrap().to_owned();
    assert_eq!(
        location,
        stack.query.url(&format!("/v1/payments/{payment}"))
    );
    let (status, body) = stack.query.get_as(&location, payer, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"payment_id": payment, "reservation_id": held["reservation_id"], "status": "PENDING",
               "amount": null, "balance": null, "code": null})
    );
    assert_eq!(
        stack.query.get_as(&location, Uuid::new_v4(), None).await.0,
        404
    );

    stack.start_projector().await;
    let paid = poll_until(&stack.query, &location, payer, "COMPLETED").await;
    assert_eq!(
        (paid["amount"].as_i64(), paid["balance"].as_i64()),
        (Some(11_000), Some(9_000))
    );
}

fn read_model(app: &TestApp) -> ReadModel {
    let settings = app.settings();
    ReadModel::new(
        &settings.redis,
        app.pool.clone(),
        &settings.cache,
        CacheMetrics::unregistered().unwrap(),
    )
    .unwrap()
}

fn pending_entries(app: &TestApp) -> PendingEntries {
    PendingEntries::new(&app.settings().redis).unwrap()
}

/// The remaining lifetime of `key` (without the prefix) in Redis, in ms.
async fn pttl(app: &TestApp, key: &str) -> i64 {
    let client = redis::Client::open(app.settings().redis.url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("PTTL")
        .arg(format!("{}{key}", app.settings().redis.key_prefix))
        .query_async(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_pending_entry_never_hides_a_decision_under_the_protected_strategy() {
    let app = spawn_app().await;
    let writer = read_model(&app);
    let pending = pending_entries(&app);
    let (_, schedule) = seed::open_schedule(&app.pool, 3).await;
    let owner = Uuid::new_v4();
    let expires = seed::now() + chrono::Duration::minutes(5);
    let path = |id: Uuid| format!("/v1/reservations/{id}");

    // Decided and written through first: the pending entry is refused.
    let written = seed::hold(&app.pool, schedule, 1, owner, expires).await;
    writer
        .write_changes(&Changed {
            reservations: BTreeSet::from([written]),
            ..Changed::default()
        })
        .await
        .unwrap();
    let refused = PendingEntry::hold(written, schedule, 1, owner, expires);
    assert!(!pending.write(&refused).await.unwrap());
    assert_eq!(
        app.get_as(&path(written), owner, None).await.1["status"],
        "HELD"
    );

    // Decided, but its write-through has not landed (or failed): the pending
    // entry goes in, and the read finds the decision behind it and keeps it.
    let late = seed::hold(&app.pool, schedule, 2, owner, expires).await;
    assert!(pending
        .write(&PendingEntry::hold(late, schedule, 2, owner, expires))
        .await
        .unwrap());
    assert_eq!(
        app.get_as(&path(late), owner, None).await.1["status"],
        "HELD"
    );
    let loads = app.loads("reservation").await;
    assert_eq!(
        app.get_as(&path(late), owner, None).await.1["status"],
        "HELD"
    );
    assert_eq!(
        app.loads("reservation").await,
        loads,
        "the decision replaced the pending entry in Redis"
    );

    // A refused charge behind its pending entry.
    let charge = seed::refused_charge(&app.pool, owner, "BALANCE_LIMIT_EXCEEDED").await;
    assert!(pending
        .write(&PendingEntry::charge(owner, charge))
        .await
        .unwrap());
    let (_, body) = app
        .get_as(&format!("/v1/balance/charges/{charge}"), owner, None)
        .await;
    assert_eq!(
        (body["status"].as_str(), body["code"].as_str()),
        (Some("REJECTED"), Some("BALANCE_LIMIT_EXCEEDED"))
    );

    // Undecided: PENDING to its owner while Postgres knows nothing, asked
    // on every read; 404 to anyone else; gone after a bounded time.
    let undecided = Uuid::now_v7();
    assert!(pending
        .write(&PendingEntry::hold(undecided, schedule, 3, owner, expires))
        .await
        .unwrap());
    let loads = app.loads("reservation").await;
    for _ in 0..2 {
        let (status, body) = app.get_as(&path(undecided), owner, None).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("PENDING")));
    }
    assert_eq!(app.loads("reservation").await, loads + 2);
    assert_eq!(
        app.get_as(&path(undecided), Uuid::new_v4(), None).await.0,
        404
    );
    let ttl = pttl(&app, &format!("rm:reservation:{undecided}")).await;
    assert!(0 < ttl && ttl <= PENDING_TTL.as_millis() as i64, "{ttl} ms");
}

#[tokio::test]
async fn under_the_naive_strategy_a_pending_entry_written_after_the_decision_does_not_hide_it() {
    let app = spawn_app_with(&[("CACHE_STRATEGY", "naive")]).await;
    let writer = read_model(&app);
    let pending = pending_entries(&app);
    let (_, schedule) = seed::open_schedule(&app.pool, 1).await;
    let owner = Uuid::new_v4();
    let expires = seed::now() + chrono::Duration::minutes(5);

    // The projector commits, deletes the entry (naive invalidation), and
    // only then does command-api get to write its pending entry.
    let held = seed::hold(&app.pool, schedule, 1, owner, expires).await;
    writer
        .write_changes(&Changed {
            reservations: BTreeSet::from([held]),
            ..Changed::default()
        })
        .await
        .unwrap();
    assert!(pending
        .write(&PendingEntry::hold(held, schedule, 1, owner, expires))
        .await
        .unwrap());

    let path = format!("/v1/reservations/{held}");
    assert_eq!(app.get_as(&path, owner, None).await.1["status"], "HELD");
    // Cached over the pending entry: the next read is a plain hit.
    let loads = app.loads("reservation").await;
    assert_eq!(app.get_as(&path, owner, None).await.1["status"], "HELD");
    assert_eq!(app.loads("reservation").await, loads);

    // Undecided: PENDING to its owner, and never cached as an answer.
    let undecided = Uuid::now_v7();
    pending
        .write(&PendingEntry::hold(undecided, schedule, 1, owner, expires))
        .await
        .unwrap();
    let path = format!("/v1/reservations/{undecided}");
    assert_eq!(app.get_as(&path, owner, None).await.1["status"], "PENDING");
    assert_eq!(app.get_as(&path, Uuid::new_v4(), None).await.0, 404);
}

/// Records that a committed batch still owes Redis `changed`, as the
/// projector does in the batch's transaction.
async fn owe(app: &TestApp, changed: &Changed) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO projector_owed_entries (consumer_group, partitions, changed) \
         VALUES ('test', ARRAY['test/0'], $1) RETURNING id",
    )
    .bind(serde_json::to_value(changed).unwrap())
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn pay_debt(app: &TestApp, id: i64) {
    sqlx::query("DELETE FROM projector_owed_entries WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
}

/// Behind its pending entry, a decision committed but not yet readable (its
/// batch still owes Redis the seat map or the balance) reads PENDING, as
/// its announcement is held back; once the debt is paid it reads decided.
async fn a_decision_still_owed_reads_pending_behind_its_pending_entry(app: TestApp) {
    let pending = pending_entries(&app);
    let (_, schedule) = seed::open_schedule(&app.pool, 2).await;
    let owner = Uuid::new_v4();
    let expires = seed::now() + chrono::Duration::minutes(5);

    let held = seed::hold(&app.pool, schedule, 1, owner, expires).await;
    let charge = seed::charge(&app.pool, owner, 5_000, 5_000).await;
    let debt = owe(
        &app,
        &Changed {
            seat_maps: BTreeSet::from([schedule]),
            balances: BTreeSet::from([owner]),
            reservations: BTreeSet::from([held]),
            charges: BTreeSet::from([(owner, charge)]),
            ..Changed::default()
        },
    )
    .await;
    // Another batch's debt, naming other entries, does not hold these up.
    owe(
        &app,
        &Changed {
            reservations: BTreeSet::from([Uuid::now_v7()]),
            charges: BTreeSet::from([(Uuid::new_v4(), charge)]),
            ..Changed::default()
        },
    )
    .await;
    assert!(pending
        .write(&PendingEntry::hold(held, schedule, 1, owner, expires))
        .await
        .unwrap());
    assert!(pending
        .write(&PendingEntry::charge(owner, charge))
        .await
        .unwrap());
    let hold_path = format!("/v1/reservations/{held}");
    let charge_path = format!("/v1/balance/charges/{charge}");
    for _ in 0..2 {
        assert_eq!(
            app.get_as(&hold_path, owner, None).await.1["status"],
            "PENDING"
        );
        assert_eq!(
            app.get_as(&charge_path, owner, None).await.1["status"],
            "PENDING"
        );
    }

    pay_debt(&app, debt).await;
    assert_eq!(
        app.get_as(&hold_path, owner, None).await.1["status"],
        "HELD"
    );
    assert_eq!(
        app.get_as(&charge_path, owner, None).await.1["status"],
        "COMPLETED"
    );
}

#[tokio::test]
async fn a_decision_still_owed_reads_pending_under_the_protected_strategy() {
    a_decision_still_owed_reads_pending_behind_its_pending_entry(spawn_app().await).await;
}

#[tokio::test]
async fn a_decision_still_owed_reads_pending_under_the_naive_strategy() {
    let app = spawn_app_with(&[("CACHE_STRATEGY", "naive")]).await;
    a_decision_still_owed_reads_pending_behind_its_pending_entry(app).await;
}

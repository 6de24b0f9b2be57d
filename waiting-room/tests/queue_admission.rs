//! Admission against a real Redis: arrival order, the active cap, lapses and
//! payments freeing slots, re-issue, restarts, and two admitters side by side.

mod queue_support;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use prometheus::Registry;
use queue_support::{cap_only, metric, Prefix, SECRET};
use uuid::Uuid;
use waiting_room::{Admitter, Queue, TokenStatus};

async fn status(queue: &Queue, user: Uuid, token: &str) -> waiting_room::TokenState {
    queue
        .pass(user, Some(token))
        .await
        .expect("own genuine token")
        .state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_joins_are_admitted_in_arrival_order_within_the_cap() {
    const USERS: usize = 1000;
    const CAP: u64 = 100;
    let prefix = Prefix::new();
    let queue = prefix.queue(cap_only(CAP as u32));

    let joins = (0..USERS).map(|_| {
        let queue = queue.clone();
        tokio::spawn(async move {
            let user = Uuid::new_v4();
            (user, queue.join(user).await.expect("join"))
        })
    });
    let mut joined = Vec::with_capacity(USERS);
    for join in joins.collect::<Vec<_>>() {
        joined.push(join.await.unwrap());
    }
    assert!(joined.iter().all(|(_, ticket)| ticket.created));
    assert!(joined
        .iter()
        .all(|(_, ticket)| ticket.state.status == TokenStatus::Waiting));
    // Every join got its own place: the positions are exactly 1..=1000.
    joined.sort_by_key(|(_, ticket)| ticket.state.position);
    let positions: Vec<u64> = joined
        .iter()
        .map(|(_, t)| t.state.position.expect("placed"))
        .collect();
    assert_eq!(positions, (1..=USERS as u64).collect::<Vec<_>>());
    let arrival_order: Vec<Uuid> = joined.iter().map(|(user, _)| *user).collect();

    let mut admitted_order = Vec::with_capacity(USERS);
    let mut active: VecDeque<Uuid> = VecDeque::new();
    for step in 0.. {
        assert!(step < 100, "admission made no progress");
        let waiting_before = (USERS - admitted_order.len()) as u64;
        let free = CAP - active.len() as u64;
        let admission = queue.admit_once().await.expect("admission step");
        assert_eq!(admission.admitted.len() as u64, free.min(waiting_before));
        assert!(admission.active <= CAP);
        assert!(
            prefix.active_count().await <= CAP,
            "cap exceeded at step {step}"
        );
        for admitted in &admission.admitted {
            admitted_order.push(admitted.user_id);
            active.push_back(admitted.user_id);
        }
        if admitted_order.len() == USERS {
            break;
        }
        // Sixty payments complete; their slots go to the next in line.
        for _ in 0..60 {
            let user = active.pop_front().unwrap();
            assert!(queue.complete(user).await.unwrap());
        }
    }
    assert_eq!(admitted_order, arrival_order);

    let (last_user, last_ticket) = joined.last().unwrap();
    let last = status(&queue, *last_user, &last_ticket.token).await;
    assert_eq!(last.status, TokenStatus::Active);
    assert_eq!((last.position, last.eta_seconds), (Some(0), 0));
    assert!(last.expires_at.is_some());
}

#[tokio::test]
async fn a_lapsed_token_gives_its_slot_to_the_next_in_line() {
    let prefix = Prefix::new();
    let mut settings = cap_only(2);
    settings.active_ttl = Duration::from_secs(1);
    let queue = prefix.queue(settings);
    let users: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
    let mut tokens = Vec::new();
    for user in &users {
        tokens.push(queue.join(*user).await.unwrap().token);
    }

    let first = queue.admit_once().await.unwrap();
    let first: Vec<Uuid> = first.admitted.iter().map(|a| a.user_id).collect();
    assert_eq!(first, users[..2]);
    assert!(
        queue.admit_once().await.unwrap().admitted.is_empty(),
        "cap is 2"
    );
    assert_eq!(status(&queue, users[2], &tokens[2]).await.position, Some(1));

    // Waiting is fine; asserting how long it took is not.
    let mut next = None;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let admission = queue.admit_once().await.unwrap();
        assert!(prefix.active_count().await <= 2);
        if !admission.admitted.is_empty() {
            next = Some(admission);
            break;
        }
    }
    let next = next.expect("the lapsed slots were never reused");
    assert_eq!(next.admitted[0].user_id, users[2]);
    assert_eq!(next.lapsed, 2);

    let lapsed = status(&queue, users[0], &tokens[0]).await;
    assert_eq!(lapsed.status, TokenStatus::Expired);
    assert!(lapsed.expires_at.is_some(), "the lapse time is still known");
    // An expired user gets a new token and a place at the back of the line.
    let later = Uuid::new_v4();
    queue.join(later).await.unwrap();
    let rejoined = queue.join(users[0]).await.unwrap();
    assert!(rejoined.created);
    assert_ne!(rejoined.token, tokens[0]);
    assert_eq!(rejoined.state.position, Some(2));
}

#[tokio::test]
async fn a_completed_payment_frees_the_slot_at_once() {
    let prefix = Prefix::new();
    let queue = prefix.queue(cap_only(1));
    let (payer, next) = (Uuid::new_v4(), Uuid::new_v4());
    let payer_token = queue.join(payer).await.unwrap().token;
    let next_token = queue.join(next).await.unwrap().token;

    assert_eq!(queue.admit_once().await.unwrap().admitted[0].user_id, payer);
    assert!(queue.admit_once().await.unwrap().admitted.is_empty());
    assert_eq!(
        status(&queue, next, &next_token).await.status,
        TokenStatus::Waiting
    );

    assert!(queue.complete(payer).await.unwrap());
    assert_eq!(
        status(&queue, payer, &payer_token).await.status,
        TokenStatus::Expired
    );
    assert!(
        !queue.expire_user(payer).await.unwrap(),
        "nothing left to end"
    );
    let admission = queue.admit_once().await.unwrap();
    assert_eq!(admission.admitted[0].user_id, next);
    assert_eq!(
        status(&queue, next, &next_token).await.status,
        TokenStatus::Active
    );
}

#[tokio::test]
async fn reissue_hands_back_the_same_token_and_place() {
    let prefix = Prefix::new();
    let queue = prefix.queue(cap_only(1));
    let users: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
    let mut first = Vec::new();
    for user in &users {
        first.push(queue.join(*user).await.unwrap());
    }

    let again = queue.join(users[1]).await.unwrap();
    assert!(!again.created);
    assert_eq!(again.token, first[1].token);
    assert_eq!(again.state.position, Some(2));
    assert_eq!(again.state.status, TokenStatus::Waiting);

    queue.admit_once().await.unwrap();
    let active = queue.join(users[0]).await.unwrap();
    assert!(!active.created);
    assert_eq!(active.token, first[0].token);
    assert_eq!(active.state.status, TokenStatus::Active);
    assert_eq!(
        (active.state.position, active.state.eta_seconds),
        (Some(0), 0)
    );
    // The rest moved up by one.
    assert_eq!(queue.join(users[2]).await.unwrap().state.position, Some(2));

    // After a payment the token is over: a new one, at the back.
    queue.complete(users[0]).await.unwrap();
    let fresh = queue.join(users[0]).await.unwrap();
    assert!(fresh.created);
    assert_ne!(fresh.token, first[0].token);
    assert_eq!(fresh.state.position, Some(3));
    // The old token now reads EXPIRED: a re-join replaced it.
    assert_eq!(
        status(&queue, users[0], &first[0].token).await.status,
        TokenStatus::Expired
    );
}

#[tokio::test]
async fn a_restart_loses_nobodys_place() {
    let prefix = Prefix::new();
    let users: Vec<Uuid> = (0..30).map(|_| Uuid::new_v4()).collect();
    let mut tokens = Vec::new();
    {
        let before = prefix.queue(cap_only(10));
        for user in &users {
            tokens.push(before.join(*user).await.unwrap().token);
        }
        let admitter = Admitter::new(before.clone()).spawn();
        for _ in 0..100 {
            if prefix.active_count().await == 10 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        admitter.shutdown().await;
    }
    assert_eq!(prefix.active_count().await, 10);

    // A new instance on the same prefix, as after a deploy.
    let after = prefix.queue(cap_only(10));
    for (index, (user, token)) in users.iter().zip(&tokens).enumerate() {
        let state = status(&after, *user, token).await;
        if index < 10 {
            assert_eq!(state.status, TokenStatus::Active, "user {index}");
        } else {
            assert_eq!(state.status, TokenStatus::Waiting, "user {index}");
            assert_eq!(state.position, Some(index as u64 - 9), "user {index}");
        }
        let again = after.join(*user).await.unwrap();
        assert!(!again.created);
        assert_eq!(&again.token, token);
    }
    for user in &users[..5] {
        after.complete(*user).await.unwrap();
    }
    // The released lease does not hold the new instance back.
    let mut admitter = Admitter::new(after.clone());
    let admission = admitter.tick().await.unwrap();
    assert!(admission.led);
    let admitted: Vec<Uuid> = admission.admitted.iter().map(|a| a.user_id).collect();
    assert_eq!(admitted, users[10..15]);
    admitter.release().await.unwrap();
}

#[tokio::test]
async fn only_the_lease_holder_admits() {
    let prefix = Prefix::new();
    let (registry_a, registry_b) = (Registry::new(), Registry::new());
    let queue_a = prefix.queue_with(cap_only(100), &registry_a);
    let queue_b = prefix.queue_with(cap_only(100), &registry_b);
    let users: Vec<Uuid> = (0..4).map(|_| Uuid::new_v4()).collect();
    queue_a.join(users[0]).await.unwrap();
    queue_a.join(users[1]).await.unwrap();

    let (mut a, mut b) = (Admitter::new(queue_a), Admitter::new(queue_b.clone()));
    let led = a.tick().await.unwrap();
    assert!(led.led);
    assert_eq!(led.admitted.len(), 2);
    queue_b.join(users[2]).await.unwrap();
    let fenced = b.tick().await.unwrap();
    assert!(!fenced.led);
    assert!(fenced.admitted.is_empty());
    assert_eq!(
        (fenced.active, fenced.waiting),
        (2, 1),
        "followers still see the sizes"
    );
    assert!(a.is_leading() && !b.is_leading());
    assert_eq!(metric(&registry_a, "ticketfold_queue_lease_held"), 1.0);
    assert_eq!(metric(&registry_b, "ticketfold_queue_lease_held"), 0.0);
    assert_eq!(metric(&registry_b, "ticketfold_queue_waiting_users"), 1.0);
    assert_eq!(metric(&registry_b, "ticketfold_queue_active_users"), 2.0);

    // Hand-over: the holder lets go, the other takes the lease next tick.
    a.release().await.unwrap();
    assert_eq!(metric(&registry_a, "ticketfold_queue_lease_held"), 0.0);
    let took_over = b.tick().await.unwrap();
    assert!(took_over.led);
    assert_eq!(took_over.admitted[0].user_id, users[2]);
    queue_b.join(users[3]).await.unwrap();
    assert!(!a.tick().await.unwrap().led);
    assert_eq!(metric(&registry_b, "ticketfold_queue_lease_held"), 1.0);
    assert_eq!(
        metric(&registry_a, "ticketfold_queue_admissions_total"),
        2.0
    );
    assert_eq!(
        metric(&registry_b, "ticketfold_queue_admissions_total"),
        1.0
    );
    b.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_running_admitters_keep_the_rate() {
    const RATE: u32 = 20;
    const BURST: u32 = 5;
    let prefix = Prefix::new();
    let mut settings = queue_support::cap_only(1000);
    settings.admit_per_second = RATE;
    settings.admit_burst = BURST;
    settings.tick = Duration::from_millis(50);
    let (registry_a, registry_b) = (Registry::new(), Registry::new());
    let queue_a = prefix.queue_with(settings.clone(), &registry_a);
    let queue_b = prefix.queue_with(settings, &registry_b);
    for _ in 0..200 {
        queue_a.join(Uuid::new_v4()).await.unwrap();
    }

    let started = Instant::now();
    let admitters = [
        Admitter::new(queue_a.clone()).spawn(),
        Admitter::new(queue_b.clone()).spawn(),
    ];
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for admitter in admitters {
        admitter.shutdown().await;
    }
    let window = started.elapsed().as_secs_f64();

    let admitted = prefix.active_count().await;
    assert!(admitted > 0, "nobody was admitted");
    // Upper bound only: a slow machine admits fewer, never more.
    let allowed = f64::from(RATE) * window + f64::from(BURST);
    assert!(
        admitted as f64 <= allowed,
        "{admitted} admitted in {window:.2}s, rate allows {allowed:.1}"
    );
    let counted = metric(&registry_a, "ticketfold_queue_admissions_total")
        + metric(&registry_b, "ticketfold_queue_admissions_total");
    assert_eq!(counted, admitted as f64);
    assert_eq!(prefix.waiting_count().await, 200 - admitted);
    assert_eq!(metric(&registry_a, "ticketfold_queue_lease_held"), 0.0);
    assert_eq!(metric(&registry_b, "ticketfold_queue_lease_held"), 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_running_admitters_keep_the_cap() {
    const CAP: u64 = 10;
    let prefix = Prefix::new();
    let mut settings = cap_only(CAP as u32);
    settings.tick = Duration::from_millis(20);
    let queue_a = prefix.queue(settings.clone());
    let queue_b = prefix.queue(settings);
    for _ in 0..50 {
        queue_b.join(Uuid::new_v4()).await.unwrap();
    }
    let admitters = [
        Admitter::new(queue_a.clone()).spawn(),
        Admitter::new(queue_b.clone()).spawn(),
    ];
    let mut full_for = 0;
    for _ in 0..200 {
        let active = prefix.active_count().await;
        assert!(active <= CAP, "{active} active, cap {CAP}");
        if active == CAP {
            full_for += 1;
            if full_for == 10 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for admitter in admitters {
        admitter.shutdown().await;
    }
    assert_eq!(full_for, 10, "the active set never filled up");
    assert_eq!(prefix.active_count().await, CAP);
    assert_eq!(prefix.waiting_count().await, 50 - CAP);
}

#[test]
fn the_test_secret_is_long_enough() {
    assert!(SECRET.len() >= waiting_room::MIN_SECRET_BYTES);
}

#[tokio::test]
async fn the_wait_estimate_follows_the_measured_rate_once_there_is_one() {
    let prefix = Prefix::new();
    // Configured at 1/s, but a burst of 100 lets one step admit 100 at once.
    let mut settings = cap_only(1000);
    settings.admit_per_second = 1;
    settings.admit_burst = 100;
    let queue = prefix.queue(settings);
    let mut tickets = Vec::new();
    for _ in 0..150 {
        let user = Uuid::new_v4();
        tickets.push((user, queue.join(user).await.unwrap()));
    }
    // No history yet: the configured rate is all there is.
    let (last_user, last) = tickets.last().unwrap();
    assert_eq!(last.state.eta_seconds, 150);

    assert_eq!(queue.admit_once().await.unwrap().admitted.len(), 100);
    let state = status(&queue, *last_user, &last.token).await;
    assert_eq!(state.position, Some(50));
    // Measured: 100 admissions over the last second or so, far above 1/s.
    assert!(
        (1..50).contains(&state.eta_seconds),
        "eta {} should come from the measured rate",
        state.eta_seconds
    );
}

#[tokio::test]
async fn a_waiting_user_who_stops_polling_loses_the_place() {
    let prefix = Prefix::new();
    let mut settings = cap_only(1);
    settings.waiting_idle_timeout = Duration::from_secs(1);
    let queue = prefix.queue(settings);
    let (admitted, gone, polling) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    queue.join(admitted).await.unwrap();
    queue.admit_once().await.unwrap();
    let gone_token = queue.join(gone).await.unwrap().token;
    let polling_token = queue.join(polling).await.unwrap().token;

    // `polling` keeps asking; `gone` never does again.
    let mut abandoned = 0;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            status(&queue, polling, &polling_token).await.status,
            TokenStatus::Waiting
        );
        abandoned += queue.admit_once().await.unwrap().abandoned;
        if abandoned > 0 {
            break;
        }
    }
    assert_eq!(abandoned, 1);
    let state = status(&queue, polling, &polling_token).await;
    assert_eq!(state.position, Some(1), "the abandoned place ahead is gone");
    let lost = status(&queue, gone, &gone_token).await;
    assert_eq!(lost.status, TokenStatus::Expired);
    assert!(lost.expires_at.is_some());
    let back = queue.join(gone).await.unwrap();
    assert!(back.created);
    assert_eq!(back.state.position, Some(2));
}

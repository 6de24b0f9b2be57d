//! Fans who leave (issue 18), against a real Redis: a waiting fan who stops
//! polling loses the place after the grace and joins again at the back; an
//! ACTIVE fan who does nothing gives the slot back after the idle period,
//! unless a hold they placed is still live; an admitted fan who never shows
//! up gives it back after the waiting grace.

mod queue_support;

use std::time::Duration;

use chrono::Utc;
use prometheus::Registry;
use queue_support::{cap_only, metric, Prefix};
use uuid::Uuid;
use waiting_room::{Admitter, Queue, QueueError, QueueSettings, Room, TokenStatus};

async fn status(queue: &Queue, user: Uuid, token: &str) -> waiting_room::TokenState {
    queue
        .pass(user, Some(token))
        .await
        .expect("own genuine token")
        .state
}

/// One slot, short grace and idle periods.
fn short(active_max: u32) -> QueueSettings {
    let mut settings = cap_only(active_max);
    settings.waiting_idle_timeout = Duration::from_secs(1);
    settings.active_idle_timeout = Duration::from_secs(1);
    settings
}

#[tokio::test]
async fn a_leaver_in_the_middle_is_dropped_and_those_behind_move_up() {
    let prefix = Prefix::new();
    let registry = Registry::new();
    let queue = prefix.queue_with(short(1), &registry);
    let (admitted, first, gone, last) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    let admitted_token = queue.join(admitted).await.unwrap().token;
    queue.admit_once().await.unwrap();
    let first_token = queue.join(first).await.unwrap().token;
    let gone_token = queue.join(gone).await.unwrap().token;
    let last_token = queue.join(last).await.unwrap().token;
    assert_eq!(status(&queue, last, &last_token).await.position, Some(3));

    // Everyone but `gone` keeps polling (the ACTIVE fan keeps using the
    // site); the admitter ticks.
    let mut abandoned = 0;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        queue
            .active_pass(admitted, Some(&admitted_token))
            .await
            .expect("the active fan keeps the slot while active");
        for (user, token) in [(first, &first_token), (last, &last_token)] {
            assert_eq!(
                status(&queue, user, token).await.status,
                TokenStatus::Waiting
            );
        }
        abandoned += queue.admit_once().await.unwrap().abandoned;
        if abandoned > 0 {
            break;
        }
    }
    assert_eq!(abandoned, 1);
    assert_eq!(metric(&registry, "ticketfold_queue_abandoned_total"), 1.0);
    assert_eq!(prefix.waiting_count().await, 2);
    assert_eq!(status(&queue, first, &first_token).await.position, Some(1));
    assert_eq!(
        status(&queue, last, &last_token).await.position,
        Some(2),
        "the place behind the leaver moved up"
    );
    let lost = status(&queue, gone, &gone_token).await;
    assert_eq!(lost.status, TokenStatus::Expired);
    assert!(
        lost.expires_at.is_some(),
        "an ended place says when it ended"
    );
    assert!(matches!(
        queue.active_pass(gone, Some(&gone_token)).await,
        Err(QueueError::TokenExpired)
    ));

    // Coming back: a new token at the back, behind those who stayed.
    let back = queue.join(gone).await.unwrap();
    assert!(back.created);
    assert_ne!(back.token, gone_token);
    assert_eq!(back.state.status, TokenStatus::Waiting);
    assert_eq!(back.state.position, Some(3));
    assert_eq!(
        status(&queue, gone, &gone_token).await.status,
        TokenStatus::Expired,
        "the old token stays over"
    );
}

#[tokio::test]
async fn two_admitters_drop_a_leaver_once() {
    let prefix = Prefix::new();
    let (one, two) = (Registry::new(), Registry::new());
    let mut settings = short(1);
    // The admitted fan's slot must not free up for the leaver meanwhile.
    settings.active_idle_timeout = Duration::from_secs(60);
    let mut a = Admitter::new(prefix.queue_with(settings.clone(), &one));
    let mut b = Admitter::new(prefix.queue_with(settings.clone(), &two));
    let queue = prefix.queue(settings);
    let admitted = Uuid::new_v4();
    queue.join(admitted).await.unwrap();
    a.tick().await.unwrap();
    b.tick().await.unwrap();
    let gone = Uuid::new_v4();
    let gone_token = queue.join(gone).await.unwrap().token;

    let mut abandoned = 0;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        abandoned += a.tick().await.unwrap().abandoned;
        abandoned += b.tick().await.unwrap().abandoned;
        if abandoned > 0 {
            break;
        }
    }
    // A couple more ticks on both: nobody drops it again.
    for _ in 0..3 {
        abandoned += a.tick().await.unwrap().abandoned;
        abandoned += b.tick().await.unwrap().abandoned;
    }
    assert_eq!(abandoned, 1);
    assert_eq!(
        metric(&one, "ticketfold_queue_abandoned_total")
            + metric(&two, "ticketfold_queue_abandoned_total"),
        1.0
    );
    assert!(a.is_leading() != b.is_leading(), "one lease holder");
    assert_eq!(
        status(&queue, gone, &gone_token).await.status,
        TokenStatus::Expired
    );
}

#[tokio::test]
async fn an_idle_active_fan_gives_the_slot_back_to_the_next_in_line() {
    let prefix = Prefix::new();
    let registry = Registry::new();
    let mut settings = short(1);
    // Polling waiters never lose their place here.
    settings.waiting_idle_timeout = Duration::from_secs(60);
    let queue = prefix.queue_with(settings, &registry);
    let (idle, next) = (Uuid::new_v4(), Uuid::new_v4());
    let idle_token = queue.join(idle).await.unwrap().token;
    queue.admit_once().await.unwrap();
    let next_token = queue.join(next).await.unwrap().token;
    let pass = queue.active_pass(idle, Some(&idle_token)).await.unwrap();
    let lapse = pass.expires_at.unwrap();

    let mut given_back = 0;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        given_back += queue.admit_once().await.unwrap().idle;
        if given_back > 0 {
            break;
        }
    }
    assert_eq!(given_back, 1);
    assert!(
        Utc::now() < lapse,
        "given back well before the token's lapse"
    );
    assert_eq!(
        metric(&registry, "ticketfold_queue_idle_released_total"),
        1.0
    );
    let ended = status(&queue, idle, &idle_token).await;
    assert_eq!(ended.status, TokenStatus::Expired);
    assert!(ended.expires_at.is_some_and(|at| at < lapse));
    assert!(matches!(
        queue.active_pass(idle, Some(&idle_token)).await,
        Err(QueueError::TokenExpired)
    ));
    // The slot went to the next in line (admitted on this tick or the next).
    queue.admit_once().await.unwrap();
    assert_eq!(
        status(&queue, next, &next_token).await.status,
        TokenStatus::Active
    );
    assert_eq!(prefix.active_count().await, 1);
    // Back at the back of the (now empty) line.
    let back = queue.join(idle).await.unwrap();
    assert!(back.created);
    assert_eq!(back.state.status, TokenStatus::Waiting);
}

#[tokio::test]
async fn an_admitted_fan_who_never_shows_up_gives_the_slot_back_after_the_grace() {
    let prefix = Prefix::new();
    let registry = Registry::new();
    let mut settings = short(2);
    // Idle for a minute once seen; a no-show within a second.
    settings.waiting_idle_timeout = Duration::from_secs(1);
    settings.active_idle_timeout = Duration::from_secs(60);
    let queue = prefix.queue_with(settings, &registry);
    let (absent, present) = (Uuid::new_v4(), Uuid::new_v4());
    let absent_token = queue.join(absent).await.unwrap().token;
    let present_token = queue.join(present).await.unwrap().token;
    queue.admit_once().await.unwrap();
    // The present fan opens the seat map (a guarded request) at once.
    queue
        .active_pass(present, Some(&present_token))
        .await
        .unwrap();

    let mut given_back = 0;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        given_back += queue.admit_once().await.unwrap().idle;
        if given_back > 0 {
            break;
        }
    }
    assert_eq!(given_back, 1, "the no-show, and only it");
    assert_eq!(
        status(&queue, absent, &absent_token).await.status,
        TokenStatus::Expired
    );
    assert_eq!(
        status(&queue, present, &present_token).await.status,
        TokenStatus::Active,
        "a fan seen after admission keeps the idle period"
    );
    assert_eq!(prefix.active_count().await, 1);
}

#[tokio::test]
async fn a_fan_holding_a_seat_keeps_the_slot_until_the_hold_can_lapse() {
    let prefix = Prefix::new();
    let queue = prefix.queue(short(1));
    let (holder, waiting) = (Uuid::new_v4(), Uuid::new_v4());
    let holder_token = queue.join(holder).await.unwrap().token;
    queue.admit_once().await.unwrap();
    queue.join(waiting).await.unwrap();
    assert!(
        !queue
            .keep_active_until(waiting, Room::Global, Utc::now() + Duration::from_secs(60))
            .await
            .unwrap(),
        "only an ACTIVE fan is kept"
    );

    // What command-api does as it takes a hold lasting 2 s.
    let hold_expires = Utc::now() + Duration::from_secs(2);
    assert!(queue
        .keep_active_until(holder, Room::Global, hold_expires)
        .await
        .unwrap());
    // A later, earlier mark (a seat-map read) does not pull it back.
    queue
        .active_pass(holder, Some(&holder_token))
        .await
        .unwrap();

    // Past the idle period, not yet past the hold's expiry plus it.
    let mut idle = 0;
    while Utc::now() < hold_expires + Duration::from_millis(500) {
        tokio::time::sleep(Duration::from_millis(150)).await;
        idle += queue.admit_once().await.unwrap().idle;
    }
    assert_eq!(idle, 0, "the holder keeps the slot");
    assert_eq!(
        status(&queue, holder, &holder_token).await.status,
        TokenStatus::Active
    );

    // Once the hold could have lapsed and the idle period passed, it goes.
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        idle += queue.admit_once().await.unwrap().idle;
        if idle > 0 {
            break;
        }
    }
    assert_eq!(idle, 1);
    assert_eq!(
        status(&queue, holder, &holder_token).await.status,
        TokenStatus::Expired
    );
}

/// A fan far back is told to poll rarely (half its ETA) and its place is
/// kept for three of those intervals, past the grace; a fan at the head is
/// told to poll every second and keeps the grace. Once admitted, the far
/// fan's no-show window gets the rest of that stretch, since it was told it
/// could be away that long.
#[tokio::test]
async fn a_fan_told_to_poll_rarely_keeps_its_place_for_three_intervals() {
    let prefix = Prefix::new();
    let registry = Registry::new();
    let mut settings = cap_only(1);
    // One admission a second, none measured yet: the ETA is the position.
    settings.admit_per_second = 1;
    settings.admit_burst = 1;
    settings.waiting_idle_timeout = Duration::from_secs(2);
    settings.active_idle_timeout = Duration::from_secs(1);
    let queue = prefix.queue_with(settings, &registry);
    let fans: Vec<Uuid> = (0..4).map(|_| Uuid::new_v4()).collect();
    let mut tickets = Vec::new();
    for fan in &fans {
        tickets.push(queue.join(*fan).await.unwrap());
    }
    let (second, third) = (&tickets[1].state, &tickets[2].state);
    assert_eq!(second.poll_after_seconds, 1, "ETA 2 s: poll every second");
    assert_eq!(third.poll_after_seconds, 2, "ETA 3 s: poll in 2 s");
    let kept = |state: &waiting_room::TokenState| state.expires_at.unwrap();
    assert!(
        kept(third) - kept(second) >= chrono::Duration::milliseconds(3_500),
        "the third fan's place is kept 6 s (three 2 s intervals), the second's the 2 s grace: {:?} and {:?}",
        kept(second),
        kept(third)
    );

    // Nobody polls. Past the grace the first two have left; the third and
    // fourth are still in line, and the third is admitted.
    tokio::time::sleep(Duration::from_millis(2_600)).await;
    let step = queue.admit_once().await.unwrap();
    assert_eq!(step.abandoned, 2, "the first two left after the grace");
    assert_eq!(
        step.admitted
            .iter()
            .map(|fan| fan.user_id)
            .collect::<Vec<_>>(),
        vec![fans[2]]
    );
    let gone = status(&queue, fans[1], &tickets[1].token).await;
    assert_eq!(gone.status, TokenStatus::Expired);
    let last = status(&queue, fans[3], &tickets[3].token).await;
    assert_eq!(
        (last.status, last.position),
        (TokenStatus::Waiting, Some(1))
    );

    // The admitted fan has not shown up. Its place was kept 4 s past the
    // grace, and its no-show window (the 1 s idle period here) gets what
    // was left of that: still ACTIVE 1.5 s on, gone once the place it was
    // told it had would have lapsed.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(queue.admit_once().await.unwrap().idle, 0);
    assert_eq!(prefix.active_count().await, 1);
    let lapse = kept(third).timestamp_millis() - Utc::now().timestamp_millis();
    tokio::time::sleep(Duration::from_millis(lapse.max(0) as u64 + 300)).await;
    assert_eq!(
        queue.admit_once().await.unwrap().idle,
        1,
        "a no-show once its kept place would have lapsed"
    );
}

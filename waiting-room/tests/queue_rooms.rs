//! Rooms against the real Redis: a room per booking window, its pre-queue
//! and fair start, its own cap under the global one with several admitters,
//! and a small room that never waits behind a big one.

mod queue_support;

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use queue_support::{cap_only, Prefix};
use uuid::Uuid;
use waiting_room::{fair_order, Admitter, Entry, Limits, Queue, Room, TokenStatus, ROOM_TOKEN_LEN};

fn room_opening_in(millis: i64) -> (Room, Entry) {
    let room = Room::Schedule(Uuid::now_v7());
    let entry = Entry {
        room,
        opens_at: Some(Utc::now() + chrono::Duration::milliseconds(millis)),
    };
    (room, entry)
}

fn open_room() -> (Room, Entry) {
    room_opening_in(-60_000)
}

async fn position(queue: &Queue, user: Uuid, token: &str) -> Option<u64> {
    queue.pass(user, Some(token)).await.unwrap().state.position
}

#[tokio::test]
async fn pre_queued_fans_are_placed_by_the_logged_seed_ahead_of_later_arrivals() {
    let prefix = Prefix::new();
    let queue = prefix.queue(cap_only(1000));
    let (room, entry) = room_opening_in(800);
    let mut early = Vec::new();
    for _ in 0..30 {
        let user = Uuid::new_v4();
        let ticket = queue.enter(user, entry).await.unwrap();
        assert_eq!(ticket.token.len(), ROOM_TOKEN_LEN);
        assert_eq!(ticket.state.status, TokenStatus::Waiting);
        assert_eq!(ticket.state.position, None, "no place before the opening");
        assert!(ticket.state.eta_seconds >= 1, "an ETA to the opening");
        early.push((user, ticket.token));
    }
    queue.admit_once().await.unwrap();
    assert_eq!(
        position(&queue, early[0].0, &early[0].1).await,
        None,
        "not yet"
    );

    tokio::time::sleep(Duration::from_millis(900)).await;
    // After the opening instant: a latecomer, then the opening itself.
    let late = Uuid::new_v4();
    let late_token = queue.enter(late, entry).await.unwrap().token;
    let cap_of_one = Limits {
        active_max: Some(1),
        ..Limits::default()
    };
    // A paused room is neither opened nor admitted from.
    queue
        .operate(room, waiting_room::OperatorAction::Pause, "test")
        .await
        .unwrap();
    let opening = queue.admit_once().await.unwrap();
    assert_eq!(opening.placed, 0, "a paused room is not opened either");
    queue
        .operate(room, waiting_room::OperatorAction::Resume, "test")
        .await
        .unwrap();
    queue.limit(room, cap_of_one, "test").await.unwrap();
    let opening = queue.admit_once().await.unwrap();
    assert_eq!(opening.placed, 30);

    let view = queue.room_view(room).await.unwrap();
    let seed: u64 = view
        .shuffle_seed
        .expect("the seed is kept")
        .parse()
        .unwrap();
    assert_eq!(view.shuffled, Some(30));
    let expected = fair_order(early.iter().map(|(user, _)| *user).collect(), seed);
    let tokens: HashMap<Uuid, String> = early.iter().cloned().collect();
    let mut placed = Vec::new();
    for user in &expected {
        placed.push((position(&queue, *user, &tokens[user]).await, *user));
    }
    placed.sort();
    let order: Vec<Uuid> = placed.iter().map(|(_, user)| *user).collect();
    assert_eq!(order, expected, "the order is the seed's");
    assert_eq!(
        placed[0],
        (Some(0), expected[0]),
        "the first of the order was admitted by the opening step (cap 1)"
    );
    // One was admitted by the step that opened the room (cap 1); the rest
    // hold places 1.. and the latecomer is behind all of them.
    let late_position = position(&queue, late, &late_token).await.unwrap();
    let waiting_early = placed.iter().filter(|(p, _)| *p != Some(0)).count() as u64;
    assert_eq!(
        late_position,
        waiting_early + 1,
        "the latecomer joins at the back"
    );
}

#[tokio::test]
async fn every_order_of_three_pre_queued_fans_is_equally_likely() {
    let prefix = Prefix::new();
    let queue = prefix.queue(cap_only(1_000_000));
    let rooms = 240;
    let mut fans = Vec::new();
    for _ in 0..rooms {
        let (room, entry) = room_opening_in(1000);
        let mut trio = Vec::new();
        for _ in 0..3 {
            let user = Uuid::new_v4();
            let token = queue.enter(user, entry).await.unwrap().token;
            trio.push((user, token));
        }
        fans.push((room, trio));
    }
    // Pause every room so the opening places fans without admitting them.
    for (room, _) in &fans {
        queue
            .operate(*room, waiting_room::OperatorAction::Pause, "test")
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for (room, _) in &fans {
        queue
            .operate(*room, waiting_room::OperatorAction::Resume, "test")
            .await
            .unwrap();
        queue
            .limit(
                *room,
                Limits {
                    rate_per_second: None,
                    active_max: Some(1),
                    challenge_bits: None,
                },
                "test",
            )
            .await
            .unwrap();
    }
    // Cap 1 per room: the opening step admits each room's first; read the
    // order from who was admitted and the positions of the other two.
    let opening = queue.admit_once().await.unwrap();
    assert_eq!(opening.placed, 3 * rooms as u64);
    let mut counts: HashMap<[usize; 3], u32> = HashMap::new();
    for (_, trio) in &fans {
        let mut ranked = Vec::new();
        for (index, (user, token)) in trio.iter().enumerate() {
            let state = queue.pass(*user, Some(token)).await.unwrap().state;
            let rank = match state.status {
                TokenStatus::Active => 0,
                _ => state.position.expect("placed"),
            };
            ranked.push((rank, index));
        }
        ranked.sort();
        let order = [ranked[0].1, ranked[1].1, ranked[2].1];
        *counts.entry(order).or_default() += 1;
    }
    assert_eq!(counts.len(), 6, "{counts:?}");
    // Joining order (index 0 joined first) must not matter: 40 of each
    // expected; chi-square over 5 degrees of freedom past 20.5 would happen
    // by chance once in a thousand runs.
    let expected = rooms as f64 / 6.0;
    let chi_square: f64 = counts
        .values()
        .map(|&seen| (f64::from(seen) - expected).powi(2) / expected)
        .sum();
    assert!(chi_square < 20.5, "chi-square {chi_square}: {counts:?}");
}

#[tokio::test]
async fn a_room_keeps_its_own_cap_and_the_global_cap_with_two_admitters_running() {
    let prefix = Prefix::new();
    // Global cap 7; room A limited to 3 by its operator.
    let queue = prefix.queue(cap_only(7));
    let (room_a, entry_a) = open_room();
    let (_, entry_b) = open_room();
    queue
        .limit(
            room_a,
            Limits {
                rate_per_second: None,
                active_max: Some(3),
                challenge_bits: None,
            },
            "test",
        )
        .await
        .unwrap();
    for _ in 0..20 {
        queue.enter(Uuid::new_v4(), entry_a).await.unwrap();
        queue.enter(Uuid::new_v4(), entry_b).await.unwrap();
    }
    let first = Admitter::new(queue.clone()).spawn();
    let second = Admitter::new(queue.clone()).spawn();
    let mut seen_full = false;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let a = queue.room_view(room_a).await.unwrap();
        let b = queue.room_view(entry_b.room).await.unwrap();
        assert!(a.active <= 3, "room A over its cap: {}", a.active);
        assert!(
            a.active + b.active <= 7,
            "over the global cap: {} + {}",
            a.active,
            b.active
        );
        if a.active == 3 && a.active + b.active == 7 {
            seen_full = true;
        }
    }
    first.shutdown().await;
    second.shutdown().await;
    assert!(seen_full, "both caps were reached");
}

#[tokio::test]
async fn a_small_rooms_fan_is_not_kept_behind_a_big_rooms_line() {
    let prefix = Prefix::new();
    let mut settings = cap_only(1_000_000);
    settings.admit_per_second = 20;
    settings.admit_burst = 20;
    let queue = prefix.queue(settings);
    let (_, stadium) = open_room();
    let (_, club) = open_room();
    for _ in 0..400 {
        queue.enter(Uuid::new_v4(), stadium).await.unwrap();
    }
    let fan = Uuid::new_v4();
    let token = queue.enter(fan, club).await.unwrap().token;
    // A few steps at 20 a second: the club's fan goes in while the
    // stadium's line is still hundreds long.
    for _ in 0..5 {
        queue.admit_once().await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let state = queue.pass(fan, Some(&token)).await.unwrap().state;
    assert_eq!(state.status, TokenStatus::Active);
    let stadium_view = queue.room_view(stadium.room).await.unwrap();
    assert!(stadium_view.waiting > 300, "{}", stadium_view.waiting);
}

#[tokio::test]
async fn a_room_token_admits_to_its_schedule_only() {
    let prefix = Prefix::new();
    let queue = prefix.queue(cap_only(10));
    let (room, entry) = open_room();
    let user = Uuid::new_v4();
    let token = queue.enter(user, entry).await.unwrap().token;
    queue.admit_once().await.unwrap();
    let pass = queue.active_pass(user, Some(&token)).await.unwrap();
    assert_eq!(pass.room, room);
    let Room::Schedule(schedule) = room else {
        unreachable!()
    };
    assert!(pass.admits_to(schedule).is_ok());
    assert!(pass.admits_to(Uuid::new_v4()).is_err());
    // The global room is another room: a global token is still WAITING-free.
    let global = queue.join(user).await.unwrap();
    assert_eq!(global.state.status, TokenStatus::Waiting, "rooms are apart");
}

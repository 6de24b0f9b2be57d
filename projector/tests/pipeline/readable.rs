//! A decision is announced only once its read-model entries are readable:
//! written, or dropped so that their next read loads the committed tables.
//! Redis refuses the projector's writes through an ACL user of the test's
//! own, so the shared Redis stays untouched for every other test.

use std::time::Duration;

use futures::StreamExt;
use infra::decision::Decision;
use infra::redis::KeySpace;
use infra::testing::RedisUser;
use read_model::ReadKeys;
use uuid::Uuid;

use crate::helpers::*;

async fn connection(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("redis is reachable")
}

/// Waits for the announcement of `command_id`, or answers `None` after
/// `within`.
async fn announced(
    stream: &mut (impl futures::Stream<Item = Decision> + Unpin),
    command_id: Uuid,
    within: Duration,
) -> Option<Decision> {
    tokio::time::timeout(within, async {
        while let Some(decision) = stream.next().await {
            if decision.command_id == command_id {
                return Some(decision);
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
}

async fn entry(url: &str, key: &str) -> Option<Vec<u8>> {
    let mut redis = connection(url).await;
    redis::cmd("GET")
        .arg(key)
        .query_async(&mut redis)
        .await
        .unwrap()
}

/// A log, a projector reaching Redis as a user of the test's own, and
/// alice's balance entry.
struct Scene {
    log: TestLog,
    url: String,
    user: RedisUser,
    projector: TestProjector,
    alice: Uuid,
    balance_key: String,
}

impl Scene {
    async fn new() -> Self {
        let log = spawn_log().await;
        let url = log.env.settings.redis.url.clone();
        let user = RedisUser::new(&url).await;
        let mut settings = log.env.settings.clone();
        settings.redis.url = user.url();
        let projector = log.spawn_projector_with(settings).await;
        let alice = Uuid::now_v7();
        let balance_key = ReadKeys::new(&KeySpace::new(log.env.settings.redis.key_prefix.clone()))
            .balance(alice)
            .key;
        Self {
            log,
            url,
            user,
            projector,
            alice,
            balance_key,
        }
    }
}

#[tokio::test]
async fn a_decision_is_announced_only_once_its_entries_are_readable() {
    let Scene {
        log,
        url,
        user,
        projector,
        alice,
        balance_key,
    } = Scene::new().await;
    let mut stream = subscribe(&log).await;

    let first = log.ask(charge(alice, 100)).await;
    assert!(announced(&mut stream, first, PATIENCE).await.is_some());
    assert!(
        entry(&url, &balance_key).await.is_some(),
        "written through before the announcement"
    );

    // Redis refuses writes (as under `maxmemory`): the entry is dropped
    // instead, so the next read loads the committed balance.
    user.allow(&["-set"]).await;
    let second = log.ask(charge(alice, 50)).await;
    assert!(announced(&mut stream, second, PATIENCE).await.is_some());
    assert_eq!(entry(&url, &balance_key).await, None, "dropped, not stale");

    // Neither writes nor deletes go through: the stale entry stays, so the
    // decision must not be announced.
    let mut redis = connection(&url).await;
    let _: () = redis::cmd("SET")
        .arg(&balance_key)
        .arg("stale")
        .query_async(&mut redis)
        .await
        .unwrap();
    user.allow(&["-del", "-unlink"]).await;
    let third = log.ask(charge(alice, 25)).await;
    eventually("the third charge committed", || async {
        log.count(&format!(
            "SELECT count(*) FROM wallets WHERE user_id = '{alice}' AND balance = 175"
        ))
        .await
            == 1
    })
    .await;
    assert!(
        announced(&mut stream, third, Duration::from_secs(3))
            .await
            .is_none(),
        "announced while its entry still read the old balance"
    );
    assert_eq!(
        entry(&url, &balance_key).await.as_deref(),
        Some(&b"stale"[..])
    );

    // Redis takes writes again: the held-back decision goes out once its
    // entry is rewritten.
    user.allow(&["+set", "+del", "+unlink"]).await;
    let decision = announced(&mut stream, third, PATIENCE)
        .await
        .expect("announced once readable");
    assert_eq!(decision.body, serde_json::json!({ "balance": 175 }));
    let rewritten = entry(&url, &balance_key).await.expect("rewritten");
    assert_ne!(rewritten, b"stale");
    let metrics = projector.metrics().await;
    let dropped = sample(&metrics, "ticketfold_projector_read_model_dropped_total");
    assert!(dropped >= 1.0, "{metrics}");
    projector.stop().await;
}

#[tokio::test]
async fn a_projector_taking_partitions_drops_the_entries_a_dead_owner_left_stale() {
    let Scene {
        log,
        url,
        user,
        projector,
        alice,
        balance_key,
    } = Scene::new().await;
    let mut stream = subscribe(&log).await;
    let first = log.ask(charge(alice, 100)).await;
    assert!(announced(&mut stream, first, PATIENCE).await.is_some());

    // The owner commits a charge but cannot touch Redis, then goes away
    // (as if killed between its commit and its writes): the entry still
    // reads the balance from before a charge the tables hold.
    user.allow(&["-set", "-del", "-unlink"]).await;
    log.ask(charge(alice, 50)).await;
    eventually("the second charge committed", || async {
        log.count(&format!(
            "SELECT count(*) FROM wallets WHERE user_id = '{alice}' AND balance = 150"
        ))
        .await
            == 1
    })
    .await;
    let stale = entry(&url, &balance_key).await.expect("the old entry");
    projector.stop().await;
    assert_eq!(entry(&url, &balance_key).await, Some(stale));
    assert_eq!(
        log.count("SELECT count(*) FROM projector_owed_entries")
            .await,
        1,
        "the debt outlives its owner"
    );

    // The next owner drops the stale entry as it takes the partitions,
    // before any record of theirs comes in.
    let next = log.spawn_projector().await;
    eventually("the stale entry dropped", || async {
        entry(&url, &balance_key).await.is_none()
    })
    .await;
    eventually("the debt settled", || async {
        log.count("SELECT count(*) FROM projector_owed_entries")
            .await
            == 0
    })
    .await;
    let metrics = next.metrics().await;
    let repaired = sample(&metrics, "ticketfold_projector_read_model_repaired_total");
    assert!(repaired >= 1.0, "{metrics}");

    // Settled as it goes while Redis takes writes: no debt is left behind.
    let third = log.ask(charge(alice, 25)).await;
    assert!(announced(&mut stream, third, PATIENCE).await.is_some());
    // Settled before the announcement (the count is read on another
    // connection, so it is polled).
    eventually("the third charge's debt settled", || async {
        log.count("SELECT count(*) FROM projector_owed_entries")
            .await
            == 0
    })
    .await;
    next.stop().await;
}

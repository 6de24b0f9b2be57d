//! The cheap ACTIVE check sent the way a guarded read sends it: in the
//! caller's own pipeline, on the caller's own connection, its reply handed
//! to `settle`. Every token state must come out as the full inspection
//! decides it.

mod queue_support;

use std::time::Duration;

use queue_support::{cap_only, Prefix};
use redis::Value;
use uuid::Uuid;
use waiting_room::{ActiveCheck, Queue, QueueError, TokenStatus};

/// The check and an unrelated `GET` in one pipeline, as a read model sends
/// them; then `settle`.
async fn through_a_pipeline(
    prefix: &Prefix,
    queue: &Queue,
    check: ActiveCheck,
) -> Result<waiting_room::ActiveQueuePass, QueueError> {
    let mut redis = prefix.redis().await;
    // Whatever ran before, the script is there to be called by hash.
    check.script().load_async(&mut redis).await.unwrap();
    let mut get = redis::cmd("GET");
    get.arg(format!("{}elsewhere", prefix.0));
    let mut pipe = redis::pipe();
    pipe.add_command(check.command()).add_command(get);
    let replies: Vec<Value> = pipe.query_async(&mut redis).await.unwrap();
    assert_eq!(replies.len(), 2);
    assert_eq!(replies[1], Value::Nil, "the other command ran too");
    let reply = replies.into_iter().next().unwrap();
    queue.settle(check, reply).await
}

#[tokio::test]
async fn a_pipelined_check_passes_only_an_active_token_of_the_caller() {
    let prefix = Prefix::new();
    let queue = prefix.queue(cap_only(2));
    let (active, other, done, waiting) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    let done_token = queue.join(done).await.unwrap().token;
    queue.admit_once().await.unwrap();
    // What a completed payment does.
    queue.complete(done).await.unwrap();
    let active_token = queue.join(active).await.unwrap().token;
    let other_token = queue.join(other).await.unwrap().token;
    queue.admit_once().await.unwrap();
    let waiting_token = queue.join(waiting).await.unwrap().token;

    let check = |user, token: &str| queue.active_check(user, Some(token)).unwrap();

    let pass = through_a_pipeline(&prefix, &queue, check(active, &active_token))
        .await
        .expect("an active token of the caller passes");
    assert_eq!(pass.user_id, active);
    // The lapse is the one the full inspection reports.
    let inspected = queue.pass(active, Some(&active_token)).await.unwrap();
    assert_eq!(inspected.state.status, TokenStatus::Active);
    assert_eq!(pass.expires_at, inspected.state.expires_at);
    assert_eq!(pass.token_id, inspected.token_id);

    let refusals = [
        ("waiting", waiting, &waiting_token, "NotActive"),
        ("completed", done, &done_token, "TokenExpired"),
        (
            "another user's active",
            waiting,
            &other_token,
            "OtherUsersToken",
        ),
        (
            "another user's waiting",
            active,
            &waiting_token,
            "OtherUsersToken",
        ),
        (
            "another user's completed",
            active,
            &done_token,
            "TokenExpired",
        ),
    ];
    for (case, user, token, expected) in refusals {
        let refusal = through_a_pipeline(&prefix, &queue, check(user, token))
            .await
            .expect_err(case);
        assert_eq!(format!("{refusal:?}"), expected, "{case}");
    }

    // An old token once the user joined again after completing.
    queue.join(done).await.unwrap();
    let refusal = through_a_pipeline(&prefix, &queue, check(done, &done_token))
        .await
        .expect_err("a replaced token");
    assert!(matches!(refusal, QueueError::TokenExpired), "{refusal:?}");
}

#[tokio::test]
async fn a_lapsed_token_still_in_the_active_set_is_expired() {
    let prefix = Prefix::new();
    let mut settings = cap_only(2);
    settings.active_ttl = Duration::from_millis(300);
    let queue = prefix.queue(settings);
    let user = Uuid::new_v4();
    let token = queue.join(user).await.unwrap().token;
    queue.admit_once().await.unwrap();
    let lapse = queue
        .pass(user, Some(&token))
        .await
        .unwrap()
        .state
        .expires_at
        .expect("an active token lapses");

    let wait = (lapse - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(50)).await;
    // No admission step ran, so only the lapse time says it is over.
    assert_eq!(prefix.active_count().await, 1);
    let check = queue.active_check(user, Some(&token)).unwrap();
    let refusal = through_a_pipeline(&prefix, &queue, check)
        .await
        .expect_err("a lapsed token");
    assert!(matches!(refusal, QueueError::TokenExpired), "{refusal:?}");
    // Alone, on the queue's connection, the same.
    let refusal = queue.active_pass(user, Some(&token)).await.unwrap_err();
    assert!(matches!(refusal, QueueError::TokenExpired), "{refusal:?}");
}

#[tokio::test]
async fn a_missing_or_forged_token_is_refused_before_redis_is_asked() {
    // Nothing listens here: a refusal that needed Redis would be a 503.
    let client = redis::Client::open("redis://127.0.0.1:1").unwrap();
    let queue = Queue::new(
        client,
        "t-nowhere:",
        cap_only(1),
        &prometheus::Registry::new(),
    )
    .unwrap();
    let user = Uuid::new_v4();
    assert!(matches!(
        queue.active_check(user, None),
        Err(QueueError::TokenMissing)
    ));
    assert!(matches!(
        queue.active_check(user, Some("forged")),
        Err(QueueError::TokenRejected(_))
    ));
}

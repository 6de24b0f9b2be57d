//! Entries expire (TTL with jitter) so cold data leaves memory; an expired
//! hot entry is served stale while one loader refreshes it.

use std::time::Duration;

use futures::future::join_all;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::spawn_app_with;
use crate::seed;

#[tokio::test]
async fn an_expired_entry_is_served_stale_while_one_load_refreshes_it() {
    let app = spawn_app_with(&[("CACHE_TTL_SECONDS", "1")]).await;
    let user = Uuid::new_v4();
    seed::wallet(&app.pool, user, 100).await;
    assert_eq!(
        app.get_as("/v1/balance", user, None).await.1,
        json!({"balance": 100})
    );
    assert_eq!(app.loads("balance").await, 1);

    // Past its freshness (at most 1.1 s), inside its grace (1 s more).
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    let answers = join_all((0..50).map(|_| app.get_as("/v1/balance", user, None))).await;
    assert!(answers
        .iter()
        .all(|answer| *answer == (200, json!({"balance": 100}))));
    let stale = app
        .metric("ticketfold_cache_requests_total{kind=\"balance\",result=\"stale\"}")
        .await;
    assert!(stale >= 1.0, "nothing was served stale");
    // The refresh runs in the background; give it a moment to land.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while app.loads("balance").await < 2 {
        assert!(tokio::time::Instant::now() < deadline, "never refreshed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(app.loads("balance").await, 2, "refreshed more than once");
    assert_eq!(
        app.metric("ticketfold_cache_requests_total{kind=\"balance\",result=\"miss\"}")
            .await,
        1.0
    );

    // Long past its grace it is gone from Redis: cold data leaves memory.
    tokio::time::sleep(Duration::from_millis(2_700)).await;
    assert!(!app.in_redis(&format!("rm:balance:{user}")).await);
}

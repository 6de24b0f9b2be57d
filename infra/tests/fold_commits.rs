//! The projector's fold pool runs its sessions with the `synchronous_commit`
//! that `PROJECTOR_SYNCHRONOUS_COMMIT` names. Against the test server's
//! maintenance database: nothing is created, so nothing needs isolating.

use infra::config::{FoldCommit, Settings};

fn settings(commit: &str) -> Settings {
    let server = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let commit = commit.to_owned();
    Settings::load(move |name| match name {
        "DATABASE_URL" => Some(server.clone()),
        "PROJECTOR_SYNCHRONOUS_COMMIT" => Some(commit.clone()),
        "QUEUE_TOKEN_SECRET" => Some("test-only-queue-token-secret-0123456789abcdef".into()),
        _ => None,
    })
    .expect("test settings are valid")
}

async fn shown(settings: &Settings) -> String {
    let pool = infra::postgres::connect_for_folds(&settings.database, settings.fold_commit)
        .await
        .unwrap();
    let shown = sqlx::query_scalar("SELECT current_setting('synchronous_commit')")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    shown
}

#[tokio::test]
async fn the_fold_pool_defers_its_flushes_unless_told_otherwise() {
    let deferred = settings("off");
    assert_eq!(deferred.fold_commit, FoldCommit::Deferred);
    assert_eq!(shown(&deferred).await, "off");
    let durable = settings("on");
    assert_eq!(durable.fold_commit, FoldCommit::Durable);
    assert_eq!(shown(&durable).await, "on");
}

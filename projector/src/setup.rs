//! `projector setup`, `migrate` and `topics`: what the system needs before
//! it runs. `setup` is `migrate` then `topics`; operators who run them
//! apart (a database job and a broker job, under different credentials)
//! need only that part's settings. Each is safe to repeat.

use infra::config::{DatabaseSettings, KafkaSettings};
use infra::kafka::Topics;

use crate::error::SetupError;

pub async fn run(database: &DatabaseSettings, kafka: &KafkaSettings) -> Result<(), SetupError> {
    migrate(database).await?;
    topics(kafka).await
}

/// Creates the database when it is missing and applies the migrations.
pub async fn migrate(database: &DatabaseSettings) -> Result<(), SetupError> {
    let created = infra::postgres::ensure_database_exists(database).await?;
    tracing::info!(
        database = database.database_name(),
        created,
        "database ready"
    );
    let pool = infra::postgres::connect(database).await?;
    let migrated = infra::postgres::migrate(&pool, database).await;
    pool.close().await;
    migrated?;
    tracing::info!("migrations applied");
    Ok(())
}

/// Creates the three topics; existing ones are left as they are.
pub async fn topics(kafka: &KafkaSettings) -> Result<(), SetupError> {
    infra::kafka::ensure_topics(kafka).await?;
    tracing::info!(
        topics = ?Topics::from_settings(kafka).all(),
        replication_factor = kafka.replication_factor,
        min_insync_replicas = ?kafka.min_insync_replicas,
        "topics ready"
    );
    Ok(())
}

//! `projector setup`: everything the system needs before it runs. Safe to
//! repeat.

use crate::configuration::Settings;
use crate::error::SetupError;

pub async fn run(settings: &Settings) -> Result<(), SetupError> {
    let created = infra::postgres::ensure_database_exists(&settings.database).await?;
    tracing::info!(
        database = settings.database.database_name(),
        created,
        "database ready"
    );
    let pool = infra::postgres::connect(&settings.database).await?;
    infra::postgres::migrate(&pool, &settings.database).await?;
    pool.close().await;
    tracing::info!("migrations applied");
    infra::kafka::ensure_topics(&settings.kafka).await?;
    tracing::info!(topics = ?infra::kafka::Topics::from_settings(&settings.kafka).all(), "topics ready");
    Ok(())
}

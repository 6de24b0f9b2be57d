use std::sync::Arc;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};

use super::{client_config, TopicPartition, Topics};
use crate::config::KafkaSettings;

const ADMIN_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum TopicAdminError {
    #[error("cannot reach the Kafka brokers at {brokers}: {source}")]
    Unreachable { brokers: String, source: KafkaError },
    #[error("cannot create topic {topic}: {code}")]
    Create {
        topic: String,
        code: RDKafkaErrorCode,
    },
}

fn admin_client(kafka: &KafkaSettings) -> Result<AdminClient<DefaultClientContext>, KafkaError> {
    client_config(kafka).create()
}

/// Creates the three topics with their configured partition counts,
/// replication factor and (when set) `min.insync.replicas`. Topics
/// that already exist are left as they are, so this is safe to repeat.
pub async fn ensure_topics(kafka: &KafkaSettings) -> Result<(), TopicAdminError> {
    let unreachable = |source| TopicAdminError::Unreachable {
        brokers: kafka.brokers.clone(),
        source,
    };
    let admin = admin_client(kafka).map_err(unreachable)?;
    let topics = Topics::from_settings(kafka);
    let wanted = topics.with_partitions(kafka);
    let min_insync = kafka.min_insync_replicas.map(|n| n.to_string());
    let new_topics: Vec<NewTopic<'_>> = wanted
        .iter()
        .map(|(name, partitions)| {
            // The log is the system of record: never let the broker expire it.
            let topic = NewTopic::new(
                name,
                *partitions,
                TopicReplication::Fixed(kafka.replication_factor),
            )
            .set("retention.ms", "-1");
            // Only when asked for: otherwise the broker's default applies,
            // which is what a single local broker (tansu) wants.
            match &min_insync {
                Some(replicas) => topic.set("min.insync.replicas", replicas),
                None => topic,
            }
        })
        .collect();
    let options = AdminOptions::new()
        .request_timeout(Some(ADMIN_TIMEOUT))
        .operation_timeout(Some(ADMIN_TIMEOUT));
    let results = admin
        .create_topics(&new_topics, &options)
        .await
        .map_err(unreachable)?;
    for result in results {
        match result {
            Ok(topic) => tracing::info!(%topic, "topic created"),
            Err((topic, RDKafkaErrorCode::TopicAlreadyExists)) => {
                tracing::debug!(%topic, "topic already exists")
            }
            Err((topic, code)) => return Err(TopicAdminError::Create { topic, code }),
        }
    }
    Ok(())
}

/// Answers whether the brokers are reachable and the three topics exist;
/// the readiness check of every service that talks to Kafka.
#[derive(Clone)]
pub struct BrokerProbe {
    client: Arc<AdminClient<DefaultClientContext>>,
    topics: Topics,
}

impl BrokerProbe {
    pub fn new(kafka: &KafkaSettings) -> Result<Self, KafkaError> {
        Ok(Self {
            client: Arc::new(admin_client(kafka)?),
            topics: Topics::from_settings(kafka),
        })
    }

    pub async fn check(&self, timeout: Duration) -> Result<(), String> {
        self.partitions(timeout).await.map(drop)
    }

    /// Every partition of the three topics, as the brokers report them (not
    /// as configured: a topic created with another count is read whole).
    pub async fn partitions(&self, timeout: Duration) -> Result<Vec<TopicPartition>, String> {
        let client = Arc::clone(&self.client);
        // librdkafka's metadata call blocks its thread until answered.
        let metadata =
            tokio::task::spawn_blocking(move || client.inner().fetch_metadata(None, timeout))
                .await
                .map_err(|e| format!("metadata probe aborted: {e}"))?
                .map_err(|e| format!("brokers unreachable: {e}"))?;
        let mut partitions = Vec::new();
        for wanted in self.topics.all() {
            match metadata.topics().iter().find(|t| t.name() == wanted) {
                Some(topic) if topic.error().is_none() && !topic.partitions().is_empty() => {
                    partitions.extend(
                        topic
                            .partitions()
                            .iter()
                            .map(|p| TopicPartition::new(wanted, p.id())),
                    );
                }
                Some(topic) => {
                    return Err(format!("topic {wanted} is unhealthy: {:?}", topic.error()))
                }
                None => {
                    return Err(format!(
                        "topic {wanted} does not exist (run `projector setup`)"
                    ))
                }
            }
        }
        Ok(partitions)
    }
}

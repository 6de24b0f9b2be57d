//! The hand-offs of the partitions this instance holds (see
//! `infra::handoff`): one Redis subscription, following the leases, whose
//! records are passed to the consumer loop beside the fetch. Losing it
//! costs only speed: every record still comes from the fetch.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt;
use infra::handoff::{channel, HandedOff};
use infra::kafka::TopicPartition;
use infra::redis::KeySpace;
use tokio::sync::{mpsc, watch};

use crate::record::Record;

/// Hand-offs waiting for the consumer loop past which new ones are
/// dropped: a loop busy folding a backlog reads those from the fetch.
const QUEUE: usize = 10_000;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Tells the subscription which partitions to follow; dropping it ends
/// the subscription.
pub struct HandoffFeed {
    owned: watch::Sender<BTreeSet<TopicPartition>>,
}

impl HandoffFeed {
    /// Follows no partition until `follow` names some; the records handed
    /// off come out of the receiver.
    pub fn start(client: redis::Client, keys: KeySpace) -> (Self, mpsc::Receiver<Record>) {
        let (owned, following) = watch::channel(BTreeSet::new());
        let (sink, records) = mpsc::channel(QUEUE);
        tokio::spawn(subscribe(client, keys, following, sink));
        (Self { owned }, records)
    }

    /// No subscription: nothing ever comes out of the receiver.
    pub fn off() -> (Self, mpsc::Receiver<Record>) {
        let (owned, _) = watch::channel(BTreeSet::new());
        // The sender is dropped at once: the receiver answers `None`.
        let (_, records) = mpsc::channel(1);
        (Self { owned }, records)
    }

    pub fn follow<'a>(&self, owned: impl IntoIterator<Item = &'a TopicPartition>) {
        let owned: BTreeSet<TopicPartition> = owned.into_iter().cloned().collect();
        self.owned.send_if_modified(|following| {
            let changed = *following != owned;
            *following = owned;
            changed
        });
    }
}

/// Keeps subscribed to the channels of the partitions followed, through
/// Redis failures, until the feed is dropped.
async fn subscribe(
    client: redis::Client,
    keys: KeySpace,
    mut following: watch::Receiver<BTreeSet<TopicPartition>>,
    records: mpsc::Sender<Record>,
) {
    let mut backoff = Duration::from_millis(100);
    let mut failing = false;
    loop {
        let connected = tokio::time::timeout(CONNECT_TIMEOUT, client.get_async_pubsub()).await;
        match connected {
            Ok(Ok(pubsub)) => {
                if failing {
                    tracing::info!("hand-off subscription connected again");
                    failing = false;
                }
                backoff = Duration::from_millis(100);
                match relay(pubsub, &keys, &mut following, &records).await {
                    Ended::FeedDropped => return,
                    Ended::Lost(error) => {
                        tracing::warn!(%error, "hand-off subscription lost; records come from the fetch until it is back");
                    }
                }
            }
            Ok(Err(error)) => {
                if !failing {
                    tracing::warn!(%error, "cannot subscribe to hand-offs; records come from the fetch");
                    failing = true;
                }
            }
            Err(_) => {
                if !failing {
                    tracing::warn!("cannot subscribe to hand-offs: redis did not answer in time");
                    failing = true;
                }
            }
        }
        tokio::select! {
            changed = following.changed() => if changed.is_err() { return },
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

enum Ended {
    FeedDropped,
    Lost(redis::RedisError),
}

async fn relay(
    pubsub: redis::aio::PubSub,
    keys: &KeySpace,
    following: &mut watch::Receiver<BTreeSet<TopicPartition>>,
    records: &mpsc::Sender<Record>,
) -> Ended {
    let (mut sink, mut messages) = pubsub.split();
    let mut subscribed: BTreeSet<TopicPartition> = BTreeSet::new();
    loop {
        let wanted = following.borrow_and_update().clone();
        for at in subscribed.difference(&wanted) {
            if let Err(error) = sink
                .unsubscribe(channel(keys, &at.topic, at.partition))
                .await
            {
                return Ended::Lost(error);
            }
        }
        for at in wanted.difference(&subscribed) {
            if let Err(error) = sink.subscribe(channel(keys, &at.topic, at.partition)).await {
                return Ended::Lost(error);
            }
        }
        subscribed = wanted;
        loop {
            tokio::select! {
                changed = following.changed() => {
                    if changed.is_err() {
                        return Ended::FeedDropped;
                    }
                    break;
                }
                message = messages.next() => {
                    let Some(message) = message else {
                        return Ended::Lost(redis::RedisError::from((
                            redis::ErrorKind::IoError,
                            "subscription closed",
                        )));
                    };
                    match HandedOff::from_bytes(message.get_payload_bytes()) {
                        // Full: the consumer loop is behind, and the fetch
                        // brings the record anyway.
                        Some(handed) => {
                            let _ = records.try_send(Record::from(handed));
                        }
                        None => tracing::warn!(channel = message.get_channel_name(), "unreadable hand-off"),
                    }
                }
            }
        }
    }
}

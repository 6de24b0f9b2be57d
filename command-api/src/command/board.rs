//! The decision board: one Redis subscription per instance to the channel
//! the projector announces decisions on, routing each to the requests
//! waiting for that command id.
//!
//! Pub/sub is fire-and-forget, so a decision announced while the
//! subscription was down is lost here; waiters are told when the board
//! subscribes again and read `command_outcomes` instead, as they do at the
//! end of their budget.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::StreamExt;
use infra::decision::Decision;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

/// How long connecting and subscribing may take before trying again.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

type Waiters = HashMap<Uuid, Vec<(u64, oneshot::Sender<Decision>)>>;

#[derive(Clone)]
pub struct DecisionBoard {
    shared: Arc<Shared>,
}

struct Shared {
    waiters: Mutex<Waiters>,
    next_waiter: AtomicU64,
    /// How many times the board has subscribed; odd while subscribed.
    subscription: watch::Sender<u64>,
}

impl Shared {
    fn waiters(&self) -> std::sync::MutexGuard<'_, Waiters> {
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Stops the board's subscription task.
pub struct BoardHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl BoardHandle {
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

impl DecisionBoard {
    /// Starts subscribing to `channel` in the background; the board keeps
    /// resubscribing after Redis failures until shut down.
    pub fn start(client: redis::Client, channel: String) -> (DecisionBoard, BoardHandle) {
        let (subscription, _) = watch::channel(0);
        let board = DecisionBoard {
            shared: Arc::new(Shared {
                waiters: Mutex::new(HashMap::new()),
                next_waiter: AtomicU64::new(0),
                subscription,
            }),
        };
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(listen(board.clone(), client, channel, stopped));
        (board, BoardHandle { stop, task })
    }

    pub fn is_subscribed(&self) -> bool {
        *self.shared.subscription.borrow() % 2 == 1
    }

    /// Waits up to `patience` for the subscription, so a command is only
    /// appended while its decision can be heard.
    pub async fn ready(&self, patience: Duration) -> bool {
        let mut subscription = self.shared.subscription.subscribe();
        let subscribed = subscription.wait_for(|generation| generation % 2 == 1);
        let waited = tokio::time::timeout(patience, subscribed).await;
        matches!(waited, Ok(Ok(_)))
    }

    /// Registers interest in `command_id`'s decision; register before the
    /// command is appended so the announcement cannot be missed.
    pub fn expect(&self, command_id: Uuid) -> Expectation {
        let waiter = self.shared.next_waiter.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = oneshot::channel();
        self.shared
            .waiters()
            .entry(command_id)
            .or_default()
            .push((waiter, sender));
        let mut subscription = self.shared.subscription.subscribe();
        subscription.mark_unchanged();
        Expectation {
            command_id,
            waiter,
            receiver: Some(receiver),
            subscription,
            shared: Arc::clone(&self.shared),
        }
    }

    fn deliver(&self, decision: Decision) {
        let waiting = self.shared.waiters().remove(&decision.command_id);
        for (_, sender) in waiting.into_iter().flatten() {
            let _ = sender.send(decision.clone());
        }
    }

    fn set_subscribed(&self, subscribed: bool) {
        self.shared.subscription.send_if_modified(|generation| {
            if (*generation % 2 == 1) == subscribed {
                return false;
            }
            *generation += 1;
            true
        });
    }
}

/// What a waiting request hears.
#[derive(Debug)]
pub enum Heard {
    Decided(Decision),
    /// The board subscribed again after an outage: announcements may have
    /// been missed, so look in `command_outcomes`.
    Resubscribed,
}

/// One request's interest in one command's decision; dropping it stops
/// listening.
pub struct Expectation {
    command_id: Uuid,
    waiter: u64,
    receiver: Option<oneshot::Receiver<Decision>>,
    subscription: watch::Receiver<u64>,
    shared: Arc<Shared>,
}

impl Expectation {
    /// The next thing heard; pending forever if nothing ever is (callers
    /// bound it with their deadline).
    pub async fn next(&mut self) -> Heard {
        loop {
            let Self {
                receiver,
                subscription,
                ..
            } = self;
            let decided = async {
                match receiver.as_mut() {
                    Some(receiver) => receiver.await.ok(),
                    None => std::future::pending().await,
                }
            };
            let step = tokio::select! {
                decision = decided => Step::Decided(decision),
                // The sender lives as long as `shared`, which we hold.
                Ok(()) = subscription.changed() => Step::SubscriptionChanged,
            };
            match step {
                Step::Decided(Some(decision)) => return Heard::Decided(decision),
                // The board let go of us (shutting down): only the table is left.
                Step::Decided(None) => self.receiver = None,
                Step::SubscriptionChanged => {
                    if *self.subscription.borrow_and_update() % 2 == 1 {
                        return Heard::Resubscribed;
                    }
                }
            }
        }
    }
}

enum Step {
    Decided(Option<Decision>),
    SubscriptionChanged,
}

impl Drop for Expectation {
    fn drop(&mut self) {
        let mut waiters = self.shared.waiters();
        if let Some(list) = waiters.get_mut(&self.command_id) {
            list.retain(|(waiter, _)| *waiter != self.waiter);
            if list.is_empty() {
                waiters.remove(&self.command_id);
            }
        }
    }
}

async fn listen(
    board: DecisionBoard,
    client: redis::Client,
    channel: String,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_millis(100);
    let mut failing = false;
    loop {
        if *stop.borrow() {
            break;
        }
        let connected = tokio::time::timeout(CONNECT_TIMEOUT, subscribe(&client, &channel)).await;
        match connected {
            Ok(Ok(pubsub)) => {
                if failing {
                    tracing::info!("decision board subscribed again");
                    failing = false;
                }
                backoff = Duration::from_millis(100);
                board.set_subscribed(true);
                let stopped = relay(&board, pubsub, &mut stop).await;
                board.set_subscribed(false);
                if stopped {
                    break;
                }
                tracing::warn!("decision board lost its subscription; resubscribing");
            }
            Ok(Err(error)) => {
                if !failing {
                    tracing::warn!(%error, "decision board cannot subscribe");
                    failing = true;
                }
            }
            Err(_) => {
                if !failing {
                    tracing::warn!("decision board: redis did not answer in time");
                    failing = true;
                }
            }
        }
        // Only `true` is ever sent, and a dropped handle means stop too.
        tokio::select! {
            _ = stop.changed() => break,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
    // Wake everyone still waiting: they fall back to the table.
    board.shared.waiters().clear();
}

async fn subscribe(
    client: &redis::Client,
    channel: &str,
) -> redis::RedisResult<redis::aio::PubSub> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(channel).await?;
    Ok(pubsub)
}

/// Routes messages until the subscription ends (false) or a stop is
/// asked for (true).
async fn relay(
    board: &DecisionBoard,
    pubsub: redis::aio::PubSub,
    stop: &mut watch::Receiver<bool>,
) -> bool {
    let mut messages = pubsub.into_on_message();
    loop {
        tokio::select! {
            _ = stop.changed() => return true,
            message = messages.next() => {
                let Some(message) = message else { return false };
                let Ok(text) = message.get_payload::<String>() else {
                    tracing::warn!("decision message that is not text");
                    continue;
                };
                match Decision::from_message(&text) {
                    Some(decision) => board.deliver(decision),
                    None => tracing::warn!(message = %text, "unreadable decision message"),
                }
            }
        }
    }
}
